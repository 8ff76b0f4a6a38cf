// The scheduler shim against a fake extender: the exact JSON it sends, how filter, prioritize, bind and
// preempt replies steer placement, error handling per `ignorable`, managed resources, its own filters and
// failure messages, priority order and retries on cluster changes; plus one run over real HTTP.

import Foundation
import HTTPServer
import KubeCore
import Synchronization
import Testing

@testable import DevCluster

/// An extender in process: records every call and answers with the handler for its verb.
final class FakeExtender: ExtenderTransport, Sendable {
    typealias Handler = @Sendable (JSONValue) async throws -> (Int, JSONValue)
    let calls = Mutex<[(verb: String, body: JSONValue)]>([])
    let handlers: Mutex<[String: Handler]>

    init(_ handlers: [String: Handler] = [:]) { self.handlers = Mutex(handlers) }

    func post(url: String, body: [UInt8], timeout: Double) async throws -> (status: Int, body: [UInt8]) {
        let verb = String(url.split(separator: "/").last ?? "")
        let value = (try? JSONParser.parse(body)) ?? .null
        calls.withLock { $0.append((verb, value)) }
        guard let handler = handlers.withLock({ $0[verb] }) else { throw ExtenderTransportError(description: "connection refused") }
        let (status, reply) = try await handler(value)
        return (status, JSONWriter.write(reply))
    }

    func calls(_ verb: String) -> [JSONValue] { calls.withLock { $0.filter { $0.verb == verb }.map(\.body) } }

    /// Passes every node it is given (in the form it was given).
    static let passAll: Handler = { args in
        (200, ["Nodes": args["Nodes"] ?? nil, "NodeNames": args["NodeNames"] ?? nil, "FailedNodes": [:], "Error": ""])
    }
}

struct ShimHarness {
    let api: APIServer
    let cluster: SimulatedCluster
    let client: InProcessClient

    init(nodes: [SimulatedNode], config: SchedulerConfiguration?, extender: FakeExtender = FakeExtender(), startDelay: Double = 0.05) async throws {
        api = APIServer()
        client = InProcessClient(api: api)
        cluster = try SimulatedCluster(api: api, options: .init(fleet: nodes, podStartDelay: startDelay, schedulerConfiguration: config),
                                       transport: extender)
        try await cluster.start()
    }

    static func config(_ extenders: [ExtenderConfig] = []) -> SchedulerConfiguration {
        var c = SchedulerConfiguration()
        c.extenders = extenders
        c.podInitialBackoffSeconds = 0.05
        c.podMaxBackoffSeconds = 0.2
        return c
    }

    static func nodes(_ count: Int, cpu: String = "8", gcu: Int = 4) -> [SimulatedNode] {
        (0..<count).map { i in
            var n = SimulatedNode(name: "n\(i)", devices: gcu > 0 ? DeviceSpec(count: gcu, model: "enflame-s60") : nil)
            n.cpu = cpu
            return n
        }
    }

    @discardableResult
    func pod(_ name: String, cpu: String = "1", extra: [String: String] = [:], priority: Int64 = 0,
             nodeSelector: [String: String]? = nil, tolerations: JSONValue? = nil, annotations: [String: String] = [:]) async throws -> JSONValue {
        var requests: JSONObject = ["cpu": .string(cpu)]
        for (k, v) in extra { requests[k] = .string(v) }
        var pod: JSONValue = ["apiVersion": "v1", "kind": "Pod",
                              "metadata": ["name": .string(name), "annotations": .object(JSONObject(annotations.map { ($0.key, JSONValue.string($0.value)) }))],
                              "spec": ["priority": .int(priority), "restartPolicy": "Never",
                                       "containers": [["name": "main", "image": "busybox", "resources": ["requests": .object(requests)]]]]]
        if let nodeSelector { pod["spec"]?["nodeSelector"] = .object(JSONObject(nodeSelector.map { ($0.key, JSONValue.string($0.value)) })) }
        if let tolerations { pod["spec"]?["tolerations"] = tolerations }
        return try await client.create("/api/v1/namespaces/default/pods", pod)
    }

