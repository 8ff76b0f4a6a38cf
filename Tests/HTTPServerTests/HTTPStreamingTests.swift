// Streaming responses under pressure (back-pressure, disconnects, shutdown, many at once), and a socket-level
// fuzz loop that must leave the server serving.

import Foundation
import Glibc
import Synchronization
import Testing
@testable import HTTPServer

struct HTTPStreamingTests {
    static func get(_ path: String) -> String { "GET \(path) HTTP/1.1\r\nHost: t\r\n\r\n" }

    /// Collects what stream producers report, so a test can wait for it.
    final class Outcomes: Sendable {
        private let stream = AsyncStream<String>.makeStream()
        func report(_ s: String) { stream.continuation.yield(s) }
        func next(timeout: Double = 10) async -> String? {
            await withTaskGroup(of: String?.self) { group in
                group.addTask {
                    var it = self.stream.stream.makeAsyncIterator()
                    return await it.next()
                }
                group.addTask {
                    try? await Task.sleep(for: .seconds(timeout))
                    return nil
                }
                let first = await group.next() ?? nil
                group.cancelAll()
                return first
            }
        }
    }

    @Test func readerThatStopsReadingSuspendsTheProducerAndDisconnectMakesWriteThrow() async throws {
        let written = Atomic<Int>(0)
        let outcomes = Outcomes()
        let chunk = [UInt8](repeating: 0x61, count: 64 * 1024)
        let total = 4096  // 256 MiB if nothing pushed back
        let handler: HTTPHandler = { _ in
            HTTPResponse(body: .stream { writer in
                do {
                    for _ in 0..<total {
                        try await writer.write(chunk)
                        written.add(1, ordering: .relaxed)
                    }
                    outcomes.report("completed")
                } catch {
                    outcomes.report("threw \(error)")
                    throw error
                }
            })
        }
        try await withServer(handler: handler) { server in
            let client = try await RawClient.connect(port: server.port, receiveBuffer: 16 * 1024)
            try await client.send(Self.get("/watch"))
            // Wait until the producer stops making progress (the same count over several samples).
            var samples: [Int] = []
            let stalled = await eventually(timeout: 20) {
                samples.append(written.load(ordering: .relaxed))
                try? await Task.sleep(for: .milliseconds(100))
                return samples.count >= 4 && Set(samples.suffix(4)).count == 1 && samples.last! > 0
            }
            #expect(stalled)
            let accepted = written.load(ordering: .relaxed)
            // Bounded by the kernel's socket buffers (a few MiB on loopback), not by what the producer wants.
            #expect(accepted < total)
            #expect(accepted * chunk.count < 16 * 1024 * 1024, "\(accepted) chunks taken by a reader reading nothing")
            #expect(server.statistics.activeStreams == 1)

            client.disconnect()
            let outcome = await outcomes.next()
            #expect(outcome == "threw \(HTTPServerError.connectionClosed)")
            #expect(await eventually { server.statistics.activeStreams == 0 && server.statistics.openConnections == 0 })
        }
    }

    @Test func writeStallClosesTheConnectionAndFailsTheProducer() async throws {
        let outcomes = Outcomes()
        let chunk = [UInt8](repeating: 0x62, count: 256 * 1024)
        let handler: HTTPHandler = { request in
            if request.path == "/bytes" {
                // A response far larger than the socket buffers, to a client that never reads it.
                return HTTPResponse(status: 200, contentType: "application/octet-stream",
                                    body: [UInt8](repeating: 0x63, count: 64 * 1024 * 1024))
            }
            return HTTPResponse(body: .stream { writer in
                do {
                    while true { try await writer.write(chunk) }
                } catch {
                    outcomes.report("threw \(error)")
                    throw error
                }
            })
        }
        var config = HTTPServer.Configuration()
        config.timeouts.writeStall = .milliseconds(300)
        try await withServer(config, handler: handler) { server in
            let streamReader = try await RawClient.connect(port: server.port, receiveBuffer: 16 * 1024)
            try await streamReader.send(Self.get("/stream"))
            #expect(await outcomes.next() == "threw \(HTTPServerError.connectionClosed)")

            let bytesReader = try await RawClient.connect(port: server.port, receiveBuffer: 16 * 1024)
            try await bytesReader.send(Self.get("/bytes"))
            #expect(await eventually { server.statistics.timedOutConnections >= 2 })
            #expect(await eventually { server.statistics.openConnections == 0 })
        }
    }

