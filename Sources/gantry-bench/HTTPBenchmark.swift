// `gantry-bench http`: small keep-alive requests per second against an in-process HTTPServer with a trivial
// handler, driven by client threads each holding one connection. `--serve SECONDS` instead keeps the server up
// and prints its URL, so an external load generator (`wrk`) can be pointed at it.

import Dispatch
import Foundation
import Glibc
import HTTPServer
import Synchronization

enum HTTPBenchmark {
    static func run(_ args: [String]) throws {
        let connections = Int(Bench.option("connections", in: args) ?? "") ?? 8
        let seconds = Double(Bench.option("seconds", in: args) ?? "") ?? 3
        let runs = Int(Bench.option("runs", in: args) ?? "") ?? 5
        let pipeline = max(1, Int(Bench.option("pipeline", in: args) ?? "") ?? 1)
        let eventLoops = Int(Bench.option("event-loops", in: args) ?? "") ?? 1
        let port = Int(Bench.option("port", in: args) ?? "") ?? 0
        let serve = Bench.option("serve", in: args).flatMap(Double.init)

        let idleConnections = Int(Bench.option("idle-connections", in: args) ?? "") ?? 1000
        let rssBefore = residentMiB()
        var configuration = HTTPServer.Configuration(port: port, eventLoops: eventLoops)
        configuration.limits.maxConnections = 10_000
        let body = Array("ok\n".utf8)
        let streams = Int(Bench.option("streams", in: args) ?? "") ?? 50
        let events = Int(Bench.option("events", in: args) ?? "") ?? 2000
        let eventSize = Int(Bench.option("event-size", in: args) ?? "") ?? 2048
        let event = [UInt8](repeating: UInt8(ascii: "e"), count: eventSize - 1) + [0x0A]
        let server = try HTTPServer(configuration: configuration) { request in
            if request.path == "/stream" {
                // A watch-like stream: `n` events written one by one through the back-pressured writer.
                let n = request.query("n").flatMap(Int.init) ?? 0
                return HTTPResponse(headers: ["Content-Type": "application/json"], body: .stream { writer in
                    for _ in 0..<n { try await writer.write(event) }
                })
            }
            return HTTPResponse(status: 200, contentType: "text/plain", body: body)
        }
        let stopped = DispatchSemaphore(value: 0)
        Task {
            try? await server.run()
            stopped.signal()
        }
        defer {
            server.shutdown(gracePeriod: .seconds(1))
            stopped.wait()
        }
        usleep(100_000)
        print("serving http://127.0.0.1:\(server.port)/ (\(eventLoops) event loop(s))")
        print("RSS: \(rssBefore) MiB before the server, \(residentMiB()) MiB with it running idle")
        if idleConnections > 0 {
            // Connections that sent one request and stay open, as keep-alive clients and quiet watches do.
            var held: [Int32] = []
            let request = Array("GET /hold HTTP/1.1\r\nHost: bench\r\n\r\n".utf8)
            for _ in 0..<idleConnections {
                guard let fd = connectLoopback(port: server.port) else { break }
                _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                var reader = ResponseReader()
                guard reader.readResponses(fd, count: 1) else { break }
                held.append(fd)
            }
            print("RSS with \(held.count) idle keep-alive connections open: \(residentMiB()) MiB "
                  + "(server reports \(server.statistics.openConnections) open)")
            for fd in held { close(fd) }
        }

        if let serve {
            print("serving for \(Int(serve)) s, e.g.: wrk -t2 -c50 -d10s http://127.0.0.1:\(server.port)/")
            fflush(nil)
            usleep(UInt32(min(serve, 4000) * 1_000_000))
            print("RSS after serving: \(residentMiB()) MiB, requests: \(server.statistics.requestsCompleted)")
            return
        }

        var rates: [Double] = []
        for run in 1...runs {
            let rate = try load(port: server.port, connections: connections, seconds: seconds, pipeline: pipeline)
            rates.append(rate)
            print("run \(run): \(Int(rate)) requests/s")
        }
        print("\(connections) connections, pipeline \(pipeline), \(runs) x \(Bench.format(seconds, 1)) s: "
              + "median \(Int(Bench.median(rates))) requests/s "
              + "(min \(Int(rates.min() ?? 0)), max \(Int(rates.max() ?? 0)))")
        print("RSS after load: \(residentMiB()) MiB")

        if streams > 0 {
            var streamRates: [Double] = []
            for run in 1...runs {
                let rate = try streamLoad(port: server.port, streams: streams, events: events, eventSize: eventSize)
                streamRates.append(rate)
                print("stream run \(run): \(Int(rate)) events/s")
            }
            print("\(streams) concurrent streams x \(events) events of \(eventSize) B: median "
                  + "\(Int(Bench.median(streamRates))) events/s in total "
                  + "(\(Int(Bench.median(streamRates) / Double(streams))) per stream)")
            print("RSS after streams: \(residentMiB()) MiB")
        }
    }

