// CurlTransport: KubeTransport over libcurl: TLS and credentials from a ClientConfiguration, every transfer
// driven by one CurlEngine thread.

import CCurl
import Foundation
import Synchronization

public final class CurlTransport: KubeTransport {
    public let configuration: ClientConfiguration
    private let owner: CurlEngineOwner
    private let address: ServerAddress

    public init(configuration: ClientConfiguration) throws {
        self.configuration = configuration
        self.address = try ServerAddress(server: configuration.server, tlsServerName: configuration.tls.serverName)
        self.owner = CurlEngineOwner(engine: try CurlEngine())
    }

    private var engine: CurlEngine { owner.engine }

    public func send(_ request: TransportRequest) async throws -> TransportResponse {
        try Task.checkCancellation()
        let relay = CancellationRelay()
        let response = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<TransportResponse, any Error>) in
                guard let easy = engine.makeEasyHandle() else {
                    continuation.resume(throwing: TransportError(.invalidRequest, "curl_easy_init failed",
                                                                 request: request.description))
                    return
                }
                let transfer = CurlTransfer(easy: easy, request: request.description, sink: .buffered(continuation))
                transfer.bodyLimit = configuration.maximumResponseBytes
                do {
                    try configure(transfer, request, streaming: false)
                } catch {
                    if let easy = transfer.releaseHandle() { curl_easy_cleanup(easy) }
                    continuation.resume(throwing: error)
                    return
                }
                // Armed before the start is submitted, so a cancellation is never lost between the two.
                relay.arm(transfer, engine: engine)
                engine.submit(.start(transfer))
            }
        } onCancel: {
            relay.fire()
        }
        if response.status == 401, case .tokenFile(let file) = configuration.credentials { file.invalidate() }
        return response
    }

    public func openStream(_ request: TransportRequest, options: StreamOptions) async throws -> any ResponseStream {
        try Task.checkCancellation()
        guard let easy = engine.makeEasyHandle() else {
            throw TransportError(.invalidRequest, "curl_easy_init failed", request: request.description)
        }
        let stream = CurlResponseStream(engine: engine, owner: owner, bufferLimit: options.bufferLimit)
        let transfer = CurlTransfer(easy: easy, request: request.description, sink: .stream(stream))
        transfer.idleTimeout = options.idleTimeout
        do {
            try configure(transfer, request, streaming: true)
        } catch {
            if let easy = transfer.releaseHandle() { curl_easy_cleanup(easy) }
            throw error
        }
        stream.attach(transfer)
        try await stream.open(transfer)
        if stream.status == 401, case .tokenFile(let file) = configuration.credentials { file.invalidate() }
        return stream
    }

    // MARK: - Request setup

    private func configure(_ transfer: CurlTransfer, _ request: TransportRequest, streaming: Bool) throws {
        let easy = transfer.easy
        var failed: (String, CURLcode)?
        func check(_ code: CURLcode, _ what: String) {
            if code != CURLE_OK && failed == nil { failed = (what, code) }
        }
        let config = configuration

        check(gantry_curl_setopt_string(easy, CURLOPT_URL, address.baseURL + request.target), "URL")
        check(gantry_curl_setopt_long(easy, CURLOPT_NOSIGNAL, 1), "NOSIGNAL")
        check(gantry_curl_setopt_string(easy, CURLOPT_PROTOCOLS_STR, "http,https"), "PROTOCOLS_STR")
        check(gantry_curl_setopt_string(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"), "REDIR_PROTOCOLS_STR")
        check(gantry_curl_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 0), "FOLLOWLOCATION")
        // HTTP/1.1 keeps pausing a watch local to its own connection.
        check(gantry_curl_setopt_long(easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1), "HTTP_VERSION")
        check(gantry_curl_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, milliseconds(config.connectTimeout)), "CONNECTTIMEOUT")
        check(gantry_curl_setopt_long(easy, CURLOPT_TCP_KEEPALIVE, 1), "TCP_KEEPALIVE")
        check(gantry_curl_setopt_long(easy, CURLOPT_TCP_KEEPIDLE, 30), "TCP_KEEPIDLE")
        check(gantry_curl_setopt_long(easy, CURLOPT_TCP_KEEPINTVL, 15), "TCP_KEEPINTVL")
        if streaming {
            // No overall timeout: a watch lasts as long as the server keeps it; the engine's idle timer
            // catches a dead peer. Larger reads mean fewer callbacks at high event rates.
            check(gantry_curl_setopt_long(easy, CURLOPT_BUFFERSIZE, 128 * 1024), "BUFFERSIZE")
        } else {
            let timeout = request.timeout ?? config.requestTimeout
            check(gantry_curl_setopt_long(easy, CURLOPT_TIMEOUT_MS, milliseconds(timeout)), "TIMEOUT")
            check(gantry_curl_setopt_string(easy, CURLOPT_ACCEPT_ENCODING, ""), "ACCEPT_ENCODING")
        }
        check(gantry_curl_setopt_string(easy, CURLOPT_USERAGENT, config.userAgent), "USERAGENT")

        // Method and body.
        if request.method == .get && request.body == nil {
            check(gantry_curl_setopt_long(easy, CURLOPT_HTTPGET, 1), "HTTPGET")
        } else {
            check(gantry_curl_setopt_string(easy, CURLOPT_CUSTOMREQUEST, request.method.rawValue), "CUSTOMREQUEST")
            if let body = request.body {
                check(gantry_curl_setopt_int64(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)), "POSTFIELDSIZE")
                // COPYPOSTFIELDS: libcurl keeps its own copy, so the Swift array need not outlive this call.
                body.withUnsafeBufferPointer { buffer in
                    let pointer = UnsafeMutableRawPointer(mutating: buffer.baseAddress)
                        ?? UnsafeMutableRawPointer(mutating: ("" as StaticString).utf8Start)
                    check(gantry_curl_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, pointer), "COPYPOSTFIELDS")
                }
            }
        }

        // Headers.
        var list: UnsafeMutablePointer<curl_slist>?
        func append(_ line: String) {
            if let extended = curl_slist_append(list, line) { list = extended }
        }
        if request.headers["Accept"] == nil { append("Accept: application/json") }
        for field in request.headers { append("\(field.name): \(field.value)") }
        // No "Expect: 100-continue" round trip before bodies.
        append("Expect:")
        do {
            if let authorization = try config.credentials.authorizationHeader() { append("Authorization: \(authorization)") }
        } catch {
            if let list { curl_slist_free_all(list) }
            throw TransportError(.invalidRequest, "credentials: \(error)", request: request.description)
        }
        transfer.headerList = list
        check(gantry_curl_setopt_slist(easy, CURLOPT_HTTPHEADER, list), "HTTPHEADER")

        // TLS.
        let tls = config.tls
        check(gantry_curl_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, tls.insecureSkipVerify ? 0 : 1), "SSL_VERIFYPEER")
        check(gantry_curl_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, tls.insecureSkipVerify ? 0 : 2), "SSL_VERIFYHOST")
        if let ca = tls.certificateAuthority {
            // Trust only the cluster's CA, not the system store as well.
            check(gantry_curl_setopt_string(easy, CURLOPT_CAPATH, nil), "CAPATH")
            switch ca {
            case .data(let pem): check(setBlob(easy, CURLOPT_CAINFO_BLOB, pem), "CAINFO_BLOB")
            case .file(let path): check(gantry_curl_setopt_string(easy, CURLOPT_CAINFO, path), "CAINFO")
            }
        }
        if let cert = tls.clientCertificate {
            check(gantry_curl_setopt_string(easy, CURLOPT_SSLCERTTYPE, "PEM"), "SSLCERTTYPE")
            switch cert {
            case .data(let pem): check(setBlob(easy, CURLOPT_SSLCERT_BLOB, pem), "SSLCERT_BLOB")
            case .file(let path): check(gantry_curl_setopt_string(easy, CURLOPT_SSLCERT, path), "SSLCERT")
            }
        }
        if let key = tls.clientKey {
            check(gantry_curl_setopt_string(easy, CURLOPT_SSLKEYTYPE, "PEM"), "SSLKEYTYPE")
            switch key {
            case .data(let pem): check(setBlob(easy, CURLOPT_SSLKEY_BLOB, pem), "SSLKEY_BLOB")
            case .file(let path): check(gantry_curl_setopt_string(easy, CURLOPT_SSLKEY, path), "SSLKEY")
            }
        }
        if let connectTo = address.connectTo {
            // Connect to the real host while TLS verifies (and SNI names) the tls-server-name.
            let entry = curl_slist_append(nil, connectTo)
            transfer.connectToList = entry
            check(gantry_curl_setopt_slist(easy, CURLOPT_CONNECT_TO, entry), "CONNECT_TO")
        }

        // Callbacks.
        let context = Unmanaged.passUnretained(transfer).toOpaque()
        check(gantry_curl_setopt_write_callback(easy, CURLOPT_WRITEFUNCTION, curlWriteCallback), "WRITEFUNCTION")
        check(gantry_curl_setopt_pointer(easy, CURLOPT_WRITEDATA, context), "WRITEDATA")
        check(gantry_curl_setopt_write_callback(easy, CURLOPT_HEADERFUNCTION, curlHeaderCallback), "HEADERFUNCTION")
        check(gantry_curl_setopt_pointer(easy, CURLOPT_HEADERDATA, context), "HEADERDATA")
        check(gantry_curl_setopt_pointer(easy, CURLOPT_ERRORBUFFER, transfer.errorBuffer), "ERRORBUFFER")

        if let (what, code) = failed {
            throw TransportError(.invalidRequest, "cannot set \(what): \(String(cString: curl_easy_strerror(code)))",
                                 request: request.description, curlCode: Int(code.rawValue))
        }
    }

    private func setBlob(_ easy: UnsafeMutableRawPointer, _ option: CURLoption, _ bytes: [UInt8]) -> CURLcode {
        var copy = bytes
        return copy.withUnsafeMutableBytes { raw in
            // CURL_BLOB_COPY: libcurl copies the PEM, so the buffer may go away after this call.
            var blob = curl_blob(data: raw.baseAddress, len: raw.count, flags: UInt32(CURL_BLOB_COPY))
            return gantry_curl_setopt_blob(easy, option, &blob)
        }
    }
}