    func get(_ name: String) async -> JSONValue { (try? await client.get("/api/v1/namespaces/default/pods/\(name)")) ?? .null }

    func nodeOf(_ name: String) async -> String? {
        let n = await get(name)["spec"]?["nodeName"]?.stringValue
        return n?.isEmpty == false ? n : nil
    }

    func waitBound(_ name: String, timeout: Double = 5) async -> String? {
        var node: String?
        _ = await eventually(timeout: timeout) {
            node = await nodeOf(name)
            return node != nil
        }
        return node
    }

    func scheduledCondition(_ name: String) async -> JSONValue? {
        await get(name)["status"]?["conditions"]?.arrayValue?.first { $0["type"] == "PodScheduled" }
    }

    func waitUnschedulable(_ name: String) async -> JSONValue? {
        var c: JSONValue?
        _ = await eventually {
            c = await scheduledCondition(name)
            return c?["status"] == "False"
        }
        return c
    }

    func stop() { cluster.stop() }
}

struct SchedulerShimTests {
    func extender(filter: Bool = true, prioritize: Bool = false, bind: Bool = false, preempt: Bool = false,
                  cacheCapable: Bool = true, weight: Int64 = 1, ignorable: Bool = false,
                  managed: [(String, Bool)] = []) -> ExtenderConfig {
        var e = ExtenderConfig(urlPrefix: "http://127.0.0.1:1/gantry/")
        if filter { e.filterVerb = "filter" }
        if prioritize { e.prioritizeVerb = "prioritize" }
        if bind { e.bindVerb = "bind" }
        if preempt { e.preemptVerb = "preempt" }
        e.nodeCacheCapable = cacheCapable
        e.weight = weight
        e.ignorable = ignorable
        e.managedResources = managed.map { ($0.0, $0.1) }
        return e
    }

    @Test func filterRequestHasKubeSchedulerShape() async throws {
        let fake = FakeExtender(["filter": FakeExtender.passAll])
        let h = try await ShimHarness(nodes: ShimHarness.nodes(2), config: ShimHarness.config([extender()]), extender: fake)
        defer { h.stop() }
        try await h.pod("p")
        #expect(await h.waitBound("p") != nil)
        let args = try #require(fake.calls("filter").first)
        #expect(args.objectValue?.keys == ["Pod", "Nodes", "NodeNames"])
        #expect(args["Nodes"] == .null)
        #expect(args["NodeNames"]?.arrayValue?.compactMap(\.stringValue).sorted() == ["n0", "n1"])
        #expect(args["Pod"]?["metadata"]?["name"] == "p")
        #expect(args["Pod"]?["spec"]?["containers"]?[0]?["resources"]?["requests"]?["cpu"] == "1")
    }

    @Test func fullNodeListWhenNotCacheCapable() async throws {
        let fake = FakeExtender(["filter": FakeExtender.passAll])
        let h = try await ShimHarness(nodes: ShimHarness.nodes(2), config: ShimHarness.config([extender(cacheCapable: false)]), extender: fake)
        defer { h.stop() }
        try await h.pod("p")
        #expect(await h.waitBound("p") != nil)
        let args = try #require(fake.calls("filter").first)
        #expect(args["NodeNames"] == .null)
        #expect(args["Nodes"]?["items"]?.arrayValue?.count == 2)
        #expect(args["Nodes"]?["items"]?[0]?["kind"] == "Node")
    }

