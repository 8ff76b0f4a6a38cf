// Integration: the real KubeClient over libcurl against the dev cluster on a loopback socket (port 0).
// CRUD and conflicts, paging, watches (events, bookmarks, 410 and re-list, dropped streams,
// sendInitialEvents), server-side apply, custom resources with validation and scale, binding and
// eviction, and fault modes as a client sees them.

import Foundation
import HTTPServer
import KubeClient
import KubeCore
import Testing

@testable import DevCluster

final class LiveCluster: Sendable {
    let server: DevClusterServer
    let client: KubeClient

    init(faults: FaultConfig = FaultConfig(), historyCapacity: Int = 10_000) throws {
        let api = APIServer(store: ObjectStore(historyCapacity: historyCapacity), faults: FaultInjector(faults))
        server = try DevClusterServer(api: api, port: 0)
        server.start()
        client = try KubeClient(configuration: server.clientConfiguration)
    }

    var api: APIServer { server.api }

    func stop() { server.stop() }
}

let configMaps = ResourceDescriptor(group: "", version: "v1", kind: "ConfigMap", plural: "configmaps", namespaced: true)
let pods = ResourceDescriptor(group: "", version: "v1", kind: "Pod", plural: "pods", namespaced: true)
let crds = ResourceDescriptor(group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition",
                              plural: "customresourcedefinitions", namespaced: false)
let widgets = ResourceDescriptor(group: "example.dev", version: "v1", kind: "Widget", plural: "widgets", namespaced: true)