    @Test func disconnectCancelsAProducerThatIsWaitingForEvents() async throws {
        let outcomes = Outcomes()
        let handler: HTTPHandler = { _ in
            HTTPResponse(body: .stream { writer in
                try await writer.write(Array("first\n".utf8))
                outcomes.report("waiting")
                do {
                    try await Task.sleep(for: .seconds(60))
                    outcomes.report("slept")
                } catch {
                    outcomes.report("cancelled")
                }
            })
        }
        try await withServer(handler: handler) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send(Self.get("/watch"))
            #expect(await outcomes.next() == "waiting")
            client.disconnect()
            #expect(await outcomes.next() == "cancelled")
        }
    }

    @Test func shutdownEndsStreamsUnlessAskedToDrainThem() async throws {
        let outcomes = Outcomes()
        let handler: HTTPHandler = { _ in
            HTTPResponse(body: .stream { writer in
                do {
                    while true {
                        try await writer.write(Array("tick\n".utf8))
                        try await Task.sleep(for: .milliseconds(10))
                    }
                } catch {
                    outcomes.report("stopped")
                    throw error
                }
            })
        }
        let server = try HTTPServer(configuration: .init(shutdownGracePeriod: .seconds(30)), handler: handler)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            let client = try await RawClient.connect(port: server.port)
            try await client.send(Self.get("/watch"))
            #expect(await eventually { server.statistics.activeStreams == 1 })
            server.shutdown()
            #expect(await outcomes.next() == "stopped")
            // The body ends without its last chunk, so the client can tell it was cut off.
            let bytes = try await client.readToEnd()
            #expect(!String(decoding: bytes, as: UTF8.self).hasSuffix("0\r\n\r\n"))
            // run() returns long before the 30 s grace period.
            try await group.waitForAll()
        }
    }

    @Test func streamsMayFinishDuringShutdownWhenAskedToDrain() async throws {
        let handler: HTTPHandler = { request in
            HTTPResponse(body: .stream { writer in
                let forever = request.path == "/forever"
                var i = 0
                while forever || i < 20 {
                    try await writer.write(Array("event \(i)\n".utf8))
                    try await Task.sleep(for: .milliseconds(10))
                    i += 1
                }
            })
        }
        let config = HTTPServer.Configuration(shutdownGracePeriod: .seconds(2), drainStreamsOnShutdown: true)
        let server = try HTTPServer(configuration: config, handler: handler)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            let finite = try await RawClient.connect(port: server.port)
            try await finite.send(Self.get("/finite"))
            let endless = try await RawClient.connect(port: server.port)
            try await endless.send(Self.get("/forever"))
            #expect(await eventually { server.statistics.activeStreams == 2 })
            server.shutdown()
            // The finite stream runs to its end, terminator included.
            let response = try await finite.readResponse()
            #expect(response.text.split(separator: "\n").count == 20)
            #expect(await finite.closedByServer())
            // The endless one is cut at the grace period, without its terminator.
            let cut = String(decoding: try await endless.readToEnd(), as: UTF8.self)
            #expect(cut.contains("event 1\n"))
            #expect(!cut.hasSuffix("0\r\n\r\n"))
            try await group.waitForAll()
        }
    }

    @Test func manyConcurrentStreamsAllArriveIntact() async throws {
        let handler: HTTPHandler = { request in
            let n = request.query("n").flatMap(Int.init) ?? 0
            return HTTPResponse(body: .stream { writer in
                for i in 0..<n { try await writer.write(Array("\(request.path) event \(i)\n".utf8)) }
            })
        }
        try await withServer(handler: handler) { server in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for s in 0..<40 {
                    group.addTask {
                        let client = try await RawClient.connect(port: server.port)
                        try await client.send(Self.get("/s\(s)?n=300"))
                        let response = try await client.readResponse(timeout: 20)
                        let lines = response.text.split(separator: "\n")
                        #expect(lines.count == 300)
                        #expect(lines.enumerated().allSatisfy { $0.element == "/s\(s) event \($0.offset)" })
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    /// Random garbage, mutated and truncated requests from many connections at once, with valid requests in
    /// between: the server answers or closes each bad connection and keeps serving good ones.
    @Test func fuzzedConnectionsNeverStopTheServer() async throws {
        var config = HTTPServer.Configuration(timeouts: .init(header: .milliseconds(300), body: .milliseconds(300),
                                                              idle: .milliseconds(300)))
        config.limits.maxBodyBytes = 4096
        try await withServer(config, handler: echoHandler) { server in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<6 {
                    group.addTask {
                        var rng = SplitMix64(seed: 0xF00D + UInt64(worker))
                        for round in 0..<fuzzRounds(40) {
                            let client = try await RawClient.connect(port: server.port)
                            try? await client.send(Self.fuzzInput(&rng))
                            if round % 2 == 0 {
                                client.disconnect()
                            } else {
                                client.shutdownWrite()
                                _ = try? await client.readToEnd(timeout: 5)
                            }
                            if round % 8 == 0 {
                                let good = try await RawClient.connect(port: server.port)
                                try await good.send(Self.get("/alive/\(worker)/\(round)"))
                                #expect(try await good.readResponse().text == "GET /alive/\(worker)/\(round) ")
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(await eventually { server.statistics.openConnections == 0 })
        }
    }

    static func fuzzInput(_ rng: inout SplitMix64) -> [UInt8] {
        let seeds = [
            "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
            "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody",
            "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n",
            "PUT /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc",
        ].map { Array($0.utf8) }
        switch rng.next() % 3 {
        case 0:
            return (0..<Int(rng.next() % 2000)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        case 1:
            var bytes = seeds[Int(rng.next() % UInt64(seeds.count))]
            for _ in 0..<(1 + Int(rng.next() % 6)) where !bytes.isEmpty {
                bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
            }
            return bytes + (rng.next() % 2 == 0 ? seeds[0] : [])
        default:
            let seed = seeds[Int(rng.next() % UInt64(seeds.count))]
            return Array(seed[0..<Int(rng.next() % UInt64(seed.count))])
        }
    }
}
