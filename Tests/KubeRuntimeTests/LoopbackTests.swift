// The runtime over real libcurl against a fake API server on the HTTPServer (loopback): an informer that
// pages, resumes after dropped connections, follows bookmarks and relists after 410 noticing deletions;
// finalizer and status helpers meeting real conflicts; leader election and events through the real client.

import Foundation
import KubeClient
import KubeCore
import Testing
@testable import KubeRuntime

private let widgets = "/apis/test.gantry.dev/v1/namespaces/default/widgets"

private func json(_ widget: Widget) throws -> JSONValue { try JSONValueEncoder().encode(widget) }

/// Watch requests' resourceVersion parameters, in order.
private func watchVersions(_ api: FakeAPIServer) -> [String] {
    api.requests.filter { $0.contains("watch=true") }.compactMap { request in
        URLComponents(string: "http://x" + request.dropFirst(4))?.queryItems?.first { $0.name == "resourceVersion" }?.value
    }
}

private func listCount(_ api: FakeAPIServer) -> Int {
    api.requests.filter { $0.hasPrefix("GET \(widgets)") && !$0.contains("watch=true") }.count
}

struct LoopbackInformerTests {
    @Test func pagesResumesFollowsBookmarksAndRelistsAfterExpiry() async throws {
        let api = try FakeAPIServer()
        defer { api.stop() }
        for i in 1...5 { api.put(widgets, try json(Widget("w\(i)", rv: nil))) }
        let informer = Informer<Widget>(client: try api.client(), namespace: "default",
                                        configuration: .init(pageSize: 2, backoff: RetryBackoff(initial: .milliseconds(5),
                                                                                                maximum: .milliseconds(20))))
        let changes = Recorder<String>()
        informer.subscribe { change in
            switch change {
            case .added(let w): changes.append("added \(w.name)")
            case .updated(_, let w): changes.append("updated \(w.name) size=\(w.spec?.size ?? 0)")
            case .deleted(let w): changes.append("deleted \(w.name)")
            }
        }
        try await whileRunning([informer]) {
            #expect(await eventually { informer.hasSynced && api.watchCount == 1 })
            #expect(listCount(api) == 3)  // 5 objects in pages of 2
            #expect(api.requests.contains { $0.contains("limit=2") && $0.contains("continue=4") })

            // A change arrives over the watch.
            var w1 = Widget("w1", rv: nil)
            w1.spec?.size = 7
            api.put(widgets, try json(w1))
            #expect(await eventually { informer.store.get(ObjectKey("default/w1"))?.spec?.size == 7 })
            let seen = api.resourceVersion

            // The connection breaks; a change made meanwhile is replayed after resuming from the last version.
            api.dropWatches()
            w1.spec?.size = 8
            api.put(widgets, try json(w1))
            #expect(await eventually { informer.store.get(ObjectKey("default/w1"))?.spec?.size == 8 })
            #expect(watchVersions(api).last == String(seen))
            #expect(listCount(api) == 3)

            // A bookmark moves the resume point without an event.
            api.sendBookmarks()
            let bookmark = api.resourceVersion
            try await Task.sleep(for: .milliseconds(50))
            api.dropWatches()
            #expect(await eventually { watchVersions(api).count == 3 && api.watchCount == 1 })
            #expect(watchVersions(api).last == String(bookmark))

            // History is compacted while disconnected and w2 is deleted: the resume gets 410, the informer
            // relists and reports the deletion.
            let watchesBefore = watchVersions(api).count
            api.refuseWatches(true)
            api.dropWatches()
            api.remove(widgets, "w2")
            api.compact()
            api.refuseWatches(false)
            #expect(await eventually { informer.store.get(ObjectKey("default/w2")) == nil })
            #expect(await eventually { api.watchCount == 1 })
            #expect(listCount(api) == 5)  // the relist: 4 objects in pages of 2
            #expect(watchVersions(api).count >= watchesBefore + 2)
        }
        #expect(changes.values.filter { $0.hasPrefix("added") }.count == 5)
        #expect(changes.values.contains("updated w1 size=7"))
        #expect(changes.values.contains("updated w1 size=8"))
        #expect(changes.values.filter { $0 == "deleted w2" }.count == 1)
        #expect(informer.store.count == 4)
    }
}