    /// `streams` client threads each read one chunked stream of `events` events; returns events/s in total.
    static func streamLoad(port: Int, streams: Int, events: Int, eventSize: Int) throws -> Double {
        let chunk = String(eventSize, radix: 16).utf8.count + 2 + eventSize + 2
        let request = Array("GET /stream?n=\(events) HTTP/1.1\r\nHost: bench\r\n\r\n".utf8)
        let group = DispatchGroup()
        let failed = Mutex(false)
        let start = Bench.now()
        for _ in 0..<streams {
            group.enter()
            Thread {
                defer { group.leave() }
                guard let fd = connectLoopback(port: port) else {
                    failed.withLock { $0 = true }
                    return
                }
                defer { close(fd) }
                _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                // Head, then every chunk, then the 5-byte terminator: read until all of it has arrived.
                var buffer = [UInt8](repeating: 0, count: 256 * 1024)
                var total = 0
                var headEnd: Int? = nil
                var expected = Int.max
                while total < expected {
                    let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                    if n <= 0 {
                        failed.withLock { $0 = true }
                        return
                    }
                    if headEnd == nil, let end = findHeadEnd(buffer, n) {
                        headEnd = end
                        expected = end + events * chunk + 5
                    }
                    total += n
                }
            }.start()
        }
        group.wait()
        let elapsed = Bench.now() - start
        if failed.withLock({ $0 }) { throw BenchError("a stream connection failed") }
        return Double(streams * events) / elapsed
    }

    /// The head ends in the first read (it is small and sent before any chunk).
    private static func findHeadEnd(_ buffer: [UInt8], _ count: Int) -> Int? {
        guard count >= 4 else { return nil }
        let crlfcrlf: [UInt8] = [13, 10, 13, 10]
        for i in 0...(count - 4) where Array(buffer[i..<(i + 4)]) == crlfcrlf { return i + 4 }
        return nil
    }

    /// Runs `connections` client threads for `seconds`; returns completed requests per second.
    static func load(port: Int, connections: Int, seconds: Double, pipeline: Int) throws -> Double {
        let request = Array(String(repeating: "GET /bench HTTP/1.1\r\nHost: bench\r\n\r\n", count: pipeline).utf8)
        let group = DispatchGroup()
        let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: connections)
        counts.initialize(repeating: 0)
        defer { counts.deallocate() }
        let failures = UnsafeMutableBufferPointer<Int>.allocate(capacity: connections)
        failures.initialize(repeating: 0)
        defer { failures.deallocate() }
        nonisolated(unsafe) let countsRef = counts
        nonisolated(unsafe) let failuresRef = failures
        let start = Bench.now()
        let deadline = start + seconds
        for i in 0..<connections {
            group.enter()
            Thread {
                defer { group.leave() }
                guard let fd = connectLoopback(port: port) else {
                    failuresRef[i] = 1
                    return
                }
                defer { close(fd) }
                var reader = ResponseReader()
                var done = 0
                while Bench.now() < deadline {
                    let sent = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    guard sent == request.count else { failuresRef[i] = 1; break }
                    guard reader.readResponses(fd, count: pipeline) else { failuresRef[i] = 1; break }
                    done += pipeline
                }
                countsRef[i] = done
            }.start()
        }
        group.wait()
        let elapsed = Bench.now() - start
        if failures.contains(where: { $0 != 0 }) { throw BenchError("a load connection failed") }
        return Double(counts.reduce(0, +)) / elapsed
    }

    static func connectLoopback(port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if rc != 0 {
            close(fd)
            return nil
        }
        return fd
    }

    /// Reads whole responses (head up to CRLFCRLF plus Content-Length bytes) from a blocking socket.
    struct ResponseReader {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var start = 0
        var end = 0

        mutating func readResponses(_ fd: Int32, count: Int) -> Bool {
            var remaining = count
            while remaining > 0 {
                if let length = completeResponseLength() {
                    start += length
                    remaining -= 1
                    continue
                }
                if start > 0 {
                    buffer.withUnsafeMutableBytes { raw in
                        guard let base = raw.baseAddress else { return }
                        memmove(base, base + start, end - start)
                    }
                    end -= start
                    start = 0
                }
                if end == buffer.count { return false }
                let n = buffer.withUnsafeMutableBytes { raw in recv(fd, raw.baseAddress! + end, raw.count - end, 0) }
                if n <= 0 { return false }
                end += n
            }
            return true
        }

        /// Length of the response at `start` if it is complete.
        private func completeResponseLength() -> Int? {
            var i = start
            var contentLength = 0
            var lineStart = start
            while i + 1 < end {
                if buffer[i] == 0x0D && buffer[i + 1] == 0x0A {
                    if i == lineStart {
                        let total = i + 2 - start + contentLength
                        return end - start >= total ? total : nil
                    }
                    // "Content-Length: n" (this server's exact spelling).
                    if i - lineStart > 16 && buffer[lineStart] == UInt8(ascii: "C")
                        && buffer[lineStart + 8] == UInt8(ascii: "L") {
                        var n = 0
                        var j = lineStart + 16
                        while j < i, buffer[j] >= 0x30 && buffer[j] <= 0x39 {
                            n = n * 10 + Int(buffer[j] - 0x30)
                            j += 1
                        }
                        contentLength = n
                    }
                    lineStart = i + 2
                    i += 2
                } else {
                    i += 1
                }
            }
            return nil
        }
    }

    static func residentMiB() -> String {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) else { return "?" }
        return Bench.format(kb / 1024, 1)
    }
}
