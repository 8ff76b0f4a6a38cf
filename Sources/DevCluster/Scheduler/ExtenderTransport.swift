// How the scheduler shim reaches an extender: `POST <urlPrefix>/<verb>` with a JSON body and a timeout
// covering connect, request and the whole reply, as kube-scheduler's HTTPExtender does. The default
// transport is one libcurl easy transfer per call on a dedicated queue (blocking I/O never runs on the
// cooperative pool); tests substitute an in-process transport.

import CCurl
import Foundation
import Synchronization

public protocol ExtenderTransport: Sendable {
    /// The status code and body of a POST, or a thrown transport error (refused, timed out).
    func post(url: String, body: [UInt8], timeout: Double) async throws -> (status: Int, body: [UInt8])
}

public struct ExtenderTransportError: Error, CustomStringConvertible {
    public var description: String
}

public final class CurlExtenderTransport: ExtenderTransport {
    private let queue = DispatchQueue(label: "gantry.devcluster.extender", attributes: .concurrent)
    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    public init() { _ = Self.globalInit }

    public func post(url: String, body: [UInt8], timeout: Double) async throws -> (status: Int, body: [UInt8]) {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try Self.perform(url: url, body: body, timeout: timeout) })
            }
        }
    }

    /// Collects the reply for the C write callback.
    private final class Sink {
        var bytes: [UInt8] = []
    }

    private static func perform(url: String, body: [UInt8], timeout: Double) throws -> (status: Int, body: [UInt8]) {
        guard let handle = curl_easy_init() else { throw ExtenderTransportError(description: "curl_easy_init failed") }
        defer { curl_easy_cleanup(handle) }
        let sink = Sink()
        let context = Unmanaged.passRetained(sink)
        defer { context.release() }
        var headers: UnsafeMutablePointer<curl_slist>? = nil
        headers = curl_slist_append(headers, "Content-Type: application/json")
        headers = curl_slist_append(headers, "Accept: application/json")
        headers = curl_slist_append(headers, "Expect:")
        defer { curl_slist_free_all(headers) }
        _ = gantry_curl_setopt_string(handle, CURLOPT_URL, url)
        _ = gantry_curl_setopt_long(handle, CURLOPT_POST, 1)
        _ = gantry_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headers)
        _ = gantry_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = gantry_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, max(1, Int(timeout * 1000)))
        _ = gantry_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, max(1, Int(timeout * 1000)))
        _ = gantry_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context.toOpaque())
        _ = gantry_curl_setopt_write_callback(handle, CURLOPT_WRITEFUNCTION) { data, size, count, userdata in
            guard let data, let userdata else { return 0 }
            let sink = Unmanaged<Sink>.fromOpaque(userdata).takeUnretainedValue()
            let n = size * count
            data.withMemoryRebound(to: UInt8.self, capacity: n) { sink.bytes.append(contentsOf: UnsafeBufferPointer(start: $0, count: n)) }
            return n
        }
        let code: CURLcode = body.withUnsafeBufferPointer { buffer in
            _ = gantry_curl_setopt_int64(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(buffer.count))
            _ = gantry_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!))
            return curl_easy_perform(handle)
        }
        guard code == CURLE_OK else {
            throw ExtenderTransportError(description: String(cString: curl_easy_strerror(code)))
        }
        var status = 0
        _ = gantry_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return (status, sink.bytes)
    }
}
