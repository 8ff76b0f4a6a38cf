// A raw TCP client for the server tests: exact bytes out, bytes and parsed responses in, every wait bounded by a
// deadline. Blocking socket calls run on the client's own serial queue, never on Swift's cooperative pool
// (which the server's handlers need).

import Dispatch
import Foundation
import Glibc
import Synchronization
@testable import HTTPServer

struct ClientError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// A response as read off the wire.
struct RawResponse: Sendable {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8]
    /// Sizes of the chunks, when the body was chunked.
    var chunkSizes: [Int]? = nil

    func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name.lowercased() }?.value }
    var text: String { String(decoding: body, as: UTF8.self) }
}

final class RawClient: Sendable {
    let fd: Int32
    private let queue = DispatchQueue(label: "raw-client")
    /// Bytes received but not yet consumed by a read.
    private let pending = Mutex<[UInt8]>([])

    private init(fd: Int32) { self.fd = fd }

    deinit { Glibc.close(fd) }

    /// Connects to 127.0.0.1:port, optionally with a small receive buffer (set before connecting, so the
    /// TCP window is small from the start).
    static func connect(port: Int, receiveBuffer: Int32? = nil) async throws -> RawClient {
        try await onThread {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw ClientError("socket: \(errno)") }
            if let size = receiveBuffer {
                var v = size
                setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, socklen_t(MemoryLayout<Int32>.size))
            }
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = UInt16(port).bigEndian
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            let rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard rc == 0 else {
                let e = errno
                Glibc.close(fd)
                throw ClientError("connect: \(String(cString: strerror(e)))")
            }
            return RawClient(fd: fd)
        }
    }

    /// Runs blocking work on a fresh thread (not the cooperative pool), for calls before a client exists.
    static func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { c in
            Thread { c.resume(with: Result { try body() }) }.start()
        }
    }

    private func onQueue<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { c in
            queue.async { c.resume(with: Result { try body() }) }
        }
    }

    func send(_ text: String) async throws { try await send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) async throws {
        let fd = self.fd
        try await onQueue {
            var sent = 0
            while sent < bytes.count {
                let n = bytes.withUnsafeBytes {
                    Glibc.send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
                }
                guard n > 0 else { throw ClientError("send: \(String(cString: strerror(errno)))") }
                sent += n
            }
        }
    }

    /// Drops the connection in both directions, as a client that goes away does.
    func disconnect() { _ = Glibc.shutdown(fd, Int32(SHUT_RDWR)) }

    /// Half-closes (no more requests from this side).
    func shutdownWrite() { _ = Glibc.shutdown(fd, Int32(SHUT_WR)) }

    /// Receives once into `pending`; returns false at EOF or reset. Throws at the deadline.
    private func fill(deadline: Double) throws -> Bool {
        let remaining = deadline - Self.now()
        guard remaining > 0 else { throw ClientError("timed out waiting for the server") }
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&p, 1, Int32(remaining * 1000) + 1)
        if ready == 0 { throw ClientError("timed out waiting for the server") }
        var buffer = [UInt8](repeating: 0, count: 65536)
        let n = recv(fd, &buffer, buffer.count, 0)
        if n <= 0 { return false }
        pending.withLock { $0.append(contentsOf: buffer[0..<n]) }
        return true
    }

    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    /// Every byte until the server closes the connection.
    func readToEnd(timeout: Double = 10) async throws -> [UInt8] {
        let deadline = Self.now() + timeout
        return try await onQueue {
            while try self.fill(deadline: deadline) {}
            return self.pending.withLock { p in
                defer { p = [] }
                return p
            }
        }
    }

    /// Whether the server closes the connection (EOF or reset) within `timeout`, discarding any bytes.
    func closedByServer(timeout: Double = 10) async -> Bool {
        (try? await readToEnd(timeout: timeout)) != nil
    }

    /// Whether nothing arrives and the connection stays open for `duration`.
    func staysSilent(for duration: Double) async throws -> Bool {
        try await onQueue {
            var p = pollfd(fd: self.fd, events: Int16(POLLIN), revents: 0)
            return poll(&p, 1, Int32(duration * 1000)) == 0
        }
    }

    /// One response (1xx interim responses included, as themselves).
    func readResponse(timeout: Double = 10, head: Bool = false) async throws -> RawResponse {
        let deadline = Self.now() + timeout
        return try await onQueue { try self.parseResponse(deadline: deadline, isHead: head) }
    }

    private func take(_ n: Int) -> [UInt8] {
        pending.withLock { p in
            let out = Array(p[0..<n])
            p.removeFirst(n)
            return out
        }
    }

    private func readLine(deadline: Double) throws -> String {
        while true {
            if let i = pending.withLock({ $0.firstIndex(of: 0x0A) }) {
                var line = take(i + 1)
                line.removeLast()
                if line.last == 0x0D { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            guard try fill(deadline: deadline) else { throw ClientError("connection closed mid-line") }
        }
    }

    private func readExactly(_ n: Int, deadline: Double) throws -> [UInt8] {
        while pending.withLock({ $0.count }) < n {
            guard try fill(deadline: deadline) else { throw ClientError("connection closed mid-body") }
        }
        return take(n)
    }

    private func parseResponse(deadline: Double, isHead: Bool) throws -> RawResponse {
        let statusLine = try readLine(deadline: deadline)
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw ClientError("bad status line: \(statusLine)")
        }
        var headers: [(name: String, value: String)] = []
        while true {
            let line = try readLine(deadline: deadline)
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else { throw ClientError("bad header: \(line)") }
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers.append((String(line[..<colon]), value))
        }
        var response = RawResponse(status: status, headers: headers, body: [])
        if isHead || status < 200 || status == 204 || status == 304 { return response }
        if response.header("Transfer-Encoding")?.lowercased() == "chunked" {
            var sizes: [Int] = []
            while true {
                let sizeLine = try readLine(deadline: deadline)
                guard let size = Int(sizeLine.split(separator: ";")[0], radix: 16) else {
                    throw ClientError("bad chunk size: \(sizeLine)")
                }
                if size == 0 {
                    while try !readLine(deadline: deadline).isEmpty {}
                    break
                }
                sizes.append(size)
                response.body += try readExactly(size, deadline: deadline)
                guard try readLine(deadline: deadline).isEmpty else { throw ClientError("chunk not followed by CRLF") }
            }
            response.chunkSizes = sizes
        } else if let length = response.header("Content-Length").flatMap({ Int($0) }) {
            response.body = try readExactly(length, deadline: deadline)
        } else {
            while try fill(deadline: deadline) {}
            response.body = pending.withLock { p in
                defer { p = [] }
                return p
            }
        }
        return response
    }
}

/// Runs `body` against a running server, then shuts it down and waits for `run()` to return.
func withServer(_ configuration: HTTPServer.Configuration = HTTPServer.Configuration(),
                handler: @escaping HTTPHandler,
                _ body: (HTTPServer) async throws -> Void) async throws {
    let server = try HTTPServer(configuration: configuration, handler: handler)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await server.run() }
        do {
            try await body(server)
        } catch {
            server.shutdown(gracePeriod: .zero)
            try? await group.waitForAll()
            throw error
        }
        server.shutdown(gracePeriod: .seconds(2))
        try await group.waitForAll()
    }
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held. For waiting, not timing.
func eventually(timeout: Double = 10, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = RawClient.now() + timeout
    while RawClient.now() < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return try await condition()
}

/// Echoes method, path and body; `/slow?ms=N` sleeps first.
let echoHandler: HTTPHandler = { request in
    if let ms = request.query("ms").flatMap(Int.init) { try? await Task.sleep(for: .milliseconds(ms)) }
    var response = HTTPResponse(status: 200, contentType: "text/plain",
                                body: Array("\(request.method) \(request.target) ".utf8) + request.body)
    response.headers.add("X-Body-Length", String(request.body.count))
    return response
}
