// LoopbackServer: a small HTTP/1.1 server on 127.0.0.1 for driving the real libcurl transport in tests.
// STOPGAP until HTTPServer lands on main: it serves the same `HTTPHandler` signature, so the tests move over
// unchanged. One thread per connection (tests open few); streaming bodies go out chunked, and a write
// suspends until the socket took the bytes, so a paused client stalls the handler.

import Foundation
import HTTPServer
import Synchronization

final class LoopbackServer: @unchecked Sendable {
    // @unchecked: `listener` is written once in init; connection threads only read it.
    let port: Int
    private let listener: Int32
    private let handler: HTTPHandler
    private let stopped = Mutex(false)

    init(handler: @escaping HTTPHandler) throws {
        self.handler = handler
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.port = Int(UInt16(bigEndian: address.sin_port))
        self.listener = fd
        let thread = Thread { [self] in self.acceptLoop() }
        thread.start()
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    func stop() {
        // Close exactly once: a second close could hit a descriptor number another thread reused.
        let wasStopped = stopped.withLock { s -> Bool in
            defer { s = true }
            return s
        }
        guard !wasStopped else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    deinit { stop() }

    private func acceptLoop() {
        while !stopped.withLock({ $0 }) {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            let thread = Thread { [self] in self.serve(client) }
            thread.start()
        }
    }

    // MARK: - One connection

    private func serve(_ fd: Int32) {
        defer { close(fd) }
        var buffer: [UInt8] = []
        while true {
            guard let request = readRequest(fd, &buffer) else { return }
            let response = runBlocking { await self.handler(request) }
            guard write(fd, response) else { return }
            if request.headers["Connection"]?.lowercased() == "close" { return }
        }
    }

    private func readRequest(_ fd: Int32, _ buffer: inout [UInt8]) -> HTTPRequest? {
        let terminator: [UInt8] = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        while headEnd == nil {
            if buffer.first == 0x16 {
                // A TLS ClientHello on this plain-HTTP port: answer in plain text, as real servers do.
                _ = sendAll(fd, Array("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".utf8))
                return nil
            }
            if let range = buffer.firstRange(of: terminator) {
                headEnd = range.upperBound
                break
            }
            guard readMore(fd, &buffer) else { return nil }
        }
        guard let end = headEnd else { return nil }
        let head = String(decoding: buffer[..<end], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        guard !lines.isEmpty else { return nil }
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        var headers = HTTPHeaders()
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.add(String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        let length = Int(headers["Content-Length"] ?? "0") ?? 0
        while buffer.count < end + length {
            guard readMore(fd, &buffer) else { return nil }
        }
        let body = Array(buffer[end..<(end + length)])
        buffer.removeFirst(end + length)
        return HTTPRequest(method: HTTPMethod(String(requestLine[0])), target: String(requestLine[1]),
                           headers: headers, body: body)
    }

    private func readMore(_ fd: Int32, _ buffer: inout [UInt8]) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return false }
        buffer.append(contentsOf: chunk[0..<n])
        return true
    }

    private func write(_ fd: Int32, _ response: HTTPResponse) -> Bool {
        var head = "HTTP/1.1 \(response.status) X\r\n"
        for field in response.headers.fields { head += "\(field.name): \(field.value)\r\n" }
        switch response.body {
        case .bytes(let body):
            head += "Content-Length: \(body.count)\r\n\r\n"
            return sendAll(fd, Array(head.utf8) + body)
        case .stream(let produce):
            head += "Transfer-Encoding: chunked\r\n\r\n"
            guard sendAll(fd, Array(head.utf8)) else { return false }
            let writer = ChunkWriter(fd: fd)
            let ok = runBlocking { () -> Bool in
                do {
                    try await produce(writer)
                    return true
                } catch {
                    return false
                }
            }
            guard ok, !writer.failed else { return false }
            return sendAll(fd, Array("0\r\n\r\n".utf8))
        }
    }

    /// Runs async work from this dedicated connection thread and waits for it (never on the cooperative pool).
    private func runBlocking<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
        let result = Mutex<T?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            let value = await body()
            result.withLock { $0 = value }
            done.signal()
        }
        done.wait()
        return result.withLock { $0! }
    }
}

func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
    var offset = 0
    while offset < bytes.count {
        let n = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { return false }
        offset += n
    }
    return true
}

/// Sends each chunk from a dispatch queue (blocking `send` must not run on the cooperative pool) and resumes
/// the writer when the socket has taken it.
final class ChunkWriter: HTTPBodyWriter, @unchecked Sendable {
    // @unchecked: `failedFlag` is guarded by its mutex; `queue` serialises the sends.
    let fd: Int32
    private let queue = DispatchQueue(label: "loopback-chunk-writer")
    private let failedFlag = Mutex(false)

    init(fd: Int32) { self.fd = fd }

    var failed: Bool { failedFlag.withLock { $0 } }

    func write(_ bytes: [UInt8]) async throws {
        guard !bytes.isEmpty else { return }
        if failed { throw POSIXError(.EPIPE) }
        let fd = self.fd
        let ok: Bool = await withCheckedContinuation { continuation in
            queue.async {
                var frame = Array(String(bytes.count, radix: 16).utf8) + [13, 10]
                frame += bytes
                frame += [13, 10]
                continuation.resume(returning: sendAll(fd, frame))
            }
        }
        if !ok {
            failedFlag.withLock { $0 = true }
            throw POSIXError(.EPIPE)
        }
    }
}