private func milliseconds(_ duration: Duration) -> Int {
    let (seconds, attoseconds) = duration.components
    return max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
}

/// Delivers a task's cancellation to its transfer, whichever of the two comes first.
private final class CancellationRelay: Sendable {
    private let state = Mutex<(transfer: CurlTransfer?, engine: CurlEngine?, fired: Bool)>((nil, nil, false))

    func arm(_ transfer: CurlTransfer, engine: CurlEngine) {
        let fireNow = state.withLock { s -> Bool in
            s.transfer = transfer
            s.engine = engine
            return s.fired
        }
        if fireNow { Self.cancel(transfer, engine) }
    }

    func fire() {
        let target = state.withLock { s -> (CurlTransfer, CurlEngine)? in
            s.fired = true
            guard let t = s.transfer, let e = s.engine else { return nil }
            return (t, e)
        }
        if let (transfer, engine) = target { Self.cancel(transfer, engine) }
    }

    private static func cancel(_ transfer: CurlTransfer, _ engine: CurlEngine) {
        transfer.markCancelled()
        engine.submit(.cancel(transfer))
    }
}

/// The server URL as libcurl gets it, with a CONNECT_TO entry when `tls-server-name` differs from the host.
struct ServerAddress: Sendable, Hashable {
    /// Scheme, host, port and path prefix, without a trailing slash.
    var baseURL: String
    var connectTo: String?

