// CurlTransfer: one request in flight on the engine thread: its easy handle, the response head being parsed,
// and where the result goes (a continuation for a buffered request, a `CurlResponseStream` for a watch).

import CCurl
import Foundation
import Synchronization

final class CurlTransfer: @unchecked Sendable {
    // @unchecked: built by the submitting task, then (after the hand-off through the engine's command mutex)
    // touched only on the engine thread, except `cancelled`, which has its own mutex.
    let easy: UnsafeMutableRawPointer
    let request: String
    let sink: Sink
    var headerList: UnsafeMutablePointer<curl_slist>?
    var connectToList: UnsafeMutablePointer<curl_slist>?
    let errorBuffer: UnsafeMutablePointer<CChar>
    var idleTimeout: Duration?
    var lastActivity: ContinuousClock.Instant = .now
    private var handleReleased = false

    // Response head and body (engine thread).
    var status = 0
    var headers = HeaderFields()
    var headComplete = false
    var body: [UInt8] = []
    var bodyLimit = Int.max
    /// Set by a callback that aborted the transfer on purpose (body too large); wins over curl's code.
    var abortReason: TransportError?

    private let cancelled = Mutex(false)

    enum Sink {
        case buffered(CheckedContinuation<TransportResponse, any Error>)
        case stream(CurlResponseStream)
    }

    init(easy: UnsafeMutableRawPointer, request: String, sink: Sink) {
        self.easy = easy
        self.request = request
        self.sink = sink
        self.errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        // The lists must outlive the transfer (libcurl does not copy them); by now the handle is released.
        if let headerList { curl_slist_free_all(headerList) }
        if let connectToList { curl_slist_free_all(connectToList) }
        errorBuffer.deallocate()
    }

    var isCancelled: Bool { cancelled.withLock { $0 } }
    func markCancelled() { cancelled.withLock { $0 = true } }

    var isPausedForReader: Bool {
        if case .stream(let stream) = sink { return stream.isPaused }
        return false
    }

    /// Hands the easy handle back to the engine once; the header list goes with it.
    func releaseHandle() -> UnsafeMutableRawPointer? {
        guard !handleReleased else { return nil }
        handleReleased = true
        if let headerList {
            curl_slist_free_all(headerList)
            self.headerList = nil
        }
        if let connectToList {
            curl_slist_free_all(connectToList)
            self.connectToList = nil
        }
        return easy
    }

    // MARK: - Callbacks (engine thread)

    func receiveHeaderLine(_ bytes: UnsafeRawBufferPointer) {
        lastActivity = .now
        // Trim the line ending on bytes: as a String, "\r\n" is one Character and defeats suffix checks.
        var end = bytes.count
        while end > 0 && (bytes[end - 1] == 0x0A || bytes[end - 1] == 0x0D) { end -= 1 }
        if bytes[0..<end].starts(with: "HTTP/".utf8) {
            // A new status line (after a 1xx) starts a new head.
            let parts = String(decoding: bytes[0..<end], as: UTF8.self).split(separator: " ", maxSplits: 2)
            status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
            headers = HeaderFields()
            headComplete = false
        } else if end == 0 {
            guard status >= 200, !headComplete else { return }
            headComplete = true
            if case .stream(let stream) = sink { stream.headReceived(status: status, headers: headers) }
        } else if !headComplete, let colon = bytes[0..<end].firstIndex(of: UInt8(ascii: ":")) {
            // Names and values trimmed of optional whitespace (space, tab) on bytes: Foundation's
            // trimmingCharacters(in:) was a visible share of every request's CPU.
            func trimmed(_ range: Range<Int>) -> String {
                var lo = range.lowerBound, hi = range.upperBound
                while lo < hi && (bytes[lo] == 0x20 || bytes[lo] == 0x09) { lo += 1 }
                while hi > lo && (bytes[hi - 1] == 0x20 || bytes[hi - 1] == 0x09) { hi -= 1 }
                return String(decoding: bytes[lo..<hi], as: UTF8.self)
            }
            headers.add(trimmed(0..<colon), trimmed((colon + 1)..<end))
        }
    }

    /// Returns the byte count taken, 0 to abort, or CURL_WRITEFUNC_PAUSE.
    func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Int {
        lastActivity = .now
        switch sink {
        case .buffered:
            if body.count + bytes.count > bodyLimit {
                abortReason = TransportError(.responseTooLarge, "response body exceeds \(bodyLimit) bytes", request: request)
                return 0
            }
            body.append(contentsOf: bytes)
            return bytes.count
        case .stream(let stream):
            return stream.receive(bytes)
        }
    }

    // MARK: - Completion (engine thread)

    func complete(error: TransportError?, cancelled: Bool) {
        switch sink {
        case .buffered(let continuation):
            if cancelled {
                continuation.resume(throwing: CancellationError())
            } else if let error = abortReason ?? error {
                continuation.resume(throwing: error)
            } else {
                continuation.resume(returning: TransportResponse(status: status, headers: headers, body: body))
            }
        case .stream(let stream):
            stream.transferEnded(error: cancelled ? nil : (abortReason ?? error), cancelled: cancelled)
        }
    }

    /// Classifies a libcurl failure.
    func error(for code: CURLcode) -> TransportError {
        let detail = String(cString: errorBuffer)
        let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        let kind: TransportError.Kind
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT:
            kind = .connect
        case CURLE_OPERATION_TIMEDOUT:
            kind = .timeout
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
             CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ENGINE_NOTFOUND,
             CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS,
             CURLE_SSL_CLIENTCERT, CURLE_USE_SSL_FAILED:
            kind = .tls
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL, CURLE_READ_ERROR, CURLE_FILE_COULDNT_READ_FILE:
            kind = .invalidRequest
        default:
            kind = .io
        }
        return TransportError(kind, message, request: request, curlCode: Int(code.rawValue))
    }
}

// C callbacks: non-capturing, they find their transfer through the user-data pointer (unretained: the
// engine's `active` table keeps the transfer alive for as long as libcurl may call back).

let curlHeaderCallback: curl_write_callback = { data, size, count, context in
    guard let data, let context else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    transfer.receiveHeaderLine(UnsafeRawBufferPointer(start: data, count: length))
    return length
}

let curlWriteCallback: curl_write_callback = { data, size, count, context in
    guard let context else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    guard let data, length > 0 else { return 0 }
    return transfer.receiveBody(UnsafeRawBufferPointer(start: data, count: length))
}
