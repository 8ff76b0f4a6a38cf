// Watch decoding over the scripted transport: typed events, bookmarks, ERROR events, malformed input,
// release of the connection.

import KubeClient
import KubeCore
import Testing

struct WatchStreamTests {
    let path = "/apis/test.gantry.dev/v1/namespaces/default/widgets"

    func open(_ watch: ScriptedWatch) async throws -> WatchStream<Widget> {
        let transport = ScriptedTransport()
        transport.on(.get, path, reply: .stream(watch))
        return try await KubeClient(transport: transport).watch(Widget.self, namespace: "default")
    }

    @Test func decodesEventsAndBookmarks() async throws {
        let watch = ScriptedWatch()
        watch.send(.added, widgetJSON("a", rv: "1"))
        watch.send(.modified, widgetJSON("a", rv: "2", size: 5))
        watch.sendBookmark(resourceVersion: "3")
        watch.send(.deleted, widgetJSON("a", rv: "4"))
        watch.sendBookmark(resourceVersion: "5", initialEventsEnd: true)
        watch.finish()
        var seen: [String] = []
        for try await event in try await open(watch) {
            switch event {
            case .added(let w): seen.append("ADDED \(w.name) \(w.metadata.resourceVersion ?? "")")
            case .modified(let w): seen.append("MODIFIED \(w.name) \(w.spec?.size ?? 0)")
            case .deleted(let w): seen.append("DELETED \(w.name)")
            case .bookmark(let b): seen.append("BOOKMARK \(b.resourceVersion) \(b.isInitialEventsEnd)")
            }
        }
        #expect(seen == ["ADDED a 1", "MODIFIED a 5", "BOOKMARK 3 false", "DELETED a", "BOOKMARK 5 true"])
    }

    @Test func eventsCutAtArbitraryChunkBoundariesStillDecode() async throws {
        var bytes: [UInt8] = []
        for i in 0..<20 { bytes += jsonLine(event("ADDED", widgetJSON("w\(i)", rv: "\(i)"))) }
        // Chunks of 1, 2, 3, ... bytes, so cuts fall everywhere, and some chunks hold several events.
        let watch = ScriptedWatch()
        var offset = 0
        var size = 1
        while offset < bytes.count {
            let end = min(bytes.count, offset + size)
            watch.send(bytes: Array(bytes[offset..<end]))
            offset = end
            size = size % 700 + 37
        }
        watch.finish()
        var names: [String] = []
        for try await event in try await open(watch) { names.append(event.object?.name ?? "?") }
        #expect(names == (0..<20).map { "w\($0)" })
    }