    @Test func extenderFilterDecidesAndLowercaseRepliesAreAccepted() async throws {
        let fake = FakeExtender(["filter": { _ in (200, ["nodenames": ["n2"], "failednodes": ["n0": "no vGCU left", "n1": "no vGCU left"]]) }])
        let h = try await ShimHarness(nodes: ShimHarness.nodes(3), config: ShimHarness.config([extender()]), extender: fake)
        defer { h.stop() }
        try await h.pod("p")
        #expect(await h.waitBound("p") == "n2")
        #expect(await eventually {
            let events = try? await h.client.get("/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dp")
            return events?["items"]?.arrayValue?.contains { $0["reason"] == "Scheduled" && $0["message"] == "Successfully assigned default/p to n2" } == true
        })
    }

    @Test func nullNodeNamesRejectsEveryNodeWithTheExtendersReasons() async throws {
        let fake = FakeExtender(["filter": { _ in
            (200, ["Nodes": nil, "NodeNames": nil, "FailedNodes": ["n0": "vGCU slices exhausted"],
                   "FailedAndUnresolvableNodes": ["n1": "chip temperature 97C > 90C"], "Error": ""])
        }])
        let h = try await ShimHarness(nodes: ShimHarness.nodes(2), config: ShimHarness.config([extender()]), extender: fake)
        defer { h.stop() }
        try await h.pod("p")
        let c = await h.waitUnschedulable("p")
        #expect(c?["reason"] == "Unschedulable")
        #expect(c?["message"]?.stringValue?.hasPrefix("0/2 nodes are available: 1 chip temperature 97C > 90C, 1 vGCU slices exhausted.") == true)
        #expect(await h.nodeOf("p") == nil)
    }

    @Test func filterErrorIsASchedulerErrorUnlessIgnorable() async throws {
        let failing = FakeExtender(["filter": { _ in (200, ["Error": "ledger unavailable"]) }])
        let h = try await ShimHarness(nodes: ShimHarness.nodes(1), config: ShimHarness.config([extender()]), extender: failing)
        try await h.pod("p")
        var c: JSONValue?
        _ = await eventually { c = await h.scheduledCondition("p"); return c != nil }
        #expect(c?["reason"] == "SchedulerError")
        #expect(c?["message"]?.stringValue?.contains("ledger unavailable") == true)
        h.stop()

        let unreachable = FakeExtender([:])  // every call fails to connect
        let h2 = try await ShimHarness(nodes: ShimHarness.nodes(1), config: ShimHarness.config([extender(ignorable: true)]), extender: unreachable)
        defer { h2.stop() }
        try await h2.pod("p")
        #expect(await h2.waitBound("p") == "n0")
    }

    @Test func non200IsAnError() async throws {
        let fake = FakeExtender(["filter": { _ in (500, ["Error": "boom"]) }])
        let h = try await ShimHarness(nodes: ShimHarness.nodes(1), config: ShimHarness.config([extender()]), extender: fake)
        defer { h.stop() }
        try await h.pod("p")
        var c: JSONValue?
        _ = await eventually { c = await h.scheduledCondition("p"); return c != nil }
        #expect(c?["message"]?.stringValue?.contains("failed filter with extender at URL http://127.0.0.1:1/gantry/filter, code 500") == true)
    }

    @Test func prioritizeScoresAreWeightedAndDecide() async throws {
        let fake = FakeExtender(["prioritize": { _ in (200, [["Host": "n0", "Score": 0], ["Host": "n1", "Score": 10], ["Host": "ghost", "Score": 10]]) }])
        let h = try await ShimHarness(nodes: ShimHarness.nodes(3), config: ShimHarness.config([extender(filter: false, prioritize: true, weight: 5)]), extender: fake)
        defer { h.stop() }
        for i in 0..<3 { try await h.pod("p\(i)") }
        for i in 0..<3 { #expect(await h.waitBound("p\(i)") == "n1") }
        let args = try #require(fake.calls("prioritize").first)
        #expect(args["NodeNames"]?.arrayValue?.count == 3)
    }

    /// n0 is empty and n1 75 % busy, so the shim's own scores favour n0 by about 74 points; the extender
    /// prefers n1 with score 5, which adds 5 × weight × 10: 50 points at weight 1 (not enough), 100 at 2.
    @Test(arguments: [(Int64(1), "n0"), (Int64(2), "n1")])
    func extenderScoresAreScaledByWeightTimesTen(weight: Int64, expected: String) async throws {
        let fake = FakeExtender(["prioritize": { _ in (200, [["Host": "n0", "Score": 0], ["Host": "n1", "Score": 5]]) }])
        let h = try await ShimHarness(nodes: ShimHarness.nodes(2), config: ShimHarness.config([extender(filter: false, prioritize: true, weight: weight)]),
                                      extender: fake)
        defer { h.stop() }
        var busy = TestCluster.pod("busy", node: "n1")
        busy["spec"]?["containers"] = [["name": "main", "image": "busybox", "resources": ["requests": ["cpu": "6"]]]]
        _ = try await h.client.create("/api/v1/namespaces/default/pods", busy)
        #expect(await eventually { await h.get("busy")["status"]?["phase"] == "Running" })
        try await h.pod("p", cpu: "1")
        #expect(await h.waitBound("p") == expected)
    }

    /// Replies are matched to the nodes sent by position when in order, by name otherwise; a name that was not sent
    /// is kube-scheduler's "not found in the input node list" error.
    @Test func filterRepliesOutOfOrderAreMatchedAndUnknownNodesAreErrors() async throws {
        #expect(ExtenderWire.positions(of: ["n2", "n0", "x", "n2"], in: ["n0", "n1", "n2"]) == [2, 0, nil, 2])
        #expect(ExtenderWire.positions(of: ["n0", "n2"], in: ["n0", "n1", "n2"]) == [0, 2])
        let reordered = FakeExtender(["filter": { _ in (200, ["NodeNames": ["n2", "n1"], "FailedNodes": ["n0": "full"]]) }])
        let h = try await ShimHarness(nodes: ShimHarness.nodes(3), config: ShimHarness.config([extender()]), extender: reordered)
        try await h.pod("p")
        #expect(["n1", "n2"].contains(await h.waitBound("p") ?? ""))
        h.stop()

        let ghost = FakeExtender(["filter": { _ in (200, ["NodeNames": ["n0", "ghost"]]) }])
        let h2 = try await ShimHarness(nodes: ShimHarness.nodes(1), config: ShimHarness.config([extender()]), extender: ghost)
        defer { h2.stop() }
        try await h2.pod("p")
        var c: JSONValue?
        _ = await eventually { c = await h2.scheduledCondition("p"); return c != nil }
        #expect(c?["reason"] == "SchedulerError")
        #expect(c?["message"]?.stringValue?.contains(#"extender claims a filtered node "ghost" which is not found in the input node list"#) == true)
    }

    /// Extender scores are used unclamped, as kube-scheduler adds them; an absurd one saturates rather than trapping.
    @Test func absurdPrioritizeScoresDoNotCrashTheScheduler() async throws {
        let fake = FakeExtender(["prioritize": { _ in (200, [["Host": "n0", "Score": .int(.min)], ["Host": "n1", "Score": .int(.max)]]) }])
        let h = try await ShimHarness(nodes: ShimHarness.nodes(2), config: ShimHarness.config([extender(filter: false, prioritize: true, weight: 5)]), extender: fake)
        defer { h.stop() }
        try await h.pod("p")
        #expect(await h.waitBound("p") == "n1")
    }

    @Test func prioritizeErrorsAreIgnored() async throws {
        let fake = FakeExtender(["prioritize": { _ in (503, [:]) }])
        let h = try await ShimHarness(nodes: ShimHarness.nodes(2), config: ShimHarness.config([extender(filter: false, prioritize: true)]), extender: fake)
        defer { h.stop() }
        try await h.pod("p")
        #expect(await h.waitBound("p") != nil)
    }

    @Test func extenderBindsThroughTheAPI() async throws {
        let api = Mutex<InProcessClient?>(nil)
        let fake = FakeExtender([
            "filter": FakeExtender.passAll,
            "bind": { args in
                guard let client = api.withLock({ $0 }), let ns = args["PodNamespace"]?.stringValue, let name = args["PodName"]?.stringValue,
                      let node = args["Node"]?.stringValue else { return (200, ["Error": "bad args"]) }
                try await client.create("/api/v1/namespaces/\(ns)/pods/\(name)/binding",
                                        ["apiVersion": "v1", "kind": "Binding", "metadata": ["name": .string(name), "annotations": ["gantry.dev/devices": "d0:100:0"]],
                                         "target": ["kind": "Node", "name": .string(node)]])
                return (200, ["Error": ""])
            },
        ])
        let h = try await ShimHarness(nodes: ShimHarness.nodes(2), config: ShimHarness.config([extender(bind: true)]), extender: fake)
        api.withLock { $0 = h.client }
        defer { h.stop() }
        let created = try await h.pod("p")
        let node = await h.waitBound("p")
        let bind = try #require(fake.calls("bind").first)
        #expect(bind.objectValue?.keys == ["PodName", "PodNamespace", "PodUID", "Node"])
        #expect(bind["PodUID"] == created["metadata"]?["uid"])
        #expect(bind["Node"]?.stringValue == node)
        #expect(await h.get("p")["metadata"]?["annotations"]?["gantry.dev/devices"] == "d0:100:0")
    }

    @Test func bindErrorRequeuesAndIgnorableFallsBackToDefaultBinder() async throws {
        let fake = FakeExtender(["filter": FakeExtender.passAll, "bind": { _ in (200, ["Error": "device busy"]) }])
        let h = try await ShimHarness(nodes: ShimHarness.nodes(1), config: ShimHarness.config([extender(bind: true)]), extender: fake)
        try await h.pod("p")
        var c: JSONValue?
        _ = await eventually { c = await h.scheduledCondition("p"); return c?["reason"] == "SchedulerError" }
        #expect(c?["message"]?.stringValue?.contains("binding rejected: device busy") == true)
        // It is retried after its back-off.
        #expect(await eventually { fake.calls("bind").count >= 2 })
        h.stop()

        let fallback = FakeExtender(["filter": FakeExtender.passAll, "bind": { _ in (200, ["Error": "device busy"]) }])
        let h2 = try await ShimHarness(nodes: ShimHarness.nodes(1), config: ShimHarness.config([extender(bind: true, ignorable: true)]), extender: fallback)
        defer { h2.stop() }
        try await h2.pod("p")
        #expect(await h2.waitBound("p") == "n0")
    }

    @Test func managedResourcesDecideInterestAndIgnoredOnesAreNotFitted() async throws {
        let fake = FakeExtender(["filter": FakeExtender.passAll])
        let config = ShimHarness.config([extender(managed: [("gantry.dev/vgcu", true)])])
        let h = try await ShimHarness(nodes: ShimHarness.nodes(1), config: config, extender: fake)
        defer { h.stop() }
        try await h.pod("plain")
        #expect(await h.waitBound("plain") == "n0")
        #expect(fake.calls("filter").isEmpty)
        // No node advertises gantry.dev/vgcu: only ignoredByScheduler lets the pod through to the extender.
        try await h.pod("sliced", extra: ["gantry.dev/vgcu": "2"])
        #expect(await h.waitBound("sliced") == "n0")
        #expect(fake.calls("filter").count == 1)
    }

    @Test func ownFiltersAndFailureMessage() async throws {
        var nodes = ShimHarness.nodes(4)
        for i in nodes.indices { nodes[i].labels = ["zone": i == 2 ? "b" : "a"] }
        nodes[0].unschedulable = true
        nodes[1].taints = [["key": "dedicated", "value": "infer", "effect": "NoSchedule"]]
        nodes[2].labels = ["zone": "b"]
        nodes[3].cpu = "2"
        let h = try await ShimHarness(nodes: nodes, config: ShimHarness.config())
        defer { h.stop() }
        try await h.pod("big", cpu: "4", nodeSelector: ["zone": "a"])
        let c = await h.waitUnschedulable("big")
        #expect(c?["message"]?.stringValue?.hasPrefix(
            "0/4 nodes are available: 1 Insufficient cpu, 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {dedicated: infer}, 1 node(s) were unschedulable.") == true)
        // The event follows the condition.
        #expect(await eventually {
            let events = try? await h.client.get("/api/v1/namespaces/default/events?fieldSelector=reason%3DFailedScheduling")
            return events?["items"]?[0]?["type"] == "Warning"
        })
        try await h.pod("tolerant", tolerations: [["key": "dedicated", "operator": "Equal", "value": "infer", "effect": "NoSchedule"]],
                        annotations: [:])
        #expect(["n1", "n2", "n3"].contains(await h.waitBound("tolerant") ?? ""))
        try await h.pod("gcu", extra: ["enflame.com/gcu": "5"])
        let gcu = await h.waitUnschedulable("gcu")
        #expect(gcu?["message"]?.stringValue?.contains("Insufficient enflame.com/gcu") == true)
    }

    @Test func unschedulablePodIsRetriedWhenTheClusterChanges() async throws {
        let h = try await ShimHarness(nodes: ShimHarness.nodes(1, cpu: "2"), config: ShimHarness.config())
        defer { h.stop() }
        try await h.pod("big", cpu: "4")
        _ = await h.waitUnschedulable("big")
        var node = SimulatedNode(name: "large", devices: nil)
        node.cpu = "16"
        try await h.client.create("/api/v1/nodes", node.nodeObject(index: 9))
        #expect(await h.waitBound("big") == "large")
    }

    @Test func higherPriorityGoesFirst() async throws {
        // The node fits one pod; both are queued before the shim starts.
        let api = APIServer()
        let client = InProcessClient(api: api)
        var spec = SimulatedNode(name: "only", devices: nil)
        spec.cpu = "1"
        try await client.create("/api/v1/nodes", spec.nodeObject(index: 1))
        for (name, priority) in [("low", 1), ("high", 100)] {
            try await client.create("/api/v1/namespaces/default/pods", [
                "apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name)],
                "spec": ["priority": .int(Int64(priority)), "containers": [["name": "m", "image": "x", "resources": ["requests": ["cpu": "1"]]]]],
            ])
        }
        let cluster = try SimulatedCluster(api: api, options: .init(fleet: [], podStartDelay: 0.05, schedulerConfiguration: ShimHarness.config()))
        try await cluster.start()
        defer { cluster.stop() }
        #expect(await eventually { ((try? await client.get("/api/v1/namespaces/default/pods/high"))?["spec"]?["nodeName"]) == "only" })
        #expect((try await client.get("/api/v1/namespaces/default/pods/low"))["spec"]?["nodeName"] == nil)
    }

    @Test func preemptionWithThePreemptVerb() async throws {
        let fake = FakeExtender(["filter": FakeExtender.passAll, "preempt": { args in
            // Keep the candidates as they came (the meta victims), as a cooperative extender would.
            (200, ["NodeNameToMetaVictims": args["NodeNameToMetaVictims"] ?? [:]])
        }])
        let h = try await ShimHarness(nodes: ShimHarness.nodes(1, cpu: "2"), config: ShimHarness.config([extender(preempt: true)]), extender: fake)
        defer { h.stop() }
        let victim = try await h.pod("victim", cpu: "2", priority: 1)
        #expect(await h.waitBound("victim") == "n0")
        try await h.pod("urgent", cpu: "2", priority: 1000)
        #expect(await eventually {
            let v = await h.get("victim")
            return v == .null || v["metadata"]?["deletionTimestamp"] != nil
        })
        let args = try #require(fake.calls("preempt").first)
        #expect(args["NodeNameToVictims"] == .null)
        #expect(args["NodeNameToMetaVictims"]?["n0"]?["Pods"]?[0]?["UID"] == victim["metadata"]?["uid"])
        #expect(await eventually { await h.get("urgent")["status"]?["nominatedNodeName"] == "n0" })
        // The victim is killed after its grace period by the kubelet; force it to keep the test short.
        _ = try? await h.client.delete("/api/v1/namespaces/default/pods/victim", gracePeriod: 0)
        #expect(await h.waitBound("urgent") == "n0")
    }

    @Test func noPreemptionVictimsMessage() async throws {
        let h = try await ShimHarness(nodes: ShimHarness.nodes(1, cpu: "2"), config: ShimHarness.config())
        defer { h.stop() }
        try await h.pod("first", cpu: "2", priority: 10)
        #expect(await h.waitBound("first") == "n0")
        try await h.pod("second", cpu: "2", priority: 10)
        let c = await h.waitUnschedulable("second")
        #expect(c?["message"] == "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.")
    }

    @Test func overRealHTTP() async throws {
        // A fake extender behind the real HTTP server, reached with libcurl.
        let extenderServer = try HTTPServer(handler: { request in
            guard let args = try? JSONParser.parse(request.body) else { return .json(Array("{}".utf8), status: 400) }
            if request.path.hasSuffix("/filter") {
                return .json(JSONWriter.write(["NodeNames": ["n1"], "FailedNodes": ["n0": "busy"], "Error": ""]))
            }
            return .json(JSONWriter.write(["Error": .string("unexpected \(args.objectValue?.keys ?? [])")]), status: 404)
        })
        let serving = Task { try await extenderServer.run() }
        defer {
            extenderServer.shutdown()
            serving.cancel()
        }
        var e = extender()
        e.urlPrefix = "http://127.0.0.1:\(extenderServer.port)/scheduler"
        let api = APIServer()
        let cluster = try SimulatedCluster(api: api, options: .init(fleet: ShimHarness.nodes(2), podStartDelay: 0.05,
                                                                     schedulerConfiguration: ShimHarness.config([e])))
        try await cluster.start()
        defer { cluster.stop() }
        let client = InProcessClient(api: api)
        try await client.create("/api/v1/namespaces/default/pods", TestCluster.pod("p"))
        #expect(await eventually { ((try? await client.get("/api/v1/namespaces/default/pods/p"))?["spec"]?["nodeName"]) == "n1" })
    }
}

