// LoopbackServer: an HTTPServer on 127.0.0.1 (port chosen by the kernel) serving a test handler, for
// driving the real libcurl transport.

import Foundation
import HTTPServer

final class LoopbackServer: Sendable {
    let server: HTTPServer
    private let running: Task<Void, any Error>

    init(handler: @escaping HTTPHandler) throws {
        let server = try HTTPServer(configuration: HTTPServer.Configuration(host: "127.0.0.1", port: 0), handler: handler)
        self.server = server
        running = Task { try await server.run() }
    }

    var port: Int { server.port }
    var baseURL: String { "http://127.0.0.1:\(port)" }

    func stop() { server.shutdown(gracePeriod: .milliseconds(100)) }

    deinit { server.shutdown(gracePeriod: .milliseconds(100)) }
}

/// A port nothing listens on: bound by the kernel, then released.
func unusedPort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            _ = bind(fd, pointer, length)
            return getsockname(fd, pointer, &length)
        }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// A TCP listener that answers every connection with plain-text bytes at once and closes it: what a TLS
/// client meets when it dials a plain HTTP port behind a proxy. Returns the port; the listener lives for
/// `connections` connections.
func plainTextResponder(connections: Int = 1) -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            _ = bind(fd, pointer, length)
            _ = listen(fd, 4)
            return getsockname(fd, pointer, &length)
        }
    }
    let thread = Thread {
        defer { close(fd) }
        for _ in 0..<connections {
            let client = accept(fd, nil, nil)
            guard client >= 0 else { return }
            let reply = Array("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8)
            _ = reply.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            close(client)
        }
    }
    thread.start()
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
func canConnect(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    } == 0
}
