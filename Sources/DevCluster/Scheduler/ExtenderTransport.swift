// How the scheduler shim reaches an extender: `POST <urlPrefix>/<verb>` with a JSON body and a timeout
// covering connect, request and the whole reply, as kube-scheduler's HTTPExtender does. The default
// transport is KubeClient's (libcurl on its own thread); tests substitute an in-process transport.

import Foundation
import KubeClient
import Synchronization

public protocol ExtenderTransport: Sendable {
    /// The status code and body of a POST, or a thrown transport error (refused, timed out).
    func post(url: String, body: [UInt8], timeout: Double) async throws -> (status: Int, body: [UInt8])
}

public struct ExtenderTransportError: Error, CustomStringConvertible {
    public var description: String
}

/// The default transport: KubeClient's libcurl transport, one per extender `urlPrefix` (kept, so its
/// connections are reused), with the extender's `httpTimeout` as the whole request's limit.
public final class CurlExtenderTransport: ExtenderTransport {
    private let transports = Mutex<[String: CurlTransport]>([:])

    public init() {}

    public func post(url: String, body: [UInt8], timeout: Double) async throws -> (status: Int, body: [UInt8]) {
        // `url` is urlPrefix + "/" + verb: the prefix is the transport's server, the verb its path.
        guard let slash = url.lastIndex(of: "/"), url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw ExtenderTransportError(description: "invalid extender URL \(url)")
        }
        let prefix = String(url[..<slash])
        let path = String(url[slash...])
        let limit = Duration.milliseconds(Int64(max(1, min(timeout, 3600) * 1000)))
        let transport = try transports.withLock { cache -> CurlTransport in
            if let t = cache[prefix] { return t }
            var configuration = ClientConfiguration(server: prefix, requestTimeout: limit, connectTimeout: limit,
                                                    userAgent: "gantry-devcluster-scheduler")
            configuration.maximumResponseBytes = 64 << 20
            let t = try CurlTransport(configuration: configuration)
            cache[prefix] = t
            return t
        }
        var headers = HeaderFields()
        headers.add("Content-Type", "application/json")
        headers.add("Accept", "application/json")
        let response = try await transport.send(TransportRequest(method: .post, path: path, headers: headers, body: body, timeout: limit))
        return (response.status, response.body)
    }
}