struct SchedulerConfigurationTests {
    @Test func parsesARealKubeSchedulerConfiguration() throws {
        let yaml = """
            apiVersion: kubescheduler.config.k8s.io/v1
            kind: KubeSchedulerConfiguration
            profiles:
              - schedulerName: gantry-scheduler
            extenders:
              - urlPrefix: "http://127.0.0.1:8888/gantry"
                filterVerb: filter
                prioritizeVerb: prioritize
                bindVerb: bind
                preemptVerb: preempt
                weight: 5
                nodeCacheCapable: true
                enableHTTPS: false
                httpTimeout: 2s
                ignorable: false
                managedResources:
                  - {name: gantry.dev/vgcu, ignoredByScheduler: true}
                  - {name: enflame.com/gcu, ignoredByScheduler: true}
              - urlPrefix: "http://127.0.0.1:9999/"
                filterVerb: check
                ignorable: true
            """
        let c = try SchedulerConfiguration.parse(try YAML.decode(yaml))
        #expect(c.schedulerNames == ["gantry-scheduler"])
        #expect(c.extenders.count == 2)
        #expect(c.extenders[0].httpTimeout == 2)
        #expect(c.extenders[0].weight == 5)
        #expect(c.extenders[0].url("filter") == "http://127.0.0.1:8888/gantry/filter")
        #expect(c.extenders[1].url("check") == "http://127.0.0.1:9999/check")
        #expect(c.extenders[1].httpTimeout == 5)
        #expect(c.ignoredResources == ["gantry.dev/vgcu", "enflame.com/gcu"])
    }

