// The client over real libcurl against an HTTP server on loopback: CRUD, error mapping, paging, watches
// (bookmarks, 410, chunking), back-pressure, cancellation, timeouts and credentials.

import Foundation
import HTTPServer
import KubeClient
import KubeCore
import Synchronization
import Testing

func makeClient(_ server: LoopbackServer, credentials: Credentials = .none, requestTimeout: Duration = .seconds(10),
                server url: String? = nil) throws -> KubeClient {
    try KubeClient(configuration: ClientConfiguration(server: url ?? server.baseURL, credentials: credentials,
                                                      requestTimeout: requestTimeout, connectTimeout: .seconds(5)))
}

struct LoopbackCRUDTests {
    @Test func createGetUpdatePatchDeleteRoundTrip() async throws {
        let api = FakeWidgetAPI()
        let server = try LoopbackServer { api.handle($0) }
        defer { server.stop() }
        let client = try makeClient(server)

        let created = try await client.create(Widget(name: "w1", size: 1, color: "red"))
        #expect(created.metadata.uid == "uid-1")
        let rv1 = try #require(created.metadata.resourceVersion)

        var fetched = try await client.get(Widget.self, name: "w1")
        #expect(fetched == created)

        fetched.spec?.size = 2
        let updated = try await client.update(fetched)
        #expect(updated.spec?.size == 2)
        #expect(updated.metadata.resourceVersion != rv1)

        // Writing the stale copy again is a conflict.
        let conflict = await #expect(throws: KubeError.self) { _ = try await client.update(fetched) }
        #expect(conflict?.isConflict == true)
        #expect(conflict?.status?.message?.contains("the object has been modified") == true)

        let patched = try await client.patch(Widget.self, name: "w1", patch: .merge(["spec": ["color": "blue"]]))
        #expect(patched.spec?.color == "blue")
        #expect(patched.spec?.size == 2)

        let duplicate = await #expect(throws: KubeError.self) { _ = try await client.create(Widget(name: "w1")) }
        #expect(duplicate?.isAlreadyExists == true)

        let invalid = await #expect(throws: KubeError.self) { _ = try await client.create(Widget(name: "neg", size: -1)) }
        guard case .invalid(let info)? = invalid else {
            Issue.record("expected Invalid, got \(String(describing: invalid))")
            return
        }
        #expect(info.causes.map(\.field) == ["spec.size"])

        let wrongUID = await #expect(throws: KubeError.self) {
            _ = try await client.delete(Widget.self, name: "w1", options: DeleteOptions(preconditionUID: "someone-else"))
        }
        #expect(wrongUID?.isConflict == true)

        let deleted = try await client.delete(Widget.self, name: "w1", options: DeleteOptions(preconditionUID: "uid-1"))
        guard case .status(let status) = deleted else {
            Issue.record("expected a Status")
            return
        }
        #expect(status.status == "Success")

        let missing = await #expect(throws: KubeError.self) { _ = try await client.get(Widget.self, name: "w1") }
        #expect(missing?.isNotFound == true)
    }

    @Test func unknownFieldsSurviveATypedReadModifyWrite() async throws {
        let api = FakeWidgetAPI()
        let server = try LoopbackServer { api.handle($0) }
        defer { server.stop() }
        let client = try makeClient(server)
        var raw = widgetJSON("w")
        raw.set(["nested": true], at: ["spec", "futureField"])
        raw["extension"] = ["owner": "other-controller"]
        _ = try await client.create(Widget.descriptor, raw)

        var typed = try await client.get(Widget.self, name: "w")
        typed.spec?.size = 9
        _ = try await client.update(typed)

        let after = try await client.get(Widget.descriptor, name: "w")
        #expect(after[path: ["spec", "size"]] == 9)
        #expect(after[path: ["spec", "futureField"]] == ["nested": true])
        #expect(after["extension"] == ["owner": "other-controller"])
    }

    @Test func pagingFollowsContinueTokens() async throws {
        let api = FakeWidgetAPI()
        let server = try LoopbackServer { api.handle($0) }
        defer { server.stop() }
        let client = try makeClient(server)
        for i in 0..<7 { _ = try await client.create(Widget(name: "w\(i)", size: i)) }

        let page = try await client.list(Widget.self, namespace: "default", options: ListOptions(limit: 3))
        #expect(page.items.count == 3)
        #expect(page.metadata.continueToken == "w2")

        // The fake server rejects a resourceVersion beside a continue token, as the real one does.
        let all = try await client.listAll(Widget.self, namespace: "default", options: ListOptions(limit: 3, resourceVersion: "0"))
        #expect(all.items.map(\.name) == (0..<7).map { "w\($0)" })
        #expect(all.metadata.resourceVersion == "7")
    }
}

