// The server over real loopback sockets, driven byte-exactly by `RawClient`.

import Foundation
import Glibc
import Synchronization
import Testing
@testable import HTTPServer

struct HTTPServerTests {
    static func get(_ path: String, _ extra: String = "") -> String {
        "GET \(path) HTTP/1.1\r\nHost: t\r\n\(extra)\r\n"
    }

    /// The port handed to a child process is one a server can then listen on.
    @Test func freeLoopbackPortCanBeListenedOn() async throws {
        let port = try #require(HTTPServer.freeLoopbackPort())
        #expect(port > 0 && port < 65536)
        try await withServer(HTTPServer.Configuration(host: "127.0.0.1", port: port), handler: echoHandler) { server in
            #expect(server.port == port)
            let client = try await RawClient.connect(port: port)
            try await client.send(Self.get("/x"))
            #expect(try await client.readResponse().status == 200)
        }
    }

    @Test func servesManyRequestsOnOneKeepAliveConnection() async throws {
        try await withServer(handler: echoHandler) { server in
            let client = try await RawClient.connect(port: server.port)
            for i in 0..<200 {
                try await client.send(Self.get("/r/\(i)"))
                let response = try await client.readResponse()
                #expect(response.status == 200)
                #expect(response.text == "GET /r/\(i) ")
                #expect(response.header("Connection") == nil)
            }
            #expect(server.statistics.openConnections == 1)
            // Counted once the last byte is handed to the kernel, which may be just after the client read it.
            #expect(await eventually { server.statistics.requestsCompleted == 200 })
        }
    }

