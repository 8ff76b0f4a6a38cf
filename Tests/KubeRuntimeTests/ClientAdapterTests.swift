// The runtime over KubeClient with the client's scripted transport: what the watcher asks the API server
// for (paging, selectors, resume points) and how it reacts; finalizer and status helpers retrying on
// conflicts; the lease lock and the event sink on the wire.

import Foundation
import KubeClient
import KubeCore
import Testing
@testable import KubeRuntime

private let widgets = "/apis/test.gantry.dev/v1/namespaces/team-a/widgets"

private func isWatch(_ query: [QueryItem]) -> Bool { query.contains { $0.name == "watch" } }

private func query(_ request: TransportRequest) -> [String: String] {
    Dictionary(request.query.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
}

private func body(_ request: TransportRequest) throws -> JSONValue { try JSONParser.parse(request.body ?? []) }

private func list(_ items: [Widget], rv: String, continueToken: String? = nil) throws -> ScriptedTransport.Reply {
    try .object(KubeList(apiVersion: "test.gantry.dev/v1", kind: "WidgetList",
                         metadata: ListMeta(resourceVersion: rv, continueToken: continueToken), items: items))
}

struct ClientWatcherTests {
    @Test func informerPagesWatchesResumesFollowsBookmarksAndRelistsOnGone() async throws {
        let transport = ScriptedTransport()
        let w1 = Widget("w1", namespace: "team-a", rv: "3"), w2 = Widget("w2", namespace: "team-a", rv: "4")
        transport.on(.get, widgets, query: { !isWatch($0) }, reply:
            try list([w1], rv: "10", continueToken: "c1"),
            try list([w2], rv: "10"),
            try list([w1], rv: "30"))
        let first = ScriptedWatch(), second = ScriptedWatch(), third = ScriptedWatch(), fourth = ScriptedWatch()
        transport.on(.get, widgets, query: isWatch, reply: .stream(first), .stream(second), .stream(third), .stream(fourth))
        try first.send(.added, object: Widget("w3", namespace: "team-a", rv: "11"))
        first.fail(TransportError(.io, "connection reset", request: "watch"))
        second.sendBookmark(resourceVersion: "20")
        second.finish()
        third.sendError(Status(message: "too old resource version: 20 (25)", reason: "Expired", code: 410))

        let client = KubeClient(transport: transport)
        let informer = Informer<Widget>(client: client, namespace: "team-a", labelSelector: "app=web", fieldSelector: "spec.size=1",
                                        configuration: .init(backoff: RetryBackoff(initial: .milliseconds(1), maximum: .milliseconds(2))))
        let deleted = Recorder<String>()
        informer.subscribe { change in
            if case .deleted(let w) = change { deleted.append(w.name) }
        }
        try await whileRunning([informer]) {
            #expect(await eventually { transport.requests.filter { isWatch($0.query) }.count == 4 })
        }
        let lists = transport.requests.filter { !isWatch($0.query) }.map(query)
        let watches = transport.requests.filter { isWatch($0.query) }.map(query)
        #expect(lists.map { $0["limit"] } == ["500", "500", "500"])
        #expect(lists.map { $0["continue"] } == [nil, "c1", nil])
        #expect(lists.allSatisfy { $0["labelSelector"] == "app=web" && $0["fieldSelector"] == "spec.size=1" })
        // From the list's version, then the last event's, then the bookmark's, then the relist's.
        #expect(watches.map { $0["resourceVersion"] } == ["10", "11", "20", "30"])
        #expect(watches.allSatisfy { $0["allowWatchBookmarks"] == "true" && $0["timeoutSeconds"] == "290" })
        #expect(watches.allSatisfy { $0["labelSelector"] == "app=web" && $0["fieldSelector"] == "spec.size=1" })
        #expect(Set(deleted.values) == ["w2", "w3"])
        #expect(informer.store.keys == [ObjectKey("team-a/w1")])
        #expect(fourth.isClosedByClient)
    }
}

struct ClientHelperTests {
    static let path = "/apis/test.gantry.dev/v1/namespaces/team-a/widgets/w"

    static func conflict() -> ScriptedTransport.Reply {
        .status(Status(message: "the object has been modified", reason: "Conflict", code: 409))
    }

    @Test func addingAFinalizerRetriesFromAFreshReadWhenTheGuardFails() async throws {
        let transport = ScriptedTransport()
        var stale = Widget("w", namespace: "team-a", rv: "5")
        var fresh = Widget("w", namespace: "team-a", rv: "7")
        fresh.metadata.finalizers = ["other.dev/keep"]
        var done = fresh
        done.metadata.finalizers = ["other.dev/keep", "gantry.dev/cleanup"]
        transport.on(.patch, Self.path, reply:
            .status(Status(message: "testing value /metadata/resourceVersion failed", reason: "Invalid", code: 422)),
            try .object(done))
        transport.on(.get, Self.path, reply: try .object(fresh))
        let client = KubeClient(transport: transport)

        let result = try await client.addFinalizer("gantry.dev/cleanup", to: stale, clock: ManualClockless())
        #expect(result.metadata.finalizers == ["other.dev/keep", "gantry.dev/cleanup"])
        let patches = transport.requests.filter { $0.method == .patch }
        #expect(patches.count == 2)
        #expect(patches.allSatisfy { $0.headers["Content-Type"] == "application/json-patch+json" })
        #expect(try body(patches[0]) == [
            ["op": "test", "path": "/metadata/resourceVersion", "value": "5"],
            ["op": "add", "path": "/metadata/finalizers", "value": ["gantry.dev/cleanup"]],
        ])
        #expect(try body(patches[1]) == [
            ["op": "test", "path": "/metadata/finalizers", "value": ["other.dev/keep"]],
            ["op": "add", "path": "/metadata/finalizers/-", "value": "gantry.dev/cleanup"],
        ])

        // Already there, or being deleted: no request.
        stale.metadata.finalizers = ["gantry.dev/cleanup"]
        let before = transport.requests.count
        _ = try await client.addFinalizer("gantry.dev/cleanup", to: stale)
        stale.metadata.finalizers = nil
        stale.metadata.deletionTimestamp = Time(secondsSinceEpoch: 1)
        _ = try await client.addFinalizer("gantry.dev/cleanup", to: stale)
        #expect(transport.requests.count == before)
    }

    @Test func removingAFinalizerTestsItsIndexAndRetriesOnConflict() async throws {
        let transport = ScriptedTransport()
        var stale = Widget("w", namespace: "team-a", rv: "5")
        stale.metadata.finalizers = ["a.dev/x", "gantry.dev/cleanup"]
        var fresh = Widget("w", namespace: "team-a", rv: "6")
        fresh.metadata.finalizers = ["gantry.dev/cleanup"]
        transport.on(.patch, Self.path, reply: Self.conflict(), try .object(Widget("w", namespace: "team-a", rv: "8")))
        transport.on(.get, Self.path, reply: try .object(fresh))
        let client = KubeClient(transport: transport)
        _ = try await client.removeFinalizer("gantry.dev/cleanup", from: stale, clock: ManualClockless())
        let patches = transport.requests.filter { $0.method == .patch }
        #expect(try body(patches[0]) == [
            ["op": "test", "path": "/metadata/finalizers/1", "value": "gantry.dev/cleanup"],
            ["op": "remove", "path": "/metadata/finalizers/1"],
        ])
        #expect(try body(patches[1]) == [
            ["op": "test", "path": "/metadata/finalizers/0", "value": "gantry.dev/cleanup"],
            ["op": "remove", "path": "/metadata/finalizers/0"],
        ])
    }

    @Test func aFinalizerIsRemovedOnlyAfterCleanupFinishes() async throws {
        let transport = ScriptedTransport()
        var deleting = Widget("w", namespace: "team-a", rv: "5")
        deleting.metadata.finalizers = ["gantry.dev/cleanup"]
        deleting.metadata.deletionTimestamp = Time(secondsSinceEpoch: 1_800_000_000)
        transport.on(.patch, Self.path, reply: try .object(Widget("w", namespace: "team-a", rv: "6")))
        let client = KubeClient(transport: transport)
        let calls = Recorder<String>()

        let pending = try await client.withFinalizer("gantry.dev/cleanup", on: deleting) { event in
            if case .cleanup = event { calls.append("cleanup") }
            return .requeue(after: .seconds(5))
        }
        #expect(pending == .requeue(after: .seconds(5)))
        #expect(transport.requests.isEmpty)
        let finished = try await client.withFinalizer("gantry.dev/cleanup", on: deleting) { _ in .done }
        #expect(finished == .done)
        #expect(transport.requests.map(\.method) == [.patch])

        // A live object without the finalizer gets it before apply runs.
        let live = Widget("w", namespace: "team-a", rv: "9")
        var added = live
        added.metadata.finalizers = ["gantry.dev/cleanup"]
        transport.on(.patch, Self.path, reply: try .object(added))
        _ = try await client.withFinalizer("gantry.dev/cleanup", on: live) { event in
            if case .apply(let w) = event { calls.append("apply \(w.metadata.finalizers ?? [])") }
            return .done
        }
        #expect(calls.values == ["cleanup", "apply [\"gantry.dev/cleanup\"]"])
    }

    @Test func statusUpdatesReapplyTheChangeToAFreshReadOnConflict() async throws {
        let transport = ScriptedTransport()
        let stale = Widget("w", namespace: "team-a", rv: "5", generation: 1)
        var fresh = Widget("w", namespace: "team-a", rv: "9", generation: 2)
        fresh.spec?.size = 3
        transport.on(.put, Self.path + "/status", reply: Self.conflict(), .handler { request in
            TransportResponse(status: 200, headers: ["Content-Type": "application/json"], body: request.body ?? [])
        })
        transport.on(.get, Self.path, reply: try .object(fresh))
        let client = KubeClient(transport: transport)

        let written = try await client.updateStatus(stale, clock: ManualClockless()) { widget in
            widget.status = Widget.WidgetStatus(observedSize: widget.spec?.size, observedGeneration: widget.metadata.generation)
        }
        #expect(written.status?.observedSize == 3)
        #expect(written.status?.observedGeneration == 2)
        let puts = transport.requests.filter { $0.method == .put }
        #expect(puts.count == 2)
        #expect(try body(puts[0])["metadata"]?["resourceVersion"] == "5")
        #expect(try body(puts[1])["metadata"]?["resourceVersion"] == "9")

        // Nothing to change: nothing written.
        let same = try await client.updateStatus(written) { widget in
            widget.status?.observedSize = 3
        }
        #expect(same == written)
        #expect(transport.requests.filter { $0.method == .put }.count == 2)
    }

    @Test func conflictsBeyondTheAttemptsAreRethrown() async throws {
        let transport = ScriptedTransport()
        transport.on(.put, Self.path + "/status", repeatLast: true, reply: Self.conflict())
        transport.on(.get, Self.path, repeatLast: true, reply: try .object(Widget("w", namespace: "team-a", rv: "9")))
        let client = KubeClient(transport: transport)
        let error = await #expect(throws: KubeError.self) {
            _ = try await client.updateStatus(Widget("w", namespace: "team-a"), attempts: 3, clock: ManualClockless()) {
                $0.status = Widget.WidgetStatus(observedSize: 1)
            }
        }
        #expect(error?.isConflict == true)
        #expect(transport.requests.filter { $0.method == .put }.count == 3)
    }
}