struct KubeClientIntegrationTests {
    @Test func crudAndOptimisticConcurrency() async throws {
        let c = try LiveCluster()
        defer { c.stop() }
        let created = try await c.client.create(configMaps, TestCluster.configMap("a"), namespace: "default")
        #expect(created["metadata"]?["uid"] != nil)
        var stale = created
        var fresh = created
        fresh["data"] = ["k": "2"]
        let updated = try await c.client.update(configMaps, fresh)
        #expect(updated["data"]?["k"] == "2")
        stale["data"] = ["k": "3"]
        await #expect { try await c.client.update(configMaps, stale) } throws: { ($0 as? KubeError)?.isConflict == true }
        await #expect { try await c.client.create(configMaps, TestCluster.configMap("a"), namespace: "default") } throws: {
            ($0 as? KubeError)?.isAlreadyExists == true
        }
        _ = try await c.client.delete(configMaps, name: "a", namespace: "default")
        await #expect { try await c.client.get(configMaps, name: "a", namespace: "default") } throws: { ($0 as? KubeError)?.isNotFound == true }
    }

    @Test func listAllPagesThroughContinueTokens() async throws {
        let c = try LiveCluster()
        defer { c.stop() }
        for i in 0..<25 { _ = try await c.client.create(configMaps, TestCluster.configMap(String(format: "cm-%02d", i)), namespace: "default") }
        let all = try await c.client.listAll(configMaps, namespace: "default", options: ListOptions(limit: 7))
        #expect(all.items.count == 25)
        #expect(all.items.last?["metadata"]?["name"] == "cm-24")
        let page = try await c.client.list(configMaps, namespace: "default", options: ListOptions(limit: 7))
        #expect(page.items.count == 7)
        #expect(page.metadata.remainingItemCount == 18)
    }

    @Test func watchEventsBookmarksAndInitialEvents() async throws {
        let c = try LiveCluster()
        defer { c.stop() }
        _ = try await c.client.create(configMaps, TestCluster.configMap("before"), namespace: "default")
        let stream = try await c.client.watch(configMaps, namespace: "default",
                                              options: WatchOptions(allowWatchBookmarks: true, sendInitialEvents: true))
        var iterator = stream.makeAsyncIterator()
        guard case .added(let initial)? = try await iterator.next() else { Issue.record("expected ADDED"); return }
        #expect(initial["metadata"]?["name"] == "before")
        guard case .bookmark(let end)? = try await iterator.next() else { Issue.record("expected the initial-events-end bookmark"); return }
        #expect(end.isInitialEventsEnd)
        _ = try await c.client.create(configMaps, TestCluster.configMap("after"), namespace: "default")
        _ = try await c.client.patch(configMaps, name: "after", namespace: "default", patch: .merge(["data": ["k": "x"]]))
        _ = try await c.client.delete(configMaps, name: "after", namespace: "default")
        var types: [WatchEventType] = []
        while types.count < 3, let e = try await iterator.next() {
            if case .bookmark = e { continue }
            types.append(e.type)
        }
        #expect(types == [.added, .modified, .deleted])
        stream.close()
    }

    @Test func expiredVersionThrowsExpiredAndARelistRecovers() async throws {
        let c = try LiveCluster()
        defer { c.stop() }
        let list = try await c.client.list(configMaps, namespace: "default")
        _ = try await c.client.create(configMaps, TestCluster.configMap("a"), namespace: "default")
        c.api.expireResourceVersions()
        let stream = try await c.client.watch(configMaps, namespace: "default",
                                              options: WatchOptions(resourceVersion: list.metadata.resourceVersion))
        await #expect { for try await _ in stream {} } throws: { ($0 as? KubeError)?.isExpired == true }
        let relist = try await c.client.list(configMaps, namespace: "default")
        #expect(relist.items.count == 1)
        let again = try await c.client.watch(configMaps, namespace: "default", options: WatchOptions(resourceVersion: relist.metadata.resourceVersion))
        _ = try await c.client.create(configMaps, TestCluster.configMap("b"), namespace: "default")
        var it = again.makeAsyncIterator()
        var event = try await it.next()
        while case .bookmark? = event { event = try await it.next() }
        #expect(event?.object?["metadata"]?["name"] == "b")
        again.close()
    }

    @Test func droppedWatchEndsTheStream() async throws {
        let c = try LiveCluster()
        defer { c.stop() }
        let stream = try await c.client.watch(configMaps, namespace: "default", options: WatchOptions(allowWatchBookmarks: false))
        let consumer = Task { () -> Bool in
            do {
                for try await _ in stream {}
                return true
            } catch {
                return true
            }
        }
        try await Task.sleep(nanoseconds: 100_000_000)
        c.api.dropWatches()
        #expect(await consumer.value)
    }

    @Test func serverSideApplyAndCustomResources() async throws {
        let c = try LiveCluster()
        defer { c.stop() }
        _ = try await c.client.create(crds, TestCluster.widgetCRD)
        var w = TestCluster.widget("w")
        w["metadata"]?["namespace"] = "default"
        let applied = try await c.client.apply(widgets, w, fieldManager: "tests")
        #expect(applied["spec"]?["replicas"] == 1)
        #expect(applied["metadata"]?["managedFields"]?[0]?["manager"] == "tests")
        var bad = TestCluster.widget("bad", color: "purple")
        bad["metadata"]?["namespace"] = "default"
        await #expect { try await c.client.create(widgets, bad) } throws: { error in
            guard case .invalid(let info)? = error as? KubeError else { return false }
            return info.status.details?.causes?.first?.field == "spec.color"
        }
        var scale = try await c.client.getScale(widgets, name: "w", namespace: "default")
        #expect(scale.spec.replicas == 1)
        scale.spec.replicas = 3
        _ = try await c.client.updateScale(widgets, scale, namespace: "default")
        #expect(try await c.client.get(widgets, name: "w", namespace: "default")["spec"]?["replicas"] == 3)
    }

    @Test func bindAndEvict() async throws {
        let c = try LiveCluster()
        defer { c.stop() }
        let pod = try await c.client.create(pods, TestCluster.pod("p"), namespace: "default")
        try await c.client.bind(pod: "p", namespace: "default", podUID: pod["metadata"]?["uid"]?.stringValue, node: "n1",
                                annotations: ["gantry.dev/node": "n1"])
        let bound = try await c.client.get(pods, name: "p", namespace: "default")
        #expect(bound["spec"]?["nodeName"] == "n1")
        await #expect { try await c.client.bind(pod: "p", namespace: "default", node: "n2") } throws: { ($0 as? KubeError)?.isConflict == true }
        try await c.client.evict(pod: "p", namespace: "default", options: DeleteOptions(gracePeriodSeconds: 0))
        await #expect { try await c.client.get(pods, name: "p", namespace: "default") } throws: { ($0 as? KubeError)?.isNotFound == true }
    }

    @Test func faultsAsTheClientSeesThem() async throws {
        var f = FaultConfig()
        f.throttleRate = 1
        let c = try LiveCluster(faults: f)
        defer { c.stop() }
        await #expect { try await c.client.list(configMaps, namespace: "default") } throws: { error in
            guard case .tooManyRequests(let info)? = error as? KubeError else { return false }
            return info.retryAfter == .seconds(1)
        }
        f.throttleRate = 0
        f.errorRate = 1
        c.api.faults.configure(f)
        await #expect { try await c.client.list(configMaps, namespace: "default") } throws: { error in
            if case .internalError? = error as? KubeError { return true }
            return false
        }
        c.api.faults.configure(FaultConfig())
        _ = try await c.client.create(configMaps, TestCluster.configMap("kept"), namespace: "default")
        c.api.restart(downtime: 0.3)
        #expect(await eventually { (try? await c.client.get(configMaps, name: "kept", namespace: "default")) != nil })
    }
}