struct LoopbackHelperTests {
    @Test func finalizerAndStatusHelpersWinAgainstConcurrentWriters() async throws {
        let api = try FakeAPIServer()
        defer { api.stop() }
        let client = try api.client()
        let created = try await client.create(Widget("w", rv: nil))

        // Someone else adds their finalizer after we read the object: our guard fails, we re-read, both stay.
        var theirs = try await client.get(Widget.self, name: "w", namespace: "default")
        theirs.metadata.finalizers = ["other.dev/keep"]
        _ = try await client.update(theirs)
        let withOurs = try await client.addFinalizer("gantry.dev/cleanup", to: created)
        #expect(withOurs.metadata.finalizers == ["other.dev/keep", "gantry.dev/cleanup"])
        let patchCount = api.requests.filter { $0.hasPrefix("PATCH") }.count
        #expect(patchCount == 2)

        // Removing ours from a stale copy where it sits at another index leaves theirs alone.
        var stale = withOurs
        stale.metadata.finalizers = ["gantry.dev/cleanup"]
        let without = try await client.removeFinalizer("gantry.dev/cleanup", from: stale)
        #expect(without.metadata.finalizers == ["other.dev/keep"])

        // A status write from a stale copy conflicts, then succeeds on the fresh object.
        var spec = without
        spec.spec?.size = 5
        _ = try await client.update(spec)
        let written = try await client.updateStatus(created) { widget in
            widget.status = Widget.WidgetStatus(observedSize: widget.spec?.size)
        }
        #expect(written.status?.observedSize == 5)
        #expect(api.object(widgets, "w")?["status"]?["observedSize"] == 5)
        #expect(api.requests.filter { $0.hasPrefix("PUT \(widgets)/w/status") }.count == 2)
    }

    @Test func leaderElectionHandsOverThroughTheAPI() async throws {
        let api = try FakeAPIServer()
        defer { api.stop() }
        let client = try api.client()
        func elector(_ id: String, log: LeadershipLogReal) -> LeaderElector {
            LeaderElector(lock: ClientLeaseLock(client: client, namespace: "default", name: "widgets"),
                          configuration: LeaderElectionConfiguration(identity: id, leaseDuration: .seconds(3),
                                                                     renewDeadline: .seconds(2), retryPeriod: .milliseconds(100)),
                          onChange: log.observer(id))
        }
        let log = LeadershipLogReal()
        let a = elector("a", log: log), b = elector("b", log: log)
        let stopA = Gate()
        let runA = Task { try await a.run { await stopA.wait() } }
        #expect(await eventually { await a.isLeader })
        let runB = Task { try await b.run { await Gate().wait() } }
        try await Task.sleep(for: .milliseconds(300))
        #expect(await !b.isLeader)
        stopA.open()
        try await runA.value
        #expect(await eventually { await b.isLeader })
        let lease = try #require(api.object("/apis/coordination.k8s.io/v1/namespaces/default/leases", "widgets"))
        #expect(lease["spec"]?["holderIdentity"] == "b")
        #expect(lease["spec"]?["leaseTransitions"] == 1)
        #expect(log.overlaps == 0)
        runB.cancel()
        _ = try? await runB.value
    }

    @Test func repeatedEventsAggregateIntoOneObject() async throws {
        let api = try FakeAPIServer()
        defer { api.stop() }
        let recorder = EventRecorder(component: "widgets", sink: ClientEventSink(client: try api.client()))
        let run = Task { try await recorder.run() }
        let widget = Widget("w")
        for _ in 0..<3 { recorder.record(.warning, reason: "Stuck", message: "no capacity", on: widget) }
        recorder.record(.normal, reason: "Placed", message: "on n1", on: widget)
        recorder.finish()
        try await run.value
        let requests = api.requests.filter { $0.contains("/events") }
        #expect(requests.filter { $0.hasPrefix("POST") }.count == 2)
        #expect(requests.filter { $0.hasPrefix("PATCH") }.count == 2)
        let stored = try await api.client().list(Event.self, namespace: "default").items
        #expect(stored.count == 2)
        let stuck = try #require(stored.first { $0.reason == "Stuck" })
        #expect(stuck.count == 3)
        #expect(stuck.involvedObject.name == "w" && stuck.type == "Warning")
        #expect(stored.first { $0.reason == "Placed" }?.count == 1)
    }
}

/// Leadership changes on the real clock, counting overlaps.
final class LeadershipLogReal: Sendable {
    private let state = TestBox<(leaders: Set<String>, overlaps: Int)>(([], 0))
    func observer(_ id: String) -> @Sendable (LeadershipChange) -> Void {
        { [self] change in
            state.withLock { s in
                if change == .started {
                    if !s.leaders.isEmpty { s.overlaps += 1 }
                    s.leaders.insert(id)
                } else {
                    s.leaders.remove(id)
                }
            }
        }
    }
    var overlaps: Int { state.value.overlaps }
}