    @Test(arguments: [1, 3])
    func connectionsSpreadOverEventLoopsAreAllServed(eventLoops: Int) async throws {
        let handler: HTTPHandler = { request in .text(request.remoteAddress ?? "none") }
        try await withServer(.init(eventLoops: eventLoops), handler: handler) { server in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<12 {
                    group.addTask {
                        let client = try await RawClient.connect(port: server.port)
                        for _ in 0..<20 {
                            try await client.send(Self.get("/peer"))
                            let response = try await client.readResponse()
                            #expect(response.text.hasPrefix("127.0.0.1:"), "\(response.text)")
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(await eventually { server.statistics.requestsCompleted == 240 })
        }
    }

    @Test func largeBodiesGoBothWays() async throws {
        try await withServer(handler: echoHandler) { server in
            let client = try await RawClient.connect(port: server.port, receiveBuffer: 32 * 1024)
            let body = (0..<(3 * 1024 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 11) }
            let head = "POST /big HTTP/1.1\r\nHost: t\r\nContent-Length: \(body.count)\r\n\r\n"
            try await client.send(Array(head.utf8) + body)
            let response = try await client.readResponse(timeout: 30)
            #expect(response.header("X-Body-Length") == String(body.count))
            #expect(response.body.count == body.count + "POST /big ".utf8.count)
            #expect(Array(response.body.dropFirst("POST /big ".utf8.count)) == body)
            // The default body limit is 10 MiB.
            try await client.send("POST /big HTTP/1.1\r\nHost: t\r\nContent-Length: \(10 * 1024 * 1024 + 1)\r\n\r\n")
            #expect(try await client.readResponse().status == 413)
        }
    }

    @Test func answersCarryDateServerAndContentLength() async throws {
        try await withServer(handler: echoHandler) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send(Self.get("/x"))
            let response = try await client.readResponse()
            #expect(response.header("Server") == "gantry")
            #expect(response.header("Content-Length") == "7")
            let date = try #require(response.header("Date"))
            #expect(date.hasSuffix(" GMT") && date.count == 29, "\(date)")
        }
    }

    @Test func pipelinedResponsesComeBackInRequestOrder() async throws {
        try await withServer(handler: echoHandler) { server in
            let client = try await RawClient.connect(port: server.port)
            // The first request is the slowest: its response must still come first.
            let batch = Self.get("/slow?ms=200") + Self.get("/slow?ms=50")
                + "POST /post HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc"
                + Self.get("/fast") + Self.get("/last")
            try await client.send(batch)
            var texts: [String] = []
            for _ in 0..<5 { texts.append(try await client.readResponse().text) }
            #expect(texts == ["GET /slow?ms=200 ", "GET /slow?ms=50 ", "POST /post abc", "GET /fast ", "GET /last "])
        }
    }

    @Test func chunkedRequestBodiesAreDecoded() async throws {
        try await withServer(handler: echoHandler) { server in
            let client = try await RawClient.connect(port: server.port)
            let payload = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            var request = Array("PUT /c HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
            var offset = 0
            for size in [1, 7, 1000, 13, 2979, 1000] {
                request += Array("\(String(size, radix: 16));ext=\"x\"\r\n".utf8)
                request += payload[offset..<offset + size] + [13, 10]
                offset += size
            }
            request += Array("0\r\nX-Trailer: t\r\n\r\n".utf8)
            // Sent in odd pieces, so chunk boundaries and reads do not line up.
            var i = 0
            while i < request.count {
                let end = min(request.count, i + 777)
                try await client.send(Array(request[i..<end]))
                i = end
            }
            let response = try await client.readResponse()
            #expect(response.status == 200)
            #expect(response.header("X-Body-Length") == "5000")
            #expect(Array(response.body.dropFirst("PUT /c ".utf8.count)) == payload)
            // The connection is still usable after trailers.
            try await client.send(Self.get("/after"))
            #expect(try await client.readResponse().text == "GET /after ")
        }
    }

    @Test func streamingResponsesAreChunked() async throws {
        let handler: HTTPHandler = { _ in
            HTTPResponse(headers: ["Content-Type": "application/json"], body: .stream { writer in
                for i in 0..<50 { try await writer.write(Array("{\"event\":\(i)}\n".utf8)) }
                try await writer.write([])  // ignored: an empty chunk would end the body early
            })
        }
        try await withServer(handler: handler) { server in
            let client = try await RawClient.connect(port: server.port)
            for _ in 0..<2 {
                try await client.send(Self.get("/watch"))
                let response = try await client.readResponse()
                #expect(response.header("Transfer-Encoding") == "chunked")
                #expect(response.header("Content-Length") == nil)
                #expect(response.chunkSizes?.count == 50)
                #expect(response.text.split(separator: "\n").count == 50)
                #expect(response.text.hasPrefix("{\"event\":0}\n{\"event\":1}\n"))
            }
            #expect(server.statistics.activeStreams == 0)
        }
    }

    @Test func largeStreamChunksArriveExactly() async throws {
        let big = (0..<(300 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        let handler: HTTPHandler = { _ in
            HTTPResponse(body: .stream { writer in
                try await writer.write(Array("small".utf8))
                try await writer.write(big)
                try await writer.write(Array("tail".utf8))
            })
        }
        try await withServer(handler: handler) { server in
            let client = try await RawClient.connect(port: server.port, receiveBuffer: 16 * 1024)
            try await client.send(Self.get("/big"))
            let response = try await client.readResponse()
            #expect(response.chunkSizes == [5, big.count, 4])
            #expect(response.body == Array("small".utf8) + big + Array("tail".utf8))
        }
    }

    @Test func streamToHTTP10ClientEndsWithTheConnection() async throws {
        let handler: HTTPHandler = { _ in
            HTTPResponse(body: .stream { writer in
                try await writer.write(Array("one ".utf8))
                try await writer.write(Array("two".utf8))
            })
        }
        try await withServer(handler: handler) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("GET /w HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.header("Transfer-Encoding") == nil)
            #expect(response.header("Connection") == "close")
            #expect(response.text == "one two")
        }
    }

    @Test func expectContinueIsAnsweredBeforeTheBody() async throws {
        try await withServer(handler: echoHandler) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("PUT /up HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
            let interim = try await client.readResponse()
            #expect(interim.status == 100)
            try await client.send("data")
            let response = try await client.readResponse()
            #expect(response.status == 200)
            #expect(response.text == "PUT /up data")

            // A body that would be too large is refused without 100, and the connection closes.
            try await client.send(
                "PUT /up HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 99999999\r\n\r\n")
            let refused = try await client.readResponse()
            #expect(refused.status == 413)
            #expect(await client.closedByServer())
        }
    }

    @Test func headAnswersWithLengthButNoBody() async throws {
        try await withServer(handler: echoHandler) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("HEAD /h HTTP/1.1\r\nHost: t\r\n\r\n")
            let head = try await client.readResponse(head: true)
            #expect(head.status == 200)
            #expect(head.header("Content-Length") == "8")
            // Had body bytes been sent, they would be read here as the next status line.
            try await client.send(Self.get("/next"))
            #expect(try await client.readResponse().text == "GET /next ")
        }
    }

    @Test func headMayDeclareTheLengthOfTheBodyItOmits() async throws {
        let handler: HTTPHandler = { _ in HTTPResponse(status: 200, headers: ["Content-Length": "1234"]) }
        try await withServer(handler: handler) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("HEAD /h HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try await client.readResponse(head: true).header("Content-Length") == "1234")
            // For GET the length is what is actually sent.
            try await client.send(Self.get("/h"))
            #expect(try await client.readResponse().header("Content-Length") == "0")
        }
    }

    @Test func http10ClosesUnlessKeepAliveAndConnectionCloseIsHonoured() async throws {
        try await withServer(handler: echoHandler) { server in
            let plain = try await RawClient.connect(port: server.port)
            try await plain.send("GET /a HTTP/1.0\r\n\r\n")
            #expect(try await plain.readResponse().header("Connection") == "close")
            #expect(await plain.closedByServer())

            let kept = try await RawClient.connect(port: server.port)
            try await kept.send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            #expect(try await kept.readResponse().header("Connection") == "keep-alive")
            try await kept.send("GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            #expect(try await kept.readResponse().text == "GET /b ")

            let closing = try await RawClient.connect(port: server.port)
            try await closing.send(Self.get("/c", "Connection: close\r\n") + Self.get("/ignored"))
            let response = try await closing.readResponse()
            #expect(response.text == "GET /c ")
            #expect(response.header("Connection") == "close")
            // The pipelined request after `Connection: close` is not answered.
            #expect(try await closing.readToEnd().isEmpty)
        }
    }

    @Test func halfClosedClientStillGetsItsAnswer() async throws {
        try await withServer(handler: echoHandler) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send(Self.get("/slow?ms=100"))
            client.shutdownWrite()
            let response = try await client.readResponse()
            #expect(response.text == "GET /slow?ms=100 ")
            #expect(await client.closedByServer())
        }
    }

    @Test func handlerHeadersCannotBreakFraming() async throws {
        let handler: HTTPHandler = { _ in
            HTTPResponse(status: 200, headers: ["Content-Length": "999", "X-Evil": "a\r\nInjected: yes",
                                                "Bad Name": "v", "X-Ok": "fine", "Transfer-Encoding": "chunked"],
                         body: .bytes(Array("body".utf8)))
        }
        try await withServer(handler: handler) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send(Self.get("/"))
            let response = try await client.readResponse()
            #expect(response.header("Content-Length") == "4")
            #expect(response.header("Injected") == nil)
            #expect(response.header("X-Evil") == nil)
            #expect(response.header("Transfer-Encoding") == nil)
            #expect(response.header("X-Ok") == "fine")
            #expect(response.text == "body")
        }
    }

    // MARK: malformed input and limits

    static let small = HTTPServer.Configuration(limits: .init(maxRequestLineBytes: 200, maxHeaderBytes: 1024,
                                                              maxHeaderCount: 8, maxBodyBytes: 1000))

    @Test(arguments: [
        ("BROKEN\r\n\r\n", 400),
        ("GET / HTTP/3.0\r\nHost: t\r\n\r\n", 505),
        ("GET /" + String(repeating: "x", count: 300) + " HTTP/1.1\r\nHost: t\r\n\r\n", 414),
        ("GET / HTTP/1.1\r\nHost: t\r\n" + (0..<9).map { "H\($0): v\r\n" }.joined() + "\r\n", 431),
        ("GET / HTTP/1.1\r\nHost: t\r\nBig: " + String(repeating: "v", count: 1100) + "\r\n\r\n", 431),
        ("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1001\r\n\r\n" + String(repeating: "b", count: 1001), 413),
        ("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n200\r\n" + String(repeating: "b", count: 512)
            + "\r\n200\r\n" + String(repeating: "b", count: 512) + "\r\n0\r\n\r\n", 413),
        ("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: br\r\n\r\n", 501),
    ])
    func badRequestsGetTheirStatusAndTheConnectionCloses(request: String, status: Int) async throws {
        try await withServer(Self.small, handler: echoHandler) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send(request)
            let response = try await client.readResponse()
            #expect(response.status == status)
            #expect(response.header("Connection") == "close")
            #expect(await client.closedByServer())
        }
    }

    @Test func connectionLimitTurnsAwayTheExtraConnectionWith503() async throws {
        var config = HTTPServer.Configuration()
        config.limits.maxConnections = 3
        try await withServer(config, handler: echoHandler) { server in
            var open: [RawClient] = []
            for _ in 0..<3 {
                let c = try await RawClient.connect(port: server.port)
                try await c.send(Self.get("/hold"))
                _ = try await c.readResponse()
                open.append(c)
            }
            let extra = try await RawClient.connect(port: server.port)
            let refused = try await extra.readResponse()
            #expect(refused.status == 503)
            #expect(await extra.closedByServer())
            #expect(server.statistics.rejectedConnections == 1)
            // Once one closes, a new connection is served again.
            open.removeFirst()
            #expect(await eventually { server.statistics.openConnections == 2 })
            let again = try await RawClient.connect(port: server.port)
            try await again.send(Self.get("/again"))
            #expect(try await again.readResponse().status == 200)
        }
    }

    // MARK: timeouts

    static let quick = HTTPServer.Configuration(timeouts: .init(header: .milliseconds(300), body: .milliseconds(300),
                                                                idle: .milliseconds(300), writeStall: .seconds(2)))

    @Test func slowHeadersAreAnswered408() async throws {
        try await withServer(Self.quick, handler: echoHandler) { server in
            let client = try await RawClient.connect(port: server.port)
            // Dribble a byte every 50 ms: each byte is progress, but the head as a whole takes too long.
            let text = Array("GET /slowloris HTTP/1.1\r\nHost: t\r\nX-Padding: ".utf8)
                + Array(repeating: UInt8(ascii: "p"), count: 200)
            var sent = 0
            while sent < text.count {
                do { try await client.send([text[sent]]) } catch { break }
                sent += 1
                if try await !client.staysSilent(for: 0.05) { break }
            }
            #expect(sent < text.count, "the server should have answered before the head was complete")
            let response = try await client.readResponse()
            #expect(response.status == 408)
            #expect(await client.closedByServer())
            #expect(server.statistics.timedOutConnections >= 1)
        }
    }

    @Test func slowBodyIsAnswered408() async throws {
        try await withServer(Self.quick, handler: echoHandler) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send("POST /b HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc")
            let response = try await client.readResponse()
            #expect(response.status == 408)
            #expect(await client.closedByServer())
        }
    }

    @Test func idleKeepAliveConnectionsAreClosed() async throws {
        try await withServer(Self.quick, handler: echoHandler) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send(Self.get("/once"))
            #expect(try await client.readResponse().status == 200)
            // Nothing more is sent: the server closes without a response.
            #expect(try await client.readToEnd().isEmpty)
            #expect(await eventually { server.statistics.openConnections == 0 })
            // A connection that never sends anything is closed the same way.
            let silent = try await RawClient.connect(port: server.port)
            #expect(try await silent.readToEnd().isEmpty)
        }
    }

