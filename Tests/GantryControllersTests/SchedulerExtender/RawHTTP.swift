// A raw TCP exchange for server-limit tests: send exact bytes, read until the server closes (or a deadline).
// Blocking socket calls run on their own thread, never on Swift's cooperative pool.

import Foundation
import Glibc

enum RawHTTP {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Sends `request` to 127.0.0.1:port and returns what comes back before the server closes the connection.
    static func exchange(port: Int, _ request: String, timeout: Double = 10) async throws -> String {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<String, any Error>) in
            Thread {
                c.resume(with: Result {
                    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                    guard fd >= 0 else { throw Failure(description: "socket: \(errno)") }
                    defer { close(fd) }
                    var addr = sockaddr_in()
                    addr.sin_family = sa_family_t(AF_INET)
                    addr.sin_port = UInt16(port).bigEndian
                    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
                    let rc = withUnsafePointer(to: &addr) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                    }
                    guard rc == 0 else { throw Failure(description: "connect: \(errno)") }
                    let bytes = Array(request.utf8)
                    _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) }
                    var out: [UInt8] = []
                    let deadline = Date().addingTimeInterval(timeout)
                    var buffer = [UInt8](repeating: 0, count: 65536)
                    while Date() < deadline {
                        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                        if poll(&p, 1, 100) == 0 { continue }
                        let n = recv(fd, &buffer, buffer.count, 0)
                        if n <= 0 { break }
                        out.append(contentsOf: buffer[0..<n])
                    }
                    return String(decoding: out, as: UTF8.self)
                })
            }.start()
        }
    }
}