struct LoopbackErrorTests {
    @Test func everyStatusMapsOverHTTP() async throws {
        let table: [(Int, String, String)] = [
            (400, "BadRequest", "badRequest"), (401, "Unauthorized", "unauthorized"), (403, "Forbidden", "forbidden"),
            (404, "NotFound", "notFound"), (405, "MethodNotAllowed", "methodNotAllowed"),
            (409, "AlreadyExists", "alreadyExists"), (409, "Conflict", "conflict"), (410, "Expired", "expired"),
            (422, "Invalid", "invalid"), (429, "TooManyRequests", "tooManyRequests"),
            (500, "InternalError", "internalError"), (503, "ServiceUnavailable", "serviceUnavailable"),
            (504, "Timeout", "serverTimeout"),
        ]
        let server = try LoopbackServer { request in
            // /api/v1/namespaces/default/pods/<code>-<reason>
            let last = request.path.split(separator: "/").last.map(String.init) ?? ""
            let parts = last.split(separator: "-")
            let code = Int(parts.first ?? "") ?? 500
            let headers: HTTPHeaders = code == 429 ? ["Retry-After": "7"] : HTTPHeaders()
            return statusResponse(code, String(parts.last ?? ""), "failure \(last)", headers: headers)
        }
        defer { server.stop() }
        var client = try makeClient(server)
        client.retryAfterAttempts = 0
        let pods = ResourceDescriptor(group: "", version: "v1", kind: "Pod", plural: "pods", namespaced: true)
        for (code, reason, expected) in table {
            let error = await #expect(throws: KubeError.self) { _ = try await client.get(pods, name: "\(code)-\(reason)") }
            #expect(error.map(caseName) == expected, "\(code) \(reason)")
            #expect(error?.code == code)
            #expect(error?.status?.message == "failure \(code)-\(reason)")
            if code == 429 { #expect(error?.retryAfter == .seconds(7)) }
        }
    }

    @Test func requestTimeoutIsATransportTimeout() async throws {
        let server = try LoopbackServer { _ in
            try? await Task.sleep(for: .seconds(3))
            return .json(Array("{}".utf8))
        }
        defer { server.stop() }
        let client = try makeClient(server, requestTimeout: .milliseconds(200))
        let error = await #expect(throws: KubeError.self) { _ = try await client.get(Widget.self, name: "slow") }
        guard case .transport(let t)? = error else {
            Issue.record("expected a transport error, got \(String(describing: error))")
            return
        }
        #expect(t.kind == .timeout)
        #expect(t.request.hasPrefix("GET /apis/test.gantry.dev/v1/namespaces/default/widgets/slow"))
    }

    @Test func refusedConnectionIsAConnectError() async throws {
        let server = try LoopbackServer { _ in .text("") }
        defer { server.stop() }
        let client = try makeClient(server, server: "http://127.0.0.1:\(unusedPort())")
        let error = await #expect(throws: KubeError.self) { _ = try await client.get(Widget.self, name: "x") }
        guard case .transport(let t)? = error else { return }
        #expect(t.kind == .connect)
    }

    @Test func tlsToAPlainServerIsATLSError() async throws {
        let server = try LoopbackServer { _ in .text("") }
        defer { server.stop() }
        let client = try makeClient(server, server: "https://127.0.0.1:\(plainTextResponder())")
        let error = await #expect(throws: KubeError.self) { _ = try await client.get(Widget.self, name: "x") }
        guard case .transport(let t)? = error else { return }
        #expect(t.kind == .tls)
    }

    @Test func cancellingARequestAbortsIt() async throws {
        let arrived = Mutex(false)
        let server = try LoopbackServer { _ in
            arrived.withLock { $0 = true }
            try? await Task.sleep(for: .seconds(5))
            return .json(Array("{}".utf8))
        }
        defer { server.stop() }
        let client = try makeClient(server)
        let task = Task { try await client.get(Widget.self, name: "x") }
        try await eventually("request reached the server") { arrived.withLock { $0 } }
        task.cancel()
        let result = await task.result
        #expect(throws: CancellationError.self) { try result.get() }
    }
}

struct LoopbackConnectionTests {
    @Test func sequentialRequestsReuseOneConnection() async throws {
        let peers = Mutex<[String]>([])
        let server = try LoopbackServer { request in
            peers.withLock { $0.append(request.remoteAddress ?? "?") }
            return .json(JSONWriter.write(widgetJSON("w")))
        }
        defer { server.stop() }
        let client = try makeClient(server)
        for _ in 0..<5 { _ = try await client.get(Widget.self, name: "w") }
        let seen = peers.withLock { $0 }
        #expect(seen.count == 5)
        #expect(Set(seen).count == 1, "peer addresses: \(seen)")
    }
}

struct LoopbackCredentialTests {
    @Test func bearerTokenFileIsReReadAfterRotation() async throws {
        let seen = Mutex<[String]>([])
        let server = try LoopbackServer { request in
            seen.withLock { $0.append(request.headers["Authorization"] ?? "-") }
            return .json(JSONWriter.write(widgetJSON("w")))
        }
        defer { server.stop() }
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try write("first\n", to: dir + "/token")
        let client = try makeClient(server, credentials: .tokenFile(TokenFile(path: dir + "/token")))
        _ = try await client.get(Widget.self, name: "w")
        try write("second", to: dir + "/token.new")
        _ = rename(dir + "/token.new", dir + "/token")
        _ = try await client.get(Widget.self, name: "w")
        #expect(seen.withLock { $0 } == ["Bearer first", "Bearer second"])
    }