    // MARK: shutdown

    @Test func gracefulShutdownFinishesInFlightRequestsAndClosesIdleOnes() async throws {
        let started = AsyncStream<Void>.makeStream()
        let handler: HTTPHandler = { request in
            if request.path == "/slow" {
                started.continuation.yield()
                try? await Task.sleep(for: .milliseconds(400))
                return .text("finished")
            }
            return .text("quick")
        }
        let server = try HTTPServer(handler: handler)
        let port = server.port
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            let idle = try await RawClient.connect(port: port)
            try await idle.send(Self.get("/idle"))
            #expect(try await idle.readResponse().text == "quick")

            let busy = try await RawClient.connect(port: port)
            try await busy.send(Self.get("/slow"))
            var iterator = started.stream.makeAsyncIterator()
            await iterator.next()
            server.shutdown(gracePeriod: .seconds(10))

            #expect(try await idle.readToEnd().isEmpty)
            let response = try await busy.readResponse()
            #expect(response.text == "finished")
            #expect(response.header("Connection") == "close")
            #expect(await busy.closedByServer())
            try await group.waitForAll()
            // run() has returned: the listener is gone.
            await #expect(throws: ClientError.self) { try await RawClient.connect(port: port) }
        }
    }

    @Test func shutdownGracePeriodCutsOffAHandlerThatWillNotFinish() async throws {
        let cancelled = Atomic<Bool>(false)
        let handler: HTTPHandler = { _ in
            do { try await Task.sleep(for: .seconds(60)) } catch { cancelled.store(true, ordering: .relaxed) }
            return .text("too late")
        }
        let server = try HTTPServer(handler: handler)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            let client = try await RawClient.connect(port: server.port)
            try await client.send(Self.get("/forever"))
            #expect(await eventually { server.statistics.openConnections == 1 })
            try await Task.sleep(for: .milliseconds(50))
            server.shutdown(gracePeriod: .milliseconds(200))
            #expect(try await client.readToEnd().isEmpty)
            try await group.waitForAll()
            #expect(await eventually { cancelled.load(ordering: .relaxed) })
        }
    }

    @Test func cancellingRunShutsDownGracefully() async throws {
        let server = try HTTPServer(handler: echoHandler)
        let task = Task { try await server.run() }
        let client = try await RawClient.connect(port: server.port)
        try await client.send(Self.get("/x"))
        #expect(try await client.readResponse().status == 200)
        task.cancel()
        try await task.value
        #expect(await client.closedByServer())
        await #expect(throws: HTTPServerError.alreadyStarted) { try await server.run() }
    }

    @Test func shutdownBeforeRunMakesRunReturn() async throws {
        let server = try HTTPServer(handler: echoHandler)
        server.shutdown()
        try await server.run()
        await #expect(throws: ClientError.self) { try await RawClient.connect(port: server.port) }
    }

    @Test func localhostListensWhereLoopbackClientsDial() async throws {
        try await withServer(.init(host: "localhost"), handler: echoHandler) { server in
            let client = try await RawClient.connect(port: server.port)
            try await client.send(Self.get("/local"))
            #expect(try await client.readResponse().status == 200)
        }
    }

    @Test func invalidConfigurationAndBusyPortAreTypedErrors() throws {
        #expect(throws: HTTPServerError.self) {
            try HTTPServer(configuration: .init(port: 70000), handler: echoHandler)
        }
        let first = try HTTPServer(handler: echoHandler)
        #expect {
            try HTTPServer(configuration: .init(port: first.port), handler: echoHandler)
        } throws: { error in
            guard case HTTPServerError.listen(_, _, "bind", EADDRINUSE) = error else { return false }
            return true
        }
        #expect(throws: HTTPServerError.self) {
            try HTTPServer(configuration: .init(host: "no.such.host.invalid"), handler: echoHandler)
        }
    }
}