struct ConcurrencyTests {
    @Test func concurrentWritersAndAWatcherAgree() async throws {
        let c = try LiveCluster()
        defer { c.stop() }
        let start = try await c.client.list(configMaps, namespace: "default")
        let stream = try await c.client.watch(configMaps, namespace: "default",
                                              options: WatchOptions(resourceVersion: start.metadata.resourceVersion, allowWatchBookmarks: false))
        // Four writers race on the same ten names: creates, conflict-checked updates, deletes.
        let outcomes = try await withThrowingTaskGroup(of: Int.self) { group in
            for writer in 0..<4 {
                group.addTask {
                    var conflicts = 0
                    for round in 0..<15 {
                        let name = "shared-\(round % 10)"
                        do {
                            var o = try await c.client.get(configMaps, name: name, namespace: "default")
                            o["data"] = ["writer": .string(String(writer)), "round": .string(String(round))]
                            if round % 4 == 3 {
                                _ = try await c.client.delete(configMaps, name: name, namespace: "default")
                            } else {
                                _ = try await c.client.update(configMaps, o)
                            }
                        } catch let e as KubeError where e.isNotFound {
                            _ = try? await c.client.create(configMaps, TestCluster.configMap(name), namespace: "default")
                        } catch let e as KubeError where e.isConflict {
                            conflicts += 1
                        }
                    }
                    return conflicts
                }
            }
            var all: [Int] = []
            for try await n in group { all.append(n) }
            return all
        }
        #expect(outcomes.count == 4)
        // The watch replays the same history: per object, strictly increasing versions, and a replay of
        // its events ends in the state the server holds.
        let final = try await c.client.list(configMaps, namespace: "default")
        let finalRV = UInt64(final.metadata.resourceVersion ?? "") ?? 0
        var state: [String: JSONValue] = [:]
        var lastRV: [String: UInt64] = [:]
        var iterator = stream.makeAsyncIterator()
        while let event = try await iterator.next() {
            guard let object = event.object, let name = object["metadata"]?["name"]?.stringValue,
                  let rv = object["metadata"]?["resourceVersion"]?.stringValue.flatMap(UInt64.init) else { continue }
            #expect(rv > (lastRV[name] ?? 0))
            lastRV[name] = rv
            if event.type == .deleted { state[name] = nil } else { state[name] = object }
            if rv >= finalRV { break }
            if lastRV.values.max() ?? 0 >= finalRV { break }
        }
        stream.close()
        let served = Dictionary(uniqueKeysWithValues: final.items.compactMap { o in o["metadata"]?["name"]?.stringValue.map { ($0, o) } })
        #expect(Set(state.keys) == Set(served.keys))
        for (name, object) in served { #expect(state[name]?["metadata"]?["resourceVersion"] == object["metadata"]?["resourceVersion"]) }
    }
}
