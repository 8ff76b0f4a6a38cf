// The example controller end to end against the fake API server over real HTTP: it writes the owned
// ConfigMap, status and condition, follows a spec change, cleans up behind its finalizer on deletion,
// records events, serves probes, and releases its lease when stopped.

import Foundation
import KubeClient
import KubeCore
import Testing
@testable import KubeRuntime

struct ExampleControllerTests {
    @Test func theExampleControllerConvergesCleansUpAndStops() async throws {
        let api = try FakeAPIServer()
        defer { api.stop() }
        let client = try api.client()
        var widget = try await client.create(Widget("w1", rv: nil))
        let manager = await widgetManager(client: client, identity: "pod-a", production: false)
        let run = Task { try await manager.run() }

        let configs = "/api/v1/namespaces/default/configmaps"
        let widgets = "/apis/test.gantry.dev/v1/namespaces/default/widgets"
        #expect(await eventually { api.object(configs, "w1-config")?["data"]?["size"] == "1" })
        let config = try #require(api.object(configs, "w1-config"))
        #expect(config["metadata"]?["ownerReferences"]?[0]?["uid"] == widget.metadata.uid.map(JSONValue.string))
        #expect(await eventually { api.object(widgets, "w1")?["status"]?["observedSize"] == 1 })
        let stored = try await client.get(Widget.self, name: "w1", namespace: "default")
        #expect(stored.metadata.finalizers == ["test.gantry.dev/cleanup"])
        #expect(stored.status?.conditions?.isTrue("Ready", atGeneration: stored.metadata.generation) == true)
        let port = try #require(await manager.probePort)
        #expect(await eventually { (try? await LoopbackHTTP.get(port: port, path: "/readyz").status) == 200 })
        // The controller reports into the process-wide registry the manager serves.
        let requeues = { @Sendable () async -> Double in
            let text = (try? await LoopbackHTTP.get(port: port, path: "/metrics").body) ?? ""
            let labels = ["controller": "widgets", "result": "requeue_after"]
            return (try? PrometheusText.parse(text))?.value("controller_runtime_reconcile_total", labels) ?? 0
        }
        #expect(await eventually { await requeues() >= 1 })
        let metrics = try PrometheusText.parse(try await LoopbackHTTP.get(port: port, path: "/metrics").body)
        #expect(metrics.value("leader_election_master_status", ["name": "default/widget-controller"]) == 1)
        #expect(metrics.value("workqueue_depth", ["controller": "widgets", "name": "widgets"]) != nil)

        // A spec change (new generation) is followed.
        widget = try await client.get(Widget.self, name: "w1", namespace: "default")
        widget.spec?.size = 4
        _ = try await client.update(widget)
        #expect(await eventually { api.object(configs, "w1-config")?["data"]?["size"] == "4" })
        #expect(await eventually { api.object(widgets, "w1")?["status"]?["observedSize"] == 4 })

        // Deletion waits for the cleanup, which removes the finalizer.
        _ = try await client.delete(Widget.self, name: "w1", namespace: "default")
        #expect(await eventually { api.object(widgets, "w1") == nil })
        let events = try await client.list(Event.self, namespace: "default").items
        #expect(Set(events.compactMap(\.reason)) == ["Created", "CleanedUp"])

        manager.requestShutdown()
        try await run.value
        let lease = try #require(api.object("/apis/coordination.k8s.io/v1/namespaces/default/leases", "widget-controller"))
        #expect(lease["spec"]?["holderIdentity"] == "")
    }
}