    @Test(arguments: [
        ("extenders: [{urlPrefix: 'http://x', prioritizeVerb: p}]", "must have a positive weight"),
        ("extenders: [{urlPrefix: 'http://x', bindVerb: b}, {urlPrefix: 'http://y', bindVerb: b}]", "only one extender can implement bind"),
        ("extenders: [{urlPrefix: 'http://x', enableHttps: false}]", "unknown field \"enableHttps\""),
        ("extenders: [{urlPrefix: 'http://x', managedResources: [{name: a.io/x}, {name: a.io/x}]}]", "duplicate"),
        ("extenders: [{filterVerb: f}]", "urlPrefix: Required value"),
        ("kind: Pod", "kind must be KubeSchedulerConfiguration"),
    ])
    func rejectsInvalidConfigurations(yaml: String, message: String) throws {
        #expect {
            try SchedulerConfiguration.parse(try YAML.decode(yaml))
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test func interestAndFeasibleNodeCounts() {
        var e = ExtenderConfig(urlPrefix: "http://x")
        e.managedResources = [("gantry.dev/vgcu", true)]
        let limitOnly: JSONValue = ["spec": ["initContainers": [["resources": ["limits": ["gantry.dev/vgcu": "1"]]]]]]
        #expect(e.isInterested(in: limitOnly))
        #expect(!e.isInterested(in: TestCluster.pod("p")))
        #expect(NodeFit.feasibleNodesToFind(50, percentage: 0) == 50)
        #expect(NodeFit.feasibleNodesToFind(500, percentage: 0) == 230)
        #expect(NodeFit.feasibleNodesToFind(1000, percentage: 0) == 420)
        #expect(NodeFit.feasibleNodesToFind(5000, percentage: 0) == 500)
        #expect(NodeFit.feasibleNodesToFind(15000, percentage: 0) == 750)
    }

    /// NodeResourcesFit against what the node's pods already take, through pod churn and node updates.
    @Test func nodeFitCountsWhatThePodsOnTheNodeTake() {
        let node: JSONValue = ["metadata": ["name": "n0"], "status": ["allocatable": ["cpu": "4", "memory": "8Gi", "pods": "2"]]]
        func pod(_ cpu: String) -> JSONValue { ["spec": ["containers": [["resources": ["requests": ["cpu": .string(cpu)]]]]]] }
        func reasons(_ cpu: String, _ n: NodeSnapshot) -> [String] {
            let p = pod(cpu)
            return NodeFit.filter(PodFit(p, requests: ResourceAmounts.podRequests(p), ignored: []), node: n).reasons
        }
        let n = NodeSnapshot(node)
        #expect(reasons("4", n).isEmpty)
        #expect(reasons("5", n) == ["Insufficient cpu"])
        n.add(uid: "a", pod: pod("3"), requests: ResourceAmounts.podRequests(pod("3")))
        #expect(reasons("1", n).isEmpty)
        #expect(reasons("2", n) == ["Insufficient cpu"])
        n.add(uid: "b", pod: pod("1"), requests: ResourceAmounts.podRequests(pod("1")))
        #expect(reasons("1", n) == ["Too many pods", "Insufficient cpu"])
        // A node update keeps the pods' charges; a copy for what-ifs does not touch the original.
        let updated = NodeSnapshot(node)
        updated.adoptPods(of: n)
        #expect(reasons("1", updated) == ["Too many pods", "Insufficient cpu"])
        let whatIf = updated.copy()
        whatIf.remove(uid: "a")
        #expect(reasons("3", whatIf).isEmpty)
        #expect(reasons("1", updated) == ["Too many pods", "Insufficient cpu"])
    }

    @Test func podRequestsFollowKubeSchedulerRules() {
        let pod: JSONValue = ["spec": [
            "containers": [["resources": ["requests": ["cpu": "500m", "memory": "1Gi"]]], ["resources": ["limits": ["cpu": "1", "enflame.com/gcu": "2"]]]],
            "initContainers": [["resources": ["requests": ["cpu": "3"]]]],
        ]]
        let r = ResourceAmounts.podRequests(pod)
        #expect(r["cpu"] == 3000)
        #expect(r["memory"] == 1_073_741_824_000)
        #expect(r["enflame.com/gcu"] == 2000)
        #expect(r["pods"] == 1000)
    }
}