struct ClientLeaseAndEventTests {
    static let lease = "/apis/coordination.k8s.io/v1/namespaces/gantry-system/leases/widgets-controller"

    @Test func leaseLockReadsCreatesAndUpdatesKeepingUnmodelledFields() async throws {
        let transport = ScriptedTransport()
        transport.on(.get, Self.lease, reply: .status(Status(message: "not found", reason: "NotFound", code: 404)),
                     .json([
                        "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                        "metadata": ["name": "widgets-controller", "namespace": "gantry-system", "resourceVersion": "41"],
                        "spec": ["holderIdentity": "old", "leaseDurationSeconds": 15, "leaseTransitions": 2,
                                 "strategy": "OldestEmulationVersion", "futureField": "kept"],
                     ]))
        transport.on(.post, "/apis/coordination.k8s.io/v1/namespaces/gantry-system/leases", reply: .handler { request in
            var created = try JSONParser.parse(request.body ?? [])
            created["metadata"]?["resourceVersion"] = "40"
            return TransportResponse(status: 201, headers: ["Content-Type": "application/json"], body: JSONWriter.write(created))
        })
        transport.on(.put, Self.lease, reply: .handler { request in
            var updated = try JSONParser.parse(request.body ?? [])
            updated["metadata"]?["resourceVersion"] = "42"
            return TransportResponse(status: 200, headers: ["Content-Type": "application/json"], body: JSONWriter.write(updated))
        }, .status(Status(message: "the object has been modified", reason: "Conflict", code: 409)))
        let lock = ClientLeaseLock(client: KubeClient(transport: transport), namespace: "gantry-system", name: "widgets-controller")

        #expect(try await lock.get() == nil)
        let renew = MicroTime(microsecondsSinceEpoch: 1_800_000_000_123_456)
        let record = LeaderElectionRecord(holderIdentity: "me", leaseDurationSeconds: 15, acquireTime: renew, renewTime: renew,
                                          leaseTransitions: 0)
        #expect(try await lock.create(record) == "40")
        let created = try body(transport.requests[1])
        #expect(created["spec"]?["renewTime"] == "2027-01-15T08:00:00.123456Z")
        #expect(created["spec"]?["holderIdentity"] == "me")

        let current = try #require(try await lock.get())
        #expect(current.version == "41")
        #expect(current.record.holderIdentity == "old" && current.record.leaseTransitions == 2)
        var takeover = record
        takeover.leaseTransitions = 3
        #expect(try await lock.update(takeover, version: current.version) == "42")
        let put = try body(transport.requests[3])
        #expect(put["metadata"]?["resourceVersion"] == "41")
        #expect(put["spec"]?["holderIdentity"] == "me")
        #expect(put["spec"]?["leaseTransitions"] == 3)
        #expect(put["spec"]?["strategy"] == "OldestEmulationVersion")
        #expect(put["spec"]?["futureField"] == "kept")
        let error = await #expect(throws: KubeError.self) { _ = try await lock.update(record, version: "42") }
        #expect(error?.isConflict == true)
    }

