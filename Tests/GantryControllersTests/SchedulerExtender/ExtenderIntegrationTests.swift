// The extender end to end: the dev cluster's scheduler shim (reading Manifests/scheduler-config.yaml) calls the
// real extender over HTTP; pods with slices, whole devices and gangs land on a fleet with a thermal hot spot and
// are checked device by device against the records the API server holds. Then a restart mid-stream rebuilds the
// ledger identically, parallel filter/bind calls for more pods than fit never over-allocate, and preemption
// through the shim evicts preemptible work first.

import Foundation
import GantryAPI
import KubeClient
import KubeCore
import Testing

@testable import DevCluster
@testable import GantryControllers

@Suite(.serialized)
struct ExtenderIntegrationTests {
    static func fleet(_ count: Int, devices: Int = 4, maxSlices: Int = 4, cpu: String = "32") -> [SimulatedNode] {
        (0..<count).map { i in
            var n = SimulatedNode(name: "n\(i)", pool: "default", rack: "rack-\(i / 2)",
                                  devices: DeviceSpec(count: devices, model: "enflame-s60", maxSlices: maxSlices))
            n.cpu = cpu
            return n
        }
    }

    static let coolPool = Fixtures.pool("default", selector: ["gantry.dev/pool": "default"], chipSoft: 85, chipHard: 95)

    @Test func slicesWholeDevicesAndGangsLandDeviceByDeviceAwayFromHeat() async throws {
        let h = try await ExtenderHarness(nodes: Self.fleet(5), pools: [Self.coolPool])
        defer { Task { await h.stop() } }
        // n1's first two chips run hot and all of n4's: the extender must not put anything on them.
        try await h.cluster.inject(.temperature(index: 0, celsius: 97), node: "n1")
        try await h.cluster.inject(.temperature(index: 1, celsius: 99), node: "n1")
        for i in 0..<4 { try await h.cluster.inject(.temperature(index: i, celsius: 96 + Double(i)), node: "n4") }
        let e = try await h.startExtender()

        var names: [String] = []
        for i in 0..<8 {
            try await h.create(Fixtures.pod("slice-\(i)", vgcu: 1, cores: 50))
            names.append("slice-\(i)")
        }
        for i in 0..<2 {
            try await h.create(Fixtures.pod("whole-\(i)", gcu: 2))
            names.append("whole-\(i)")
        }
        for i in 0..<3 {
            try await h.create(Fixtures.gangPod("gang-\(i)", gang: "train", min: 3, vgcu: 1, cores: 100))
            names.append("gang-\(i)")
        }
        let pods = await h.waitBound(names)
        for n in names { #expect(boundNode(pods[n]) != nil, "\(n) not bound") }

        let audit = DeviceAudit(Array(pods.values), maxSlices: 4)
        #expect(audit.problems.isEmpty, "\(audit.problems)")
        // The gang went through one plan: all three reserved at once, then bound into their slots.
        #expect(e.service.metrics.gangPlans.labels("reserved").get == 1)
        #expect(await e.ledger.bookkeeping.reservations == 0)
        let hot = ["n1-enflame-0", "n1-enflame-1"] + (0..<4).map { "n4-enflame-\($0)" }
        #expect(hot.allSatisfy { audit.holders[$0] == nil }, "hot devices used: \(hot.map { audit.holders[$0] ?? [] })")
        // Every request got exactly what it asked for.
        for i in 0..<8 {
            let list = try DeviceAllocation.parseList(pods["slice-\(i)"]?.metadata.annotations?[AnnotationKey.devices] ?? "")
            #expect(list.count == 1 && list[0].cores == 50 && list[0].memoryMiB == 24_576, "slice-\(i): \(list)")
        }
        for i in 0..<2 {
            let list = try DeviceAllocation.parseList(pods["whole-\(i)"]?.metadata.annotations?[AnnotationKey.devices] ?? "")
            #expect(list.count == 2 && list.allSatisfy { $0.cores == 100 }, "whole-\(i): \(list)")
        }
        // The extender's ledger holds exactly what the API server's records say.
        var recorded: [String: [String: String]] = [:]
        for p in pods.values {
            guard let node = p.spec?.nodeName, let d = p.metadata.annotations?[AnnotationKey.devices] else { continue }
            recorded[node, default: [:]][p.metadata.uid ?? ""] = d
        }
        #expect(await eventuallyTrue { await e.ledger.allocationsByNode() == recorded })
        // Explanations: the hot node is rejected naming its hottest chip, as unresolvable (preemption cannot cool it).
        try await h.create(Fixtures.pod("all-four", gcu: 4))
        _ = await eventuallyTrue { e.service.extender.decisions.json(for: "default/all-four")?["filter"] != nil }
        let why = e.service.extender.decisions.json(for: "default/all-four")
        #expect(why?["filter"]?["unresolvable"]?["n4"] == "thermal: device n4-enflame-3 at 99 °C, at or over the hard limit of 95 °C",
                "\(String(describing: why))")
    }