    init(server: String, tlsServerName: String?) throws {
        guard let schemeEnd = server.range(of: "://") else {
            throw TransportError(.invalidRequest, "server URL \"\(server)\" has no scheme")
        }
        let scheme = server[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "https" || scheme == "http" else {
            throw TransportError(.invalidRequest, "server URL \"\(server)\" is not http or https")
        }
        let rest = server[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        let authority = String(rest[..<authorityEnd])
        var prefix = String(rest[authorityEnd...])
        while prefix.hasSuffix("/") { prefix.removeLast() }
        guard !authority.isEmpty, !authority.contains("@") else {
            throw TransportError(.invalidRequest, "server URL \"\(server)\" has no host, or carries credentials")
        }
        // Split host and port; IPv6 literals are bracketed.
        var host = authority
        var port: String?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw TransportError(.invalidRequest, "server URL \"\(server)\" has an unterminated IPv6 address")
            }
            host = String(authority[...close])
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { port = String(after.dropFirst()) }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            port = String(authority[authority.index(after: colon)...])
        }
        if let port, Int(port) == nil {
            throw TransportError(.invalidRequest, "server URL \"\(server)\" has an invalid port")
        }
        let effectivePort = port ?? (scheme == "https" ? "443" : "80")
        if let name = tlsServerName, !name.isEmpty, name != host {
            baseURL = "\(scheme)://\(name):\(effectivePort)\(prefix)"
            connectTo = "\(name):\(effectivePort):\(host):\(effectivePort)"
        } else {
            baseURL = "\(scheme)://\(authority)\(prefix)"
            connectTo = nil
        }
    }
}