    @Test func errorEventWith410ThrowsExpired() async throws {
        let watch = ScriptedWatch()
        watch.send(.added, widgetJSON("a"))
        watch.sendError(Status(message: "too old resource version: 1 (42)", reason: "Expired", code: 410))
        watch.send(.added, widgetJSON("never-read"))
        var events = 0
        let error = await #expect(throws: KubeError.self) {
            for try await _ in try await open(watch) { events += 1 }
        }
        #expect(events == 1)
        #expect(error?.isExpired == true)
        #expect(error?.status?.message == "too old resource version: 1 (42)")
        // The stream is released once it has thrown.
        #expect(watch.isClosedByClient)
    }

    @Test func otherErrorEventsThrowTheirMappedError() async throws {
        let watch = ScriptedWatch()
        watch.sendError(Status(message: "internal", reason: "InternalError", code: 500))
        let error = await #expect(throws: KubeError.self) { for try await _ in try await open(watch) {} }
        #expect(error.map(caseName) == "internalError")
    }

    @Test func http410OnTheWatchRequestThrowsExpired() async throws {
        let transport = ScriptedTransport()
        transport.on(.get, path, reply: .status(Status(message: "too old", reason: "Expired", code: 410)))
        let error = await #expect(throws: KubeError.self) {
            _ = try await KubeClient(transport: transport).watch(Widget.self, namespace: "default",
                                                                 options: WatchOptions(resourceVersion: "1"))
        }
        #expect(error?.isExpired == true)
    }

    @Test(arguments: [
        #"{"type":"ADDED","object":{"metadata":{"name":"x"},"spec":{"size":"big"}}}"#,
        #"{"type":"ADDED","object":{"metadata":"#,
        #"{"type":"EXPLODED","object":{}}"#,
        #"{"object":{}}"#,
        #"{"type":"ADDED"}"#,
        #"{"type":"BOOKMARK","object":{"metadata":{}}}"#,
        #"[1,2,3]"#,
        "\u{0}\u{1}garbage",
    ])
    func malformedFramesThrowDecodingErrors(frame: String) async throws {
        let watch = ScriptedWatch()
        watch.send(bytes: Array((frame + "\n").utf8))
        watch.finish()
        let error = await #expect(throws: KubeError.self) { for try await _ in try await open(watch) {} }
        guard case .decoding(let failure)? = error else {
            Issue.record("expected decoding error, got \(String(describing: error))")
            return
        }
        #expect(failure.request.hasPrefix("GET \(path)?watch=true"))
    }

    @Test func typedDecodeFailureNamesTheObjectAndField() async throws {
        let watch = ScriptedWatch()
        watch.send(.modified, ["metadata": ["name": "w1", "namespace": "ns"], "spec": ["size": "big"]])
        let error = await #expect(throws: KubeError.self) { for try await _ in try await open(watch) {} }
        guard case .decoding(let failure)? = error else { return }
        #expect(failure.expected == "Widget ns/w1")
        #expect(failure.message.hasPrefix("spec.size"))
    }

    @Test func oversizedEventFailsInsteadOfBuffering() async throws {
        let watch = ScriptedWatch()
        let transport = ScriptedTransport()
        transport.on(.get, path, reply: .stream(watch))
        let stream = try await KubeClient(transport: transport).watch(
            Widget.self, namespace: "default", options: WatchOptions(maximumEventBytes: 1000))
        for _ in 0..<5 { watch.send(bytes: Array(repeating: UInt8(ascii: "x"), count: 400)) }
        let error = await #expect(throws: KubeError.self) { for try await _ in stream {} }
        guard case .transport(let t)? = error else { return }
        #expect(t.kind == .responseTooLarge)
        #expect(watch.isClosedByClient)
    }

    @Test func transportFailureMidStreamIsWrapped() async throws {
        let watch = ScriptedWatch()
        watch.send(.added, widgetJSON("a"))
        watch.fail(TransportError(.io, "connection reset"))
        var names: [String] = []
        let error = await #expect(throws: KubeError.self) {
            for try await e in try await open(watch) { names.append(e.object?.name ?? "") }
        }
        #expect(names == ["a"])
        guard case .transport(let t)? = error else { return }
        #expect(t.kind == .io)
    }

    @Test func droppingTheStreamReleasesTheConnection() async throws {
        let watch = ScriptedWatch()
        watch.send(.added, widgetJSON("a"))
        watch.send(.added, widgetJSON("b"))
        do {
            let stream = try await open(watch)
            for try await _ in stream { break }
        }
        try await eventually("stream closed") { watch.isClosedByClient }
    }

    @Test func cancellingTheConsumingTaskEndsTheWatch() async throws {
        let watch = ScriptedWatch()
        let stream = try await open(watch)
        watch.send(.added, widgetJSON("a"))
        let consumer = Task {
            var count = 0
            for try await _ in stream { count += 1 }
            return count
        }
        consumer.cancel()
        let result = await consumer.result
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(watch.isClosedByClient)
    }

    @Test func dynamicWatchYieldsJSONObjects() async throws {
        let watch = ScriptedWatch()
        watch.send(.added, ["metadata": ["name": "x"], "extra": ["kept": true]])
        watch.finish()
        let transport = ScriptedTransport()
        transport.on(.get, "/apis/test.gantry.dev/v1/widgets", reply: .stream(watch))
        var objects: [JSONValue] = []
        for try await e in try await KubeClient(transport: transport).watch(Widget.descriptor) {
            if let o = e.object { objects.append(o) }
        }
        #expect(objects == [["metadata": ["name": "x"], "extra": ["kept": true]]])
    }
}