    @Test func basicAuthAndStandardHeaders() async throws {
        let seen = Mutex<HTTPHeaders?>(nil)
        let server = try LoopbackServer { request in
            seen.withLock { $0 = request.headers }
            return .json(JSONWriter.write(widgetJSON("w")))
        }
        defer { server.stop() }
        let client = try makeClient(server, credentials: .basic(username: "admin", password: "s3cret"))
        _ = try await client.get(Widget.self, name: "w")
        let headers = try #require(seen.withLock { $0 })
        #expect(headers["Authorization"] == "Basic YWRtaW46czNjcmV0")
        #expect(headers["Accept"] == "application/json")
        #expect(headers["User-Agent"] == "gantry/0.1")
    }
}

/// A watch handler that writes the given chunks, then ends or keeps the connection open.
func streaming(_ body: @escaping @Sendable (any HTTPBodyWriter) async throws -> Void) -> HTTPResponse {
    HTTPResponse(status: 200, headers: ["Content-Type": "application/json"], body: .stream(body))
}

struct LoopbackWatchTests {
    @Test func watchWithOddChunkingBookmarksAndA410() async throws {
        let server = try LoopbackServer { request in
            #expect(request.query("watch") == "true")
            #expect(request.query("allowWatchBookmarks") == "true")
            #expect(request.query("resourceVersion") == "5")
            return streaming { writer in
                var bytes: [UInt8] = []
                for i in 0..<3 { bytes += jsonLine(event("ADDED", widgetJSON("w\(i)", rv: "\(6 + i)"))) }
                // One byte, then a chunk ending mid-event, then the rest with the next event's start.
                try await writer.write(Array(bytes[0..<1]))
                try await writer.write(Array(bytes[1..<50]))
                try await writer.write(Array(bytes[50...]))
                try await writer.write(jsonLine(event("BOOKMARK", ["kind": "Widget", "apiVersion": "test.gantry.dev/v1",
                                                                   "metadata": ["resourceVersion": "12"]])))
                try await writer.write(jsonLine(event("ERROR", statusJSON(code: 410, reason: "Expired",
                                                                         message: "too old resource version: 5 (9)"))))
            }
        }
        defer { server.stop() }
        let client = try makeClient(server)
        var seen: [String] = []
        let error = await #expect(throws: KubeError.self) {
            for try await event in try await client.watch(Widget.self, options: WatchOptions(resourceVersion: "5")) {
                switch event {
                case .bookmark(let b): seen.append("bookmark \(b.resourceVersion)")
                default: seen.append("\(event.type.rawValue) \(event.object?.name ?? "")")
                }
            }
        }
        #expect(seen == ["ADDED w0", "ADDED w1", "ADDED w2", "bookmark 12"])
        #expect(error?.isExpired == true)
        #expect(error?.status?.message == "too old resource version: 5 (9)")
    }