    @Test func restartMidStreamRebuildsTheLedgerIdentically() async throws {
        let h = try await ExtenderHarness(nodes: Self.fleet(3))
        defer { Task { await h.stop() } }
        let first = try await h.startExtender()
        for i in 0..<10 { try await h.create(Fixtures.pod("a-\(i)", vgcu: 1 + i % 2, cores: 25 * (1 + i % 2))) }
        _ = await h.waitBound((0..<10).map { "a-\($0)" })
        // More pods arrive while the extender goes down: some wait, none are placed without it.
        for i in 0..<10 { try await h.create(Fixtures.pod("b-\(i)", vgcu: 1, cores: 25)) }
        await h.stopExtender()
        let before = await first.ledger.allocationsByNode()
        #expect(await first.ledger.bookkeeping.inFlight == 0)

        let second = try await h.startExtender()
        // Rebuilt from the pods' annotations: the same pods on the same devices, nothing more.
        let rebuilt = await second.ledger.allocationsByNode()
        #expect(rebuilt == before)
        #expect(await second.ledger.bookkeeping.unresolved == 0)
        #expect(await second.ledger.bookkeeping.inferred == 0)
        // And it carries on: the pods that waited are placed without sharing a device.
        let all = (0..<10).map { "a-\($0)" } + (0..<10).map { "b-\($0)" }
        let pods = await h.waitBound(all)
        for n in all { #expect(boundNode(pods[n]) != nil, "\(n) not bound") }
        let audit = DeviceAudit(Array(pods.values), maxSlices: 4)
        #expect(audit.problems.isEmpty, "\(audit.problems)")
    }

    @Test func parallelFilterAndBindForMorePodsThanFitNeverOverAllocate() async throws {
        // 2 nodes × 2 devices, 50 % slices: 8 fit. 30 pods race through filter and bind in parallel.
        let h = try await ExtenderHarness(nodes: Self.fleet(2, devices: 2), withScheduler: false)
        defer { Task { await h.stop() } }
        let e = try await h.startExtender()
        var created: [Pod] = []
        for i in 0..<30 { created.append(try await h.create(Fixtures.pod("p-\(i)", vgcu: 1, cores: 50))) }
        // The extender's pod cache sees them before we ask it to bind.
        _ = await eventuallyTrue { created.allSatisfy { e.service.pods.store.get(namespace: "default", name: $0.metadata.name ?? "") != nil } }
        let http = CurlExtenderTransport()
        let results = await withTaskGroup(of: (String, String?).self) { group in
            for (i, pod) in created.enumerated() {
                group.addTask {
                    let name = pod.metadata.name ?? ""
                    let filter = try? await http.post(url: e.base + "/gantry/filter",
                                                      body: JSONWriter.write(filterArgs(pod, nodes: ["n0", "n1"])), timeout: 10)
                    let feasible = filter.flatMap { try? JSONParser.parse($0.body) }?["NodeNames"]?.arrayValue?.compactMap(\.stringValue) ?? []
                    // Half the pods pick the last feasible node, so both nodes see contention.
                    guard let node = i % 2 == 0 ? feasible.first : feasible.last else { return (name, nil) }
                    let args = ExtenderBindingArgs(podName: name, podNamespace: "default", podUID: pod.metadata.uid ?? "", node: node)
                    let bind = try? await http.post(url: e.base + "/gantry/bind", body: JSONWriter.write(args.json), timeout: 10)
                    let error = bind.flatMap { try? JSONParser.parse($0.body) }?["Error"]?.stringValue
                    return (name, error == "" ? node : nil)
                }
            }
            var out: [String: String] = [:]
            for await (name, node) in group { if let node { out[name] = node } }
            return out
        }
        #expect(results.count == 8, "\(results.count) binds succeeded")
        let pods = await h.pods()
        let bound = pods.filter { !($0.spec?.nodeName ?? "").isEmpty }
        #expect(bound.count == results.count)
        for p in bound { #expect(results[p.metadata.name ?? ""] == p.spec?.nodeName) }
        let audit = DeviceAudit(pods, maxSlices: 4)
        #expect(audit.problems.isEmpty, "\(audit.problems)")
        #expect(audit.cores.values.allSatisfy { $0 == 100 })
        #expect(await e.ledger.bookkeeping.inFlight == 0)
        #expect(await e.ledger.bookkeeping.allocations == 8)
        // Binding a bound pod again is refused and changes nothing.
        let again = bound[0]
        let args = ExtenderBindingArgs(podName: again.metadata.name ?? "", podNamespace: "default", podUID: again.metadata.uid ?? "",
                                       node: again.spec?.nodeName ?? "")
        let reply = try await http.post(url: e.base + "/gantry/bind", body: JSONWriter.write(args.json), timeout: 10)
        #expect((try JSONParser.parse(reply.body))["Error"]?.stringValue?.contains("already bound") == true)
        #expect(await e.ledger.bookkeeping.allocations == 8)
    }

    @Test func preemptionThroughTheShimEvictsPreemptibleWorkFirst() async throws {
        // One node, two whole devices, held by a preemptible pod (priority 10) and a non-preemptible one (priority 5).
        let h = try await ExtenderHarness(nodes: Self.fleet(1, devices: 2))
        defer { Task { await h.stop() } }
        let e = try await h.startExtender()
        try await h.create(Fixtures.pod("keep", gcu: 1, priority: 5, grace: 1))
        let spare = try await h.create(Fixtures.pod("spare", gcu: 1, labels: ["gantry.dev/preemptible": "true"], priority: 10, grace: 1))
        _ = await h.waitBound(["keep", "spare"])
        try await h.create(Fixtures.pod("urgent", gcu: 1, priority: 100))
        let pods = await h.waitBound(["urgent"], timeout: 30)
        #expect(boundNode(pods["urgent"]) != nil, "urgent not bound")
        #expect(pods["spare"] == nil, "the preemptible pod should be gone")
        #expect(boundNode(pods["keep"]) != nil && pods["keep"]?.metadata.deletionTimestamp == nil, "the non-preemptible pod was evicted")
        // kube-scheduler proposed the lowest priority (keep); the extender answered with the preemptible pod.
        let preempt = e.service.extender.decisions.json(for: "default/urgent")?["preempt"]?["result"]?["NodeNameToMetaVictims"]
        #expect(preempt?["n0"]?["Pods"] == [["UID": .string(spare.metadata.uid ?? "")]])
        let audit = DeviceAudit(Array(pods.values), maxSlices: 4)
        #expect(audit.problems.isEmpty, "\(audit.problems)")
    }
}

/// Polls a condition with a deadline (no timing assertions: only "eventually").
func eventuallyTrue(timeout: Double = 20, _ condition: () async -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return await condition()
}