    @Test func eventSinkCreatesEventsAndPatchesRepeats() async throws {
        let transport = ScriptedTransport()
        transport.on(.post, "/api/v1/namespaces/team-a/events", reply: .handler { request in
            TransportResponse(status: 201, headers: ["Content-Type": "application/json"], body: request.body ?? [])
        })
        transport.on(.patch, "/api/v1/namespaces/team-a/events/w.1", reply: .json(["kind": "Event", "metadata": ["name": "w.1"]]))
        let sink = ClientEventSink(client: KubeClient(transport: transport))
        let widget = Widget("w", namespace: "team-a")
        var event = Event(metadata: ObjectMeta(name: "w.1", namespace: "team-a"), involvedObject: widget.objectReference,
                          reason: "Placed", message: "ok", count: 1, type: "Normal")
        event.lastTimestamp = Time(secondsSinceEpoch: 1_800_000_000)
        try await sink.create(event)
        event.count = 4
        event.lastTimestamp = Time(secondsSinceEpoch: 1_800_000_060)
        try await sink.update(event)
        let created = try body(transport.requests[0])
        #expect(created["involvedObject"]?["kind"] == "Widget")
        #expect(created["involvedObject"]?["uid"] == "uid-w")
        #expect(transport.requests[1].headers["Content-Type"] == "application/merge-patch+json")
        #expect(try body(transport.requests[1]) == ["count": 4, "lastTimestamp": "2027-01-15T08:01:00Z"])
    }
}

/// A clock whose sleeps return at once: retries in these tests need no real pauses.
struct ManualClockless: RuntimeClock {
    var now: ContinuousClock.Instant { ContinuousClock.now }
    var wallTime: Date { Date() }
    func sleep(until deadline: ContinuousClock.Instant) async throws { try Task.checkCancellation() }
    func schedule(at deadline: ContinuousClock.Instant, _ action: @escaping @Sendable () -> Void) -> ScheduledTimer {
        action()
        return ScheduledTimer {}
    }
}