    @Test func a410ResponseToTheWatchRequestThrowsExpired() async throws {
        let server = try LoopbackServer { _ in statusResponse(410, "Expired", "too old resource version: 1 (2)") }
        defer { server.stop() }
        let client = try makeClient(server)
        let error = await #expect(throws: KubeError.self) {
            _ = try await client.watch(Widget.self, options: WatchOptions(resourceVersion: "1"))
        }
        #expect(error?.isExpired == true)
        #expect(error?.status?.message == "too old resource version: 1 (2)")
    }

    @Test func serverEndingTheWatchEndsTheSequence() async throws {
        let server = try LoopbackServer { _ in
            streaming { writer in try await writer.write(jsonLine(event("ADDED", widgetJSON("a")))) }
        }
        defer { server.stop() }
        var count = 0
        for try await _ in try await makeClient(server).watch(Widget.self) { count += 1 }
        #expect(count == 1)
    }

    @Test func slowConsumerPausesTheConnectionAndLosesNothing() async throws {
        let total = 3000
        let padding = String(repeating: "p", count: 16 * 1024)
        let written = Mutex(0)
        let server = try LoopbackServer { _ in
            streaming { writer in
                for i in 0..<total {
                    var object = widgetJSON("w\(i)", rv: "\(i)")
                    object.set(.string(padding), at: ["spec", "color"])
                    let line = jsonLine(event("ADDED", object))
                    try await writer.write(line)
                    written.withLock { $0 += line.count }
                }
            }
        }
        defer { server.stop() }
        let totalBytes = total * (16 * 1024 + 150)
        let client = try makeClient(server)
        let stream = try await client.watch(Widget.self, options: WatchOptions(bufferLimit: 64 * 1024))
        var iterator = stream.makeAsyncIterator()
        #expect(try await iterator.next()?.object?.name == "w0")

        // Stop reading and wait until the server can write no more: its writes stall once the client's
        // buffer, libcurl's read and the kernel's socket buffers are full.
        var last = -1
        var stableSamples = 0
        let deadline = Date().addingTimeInterval(20)
        while stableSamples < 5 && Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
            let now = written.withLock { $0 }
            stableSamples = now == last ? stableSamples + 1 : 0
            last = now
        }
        #expect(stableSamples >= 5, "the server never stalled")
        #expect(last < totalBytes / 3, "server wrote \(last) of \(totalBytes) bytes to a stalled reader")

        var names = ["w0"]
        while let event = try await iterator.next() { names.append(event.object?.name ?? "?") }
        #expect(names.count == total)
        #expect(names == (0..<total).map { "w\($0)" })
    }

    @Test func cancellingTheConsumerClosesTheConnection() async throws {
        let clientGone = Mutex(false)
        let server = try LoopbackServer { _ in
            streaming { writer in
                do {
                    try await writer.write(jsonLine(event("ADDED", widgetJSON("a"))))
                    for i in 0..<1000 {
                        try await Task.sleep(for: .milliseconds(20))
                        try await writer.write(jsonLine(event("BOOKMARK", ["metadata": ["resourceVersion": .string("\(i)")]])))
                    }
                } catch {
                    clientGone.withLock { $0 = true }
                    throw error
                }
            }
        }
        defer { server.stop() }
        let client = try makeClient(server)
        let firstEvent = Mutex(false)
        let consumer = Task {
            for try await event in try await client.watch(Widget.self) where event.object != nil {
                firstEvent.withLock { $0 = true }
            }
        }
        try await eventually("first event") { firstEvent.withLock { $0 } }
        consumer.cancel()
        let result = await consumer.result
        #expect(throws: CancellationError.self) { try result.get() }
        try await eventually("server saw the connection close") { clientGone.withLock { $0 } }
    }

    @Test func droppingTheStreamClosesTheConnection() async throws {
        let clientGone = Mutex(false)
        let server = try LoopbackServer { _ in
            streaming { writer in
                do {
                    for i in 0..<1000 {
                        try await writer.write(jsonLine(event("ADDED", widgetJSON("w\(i)"))))
                        try await Task.sleep(for: .milliseconds(20))
                    }
                } catch {
                    clientGone.withLock { $0 = true }
                }
            }
        }
        defer { server.stop() }
        let client = try makeClient(server)
        do {
            for try await _ in try await client.watch(Widget.self) { break }
        }
        try await eventually("server saw the connection close") { clientGone.withLock { $0 } }
    }

    @Test func silentConnectionHitsTheIdleTimeout() async throws {
        let release = Mutex(false)
        let server = try LoopbackServer { _ in
            streaming { writer in
                try await writer.write(jsonLine(event("ADDED", widgetJSON("a"))))
                for _ in 0..<500 where !release.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(20)) }
            }
        }
        defer {
            release.withLock { $0 = true }
            server.stop()
        }
        let client = try makeClient(server)
        var count = 0
        let error = await #expect(throws: KubeError.self) {
            for try await _ in try await client.watch(Widget.self, options: WatchOptions(idleTimeout: .seconds(3))) {
                count += 1
            }
        }
        // The first event usually arrives before the silence, but the loopback server's handler runs on the
        // cooperative pool, which CPU-heavy suites running in parallel can starve for longer than the window.
        #expect(count <= 1)
        guard case .transport(let t)? = error else {
            Issue.record("expected a transport error, got \(String(describing: error))")
            return
        }
        #expect(t.kind == .idleTimeout)
    }

    @Test func manyConcurrentRequestsAndWatchesShareTheEngine() async throws {
        let api = FakeWidgetAPI()
        let server = try LoopbackServer { request in
            if request.query("watch") != nil {
                return streaming { writer in
                    for i in 0..<20 { try await writer.write(jsonLine(event("ADDED", widgetJSON("s\(i)")))) }
                }
            }
            return api.handle(request)
        }
        defer { server.stop() }
        let client = try makeClient(server)
        try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<30 {
                group.addTask { _ = try await client.create(Widget(name: "c\(i)")); return 1 }
            }
            for _ in 0..<4 {
                group.addTask {
                    var n = 0
                    for try await _ in try await client.watch(Widget.self) { n += 1 }
                    return n
                }
            }
            var total = 0
            for try await n in group { total += n }
            #expect(total == 30 + 4 * 20)
        }
        #expect(try await client.list(Widget.self, namespace: "default").items.count == 30)
    }
}
