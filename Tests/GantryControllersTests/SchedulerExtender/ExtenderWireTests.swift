// The protocol exactly as kube-scheduler speaks it: golden JSON from k8s.io/kube-scheduler/extender/v1
// (types.go and TestCompatibility in types_test.go), both nodeCacheCapable modes, null versus empty lists,
// case-insensitive keys, score clamping, and bad input answered with `Error` or a 4xx — never a placement.

import Foundation
import GantryAPI
import HTTPServer
import KubeCore
import KubeRuntime
import Testing

@testable import GantryControllers

struct ExtenderWireTests {
    /// A ready extender over a small in-memory ledger (no API client: bind answers with an Error).
    func extender(nodes: Int = 3) async -> (SchedulerExtender, ExtenderCall) {
        let ledger = await Fixtures.ledger(nodes: nodes)
        let e = SchedulerExtender(ledger: ledger, binder: nil, podStore: nil, metrics: ExtenderMetrics(), prefix: "/gantry")
        return (e, ExtenderCall(e))
    }

    // MARK: golden encodings of the reply types (byte for byte, as Go's encoding/json writes them)

    @Test func replyTypesEncodeLikeGo() {
        // From TestCompatibility.
        #expect(String(decoding: JSONWriter.write(ExtenderPreemptionResult(nodeNameToMetaVictims: [
            "foo": MetaVictims(podUIDs: ["myuid"], numPDBViolations: 1),
        ]).json), as: UTF8.self) == #"{"NodeNameToMetaVictims":{"foo":{"Pods":[{"UID":"myuid"}],"NumPDBViolations":1}}}"#)
        #expect(String(decoding: JSONWriter.write(ExtenderBindingResult(error: "myerror").json), as: UTF8.self) == #"{"Error":"myerror"}"#)
        #expect(String(decoding: JSONWriter.write(HostPriority.json([HostPriority(host: "myhost", score: 1)])), as: UTF8.self)
            == #"[{"Host":"myhost","Score":1}]"#)
        #expect(String(decoding: JSONWriter.write(ExtenderBindingArgs(podName: "mypodname", podNamespace: "mypodnamespace",
                                                                       podUID: "mypoduid", node: "mynode").json), as: UTF8.self)
            == #"{"PodName":"mypodname","PodNamespace":"mypodnamespace","PodUID":"mypoduid","Node":"mynode"}"#)
        // Field order of ExtenderFilterResult in types.go; the unused node form is null, not absent.
        let filter = ExtenderFilterResult(nodeNames: ["node1"], failedNodes: ["foo": "bar"], failedAndUnresolvableNodes: ["baz": "qux"])
        #expect(String(decoding: JSONWriter.write(filter.json), as: UTF8.self)
            == #"{"Nodes":null,"NodeNames":["node1"],"FailedNodes":{"foo":"bar"},"FailedAndUnresolvableNodes":{"baz":"qux"},"Error":""}"#)
        // An empty verdict is an empty list: null NodeNames would tell kube-scheduler that no node passes... and so
        // would [], but only [] says it on purpose; an error carries no nodes at all.
        #expect(String(decoding: JSONWriter.write(ExtenderFilterResult(nodeNames: []).json), as: UTF8.self)
            == #"{"Nodes":null,"NodeNames":[],"FailedNodes":{},"FailedAndUnresolvableNodes":{},"Error":""}"#)
        #expect(ExtenderFilterResult.failure("boom").json["NodeNames"] == .null)
    }

    @Test func repliesWrittenStraightToBytesMatchTheJSONWriter() {
        // Shared and alternating reasons, both lists; plain text (written through a pointer) and text that needs
        // escaping (appended, each reason escaped once per run of it).
        // Also two spellings of one reason that `==` equates but whose bytes (and lengths) differ.
        for (shared, error) in [("thermal: n1-gcu-3 at 97 °C", ""), ("devices: 0/8 \"free\"\n", ""), ("devices", "a\tb"),
                                ("caf\u{E9}", ""), ("caf\u{E9}\"", "")] {
            let other = "cordoned"
            let rejected: [FilterOutcome.Rejection] = [
                .init(node: "a", reason: shared, resolvable: true), .init(node: "b", reason: shared, resolvable: true),
                .init(node: "c", reason: other, resolvable: false), .init(node: "d", reason: shared, resolvable: true),
                .init(node: "e", reason: other, resolvable: true), .init(node: "f", reason: shared, resolvable: false),
                .init(node: "g", reason: shared.replacingOccurrences(of: "\u{E9}", with: "e\u{301}"), resolvable: false),
            ]
            let bytes = ExtenderFilterResult.write(nodes: nil, nodeNames: ["n"], rejected: rejected, error: error)
            let expected = JSONValue.object(JSONObject([
                ("Nodes", .null), ("NodeNames", .array([.string("n")])),
                ("FailedNodes", .object(JSONObject([("a", .string(shared)), ("b", .string(shared)), ("d", .string(shared)), ("e", .string(other))]))),
                ("FailedAndUnresolvableNodes", .object(JSONObject([("c", .string(other)), ("f", .string(shared)),
                                                                  ("g", .string(shared.replacingOccurrences(of: "\u{E9}", with: "e\u{301}")))]))),
                ("Error", .string(error)),
            ]))
            #expect(bytes == JSONWriter.write(expected))
        }
        // Plain names (written through a pointer) and one that needs escaping (appended).
        for extra in [[], [HostPriority(host: "we\"ird\\", score: 3)]] {
            let scores = (0...10).map { HostPriority(host: "h\($0)", score: Int64($0)) } + extra
            #expect(HostPriority.bytes(scores) == JSONWriter.write(.array(scores.map {
                .object(JSONObject([("Host", .string($0.host)), ("Score", .int($0.score))]))
            })))
        }
        #expect(HostPriority.bytes([]) == Array("[]".utf8))
    }

    @Test func decisionLogKeepsTheBestScoresAsAFullSortWould() {
        var rng = SystemRandomNumberGenerator()
        for n in [0, 1, 5, 99, 100, 101, 400] {
            // Few hosts and scores, so ties and repeated entries are common.
            let scores = (0..<n).map { _ in HostPriority(host: "n\(Int.random(in: 0..<60, using: &rng))", score: Int64.random(in: 0...10, using: &rng)) }
            let sorted = scores.sorted { ($0.score, $1.host) > ($1.score, $0.host) }
            for k in [0, 1, 10, 100] {
                #expect(DecisionLog.best(k, of: scores) == Array(sorted.prefix(k)), "n \(n) k \(k)")
            }
        }
    }

    @Test func scoresAreClampedToTheExtenderRange() {
        #expect(HostPriority(host: "a", score: 42).score == 10)
        #expect(HostPriority(host: "a", score: -3).score == 0)
        #expect(HostPriority(host: "a", score: 7).score == 7)
    }

    // MARK: golden requests decoded (TestCompatibility's JSON, and the same JSON lower-cased)

    static let goldenArgs = #"{"Pod":{"metadata":{"name":"podname","creationTimestamp":null},"spec":{"containers":null},"status":{}},"Nodes":{"metadata":{},"items":[{"metadata":{"name":"nodename","creationTimestamp":null},"spec":{},"status":{"daemonEndpoints":{"kubeletEndpoint":{"Port":0}},"nodeInfo":{"machineID":"","systemUUID":"","bootID":"","kernelVersion":"","osImage":"","containerRuntimeVersion":"","kubeletVersion":"","kubeProxyVersion":"","operatingSystem":"","architecture":""}}}]},"NodeNames":["node1"]}"#

    static let goldenPreemptionArgs = #"{"Pod":{"metadata":{"name":"podname","creationTimestamp":null},"spec":{"containers":null},"status":{}},"NodeNameToVictims":{"foo":{"Pods":[{"metadata":{"name":"podname","creationTimestamp":null},"spec":{"containers":null},"status":{}}],"NumPDBViolations":1}},"NodeNameToMetaVictims":{"foo":{"Pods":[{"UID":"myuid"}],"NumPDBViolations":1}}}"#

    /// kube-scheduler sends the pod it cached; when the extender's own cache holds that very version (uid and
    /// resourceVersion), its facts are reused instead of decoding the Pod again; any other version is decoded.
    @Test func podFactsComeFromTheCacheOnlyAtTheSameVersion() async throws {
        let store = Store<CachedPod>(indexes: [GangIndex.index])
        store.apply(.applied(CachedPod(Fixtures.pod("p", uid: "u1", gcu: 1, rv: "5"))))
        let ledger = await Fixtures.ledger(nodes: 1)
        let e = SchedulerExtender(ledger: ledger, binder: nil, podStore: store, metrics: ExtenderMetrics(), prefix: "/gantry")
        func body(_ pod: Pod) throws -> [UInt8] { JSONWriter.write(try ExtenderArgs(pod: pod, nodeNames: ["n0"]).encode()) }

        let hit = try ExtenderArgs.decode(body(Fixtures.pod("p", uid: "u1", gcu: 1, rv: "5")), known: e.cachedFacts)
        #expect(hit.pod == nil)
        #expect(hit.facts.resourceVersion == "5")
        #expect(hit.facts.request == PodFacts(Fixtures.pod("p", uid: "u1", gcu: 1, rv: "5")).request)
        #expect(hit.nodeNames == ["n0"])

        for other in [Fixtures.pod("p", uid: "u1", gcu: 4, rv: "6"), Fixtures.pod("p", uid: "u2", gcu: 4, rv: "5"),
                      Fixtures.pod("q", uid: "u1", gcu: 4, rv: "5")] {
            let miss = try ExtenderArgs.decode(body(other), known: e.cachedFacts)
            #expect(miss.pod?.metadata.name == other.metadata.name)
            #expect(miss.facts.request == PodFacts(other).request)
        }
    }

    /// The sized reply writers trust their own size computation; the sink they write through still refuses to run
    /// past its buffer, so a mistake there falls back to the appending writer instead of overrunning the heap.
    @Test func byteSinkNeverWritesPastItsBuffer() {
        var buffer = [UInt8](repeating: 0, count: 6)
        buffer.withUnsafeMutableBufferPointer { b in
            var sink = ByteSink(UnsafeMutableBufferPointer(rebasing: b[0..<4]))
            sink.put("abc")
            #expect(!sink.overflowed && sink.count == 3)
            sink.putQuoted("x")
            #expect(sink.overflowed && sink.count == 4)
        }
        #expect(buffer[4] == 0 && buffer[5] == 0)
    }

    @Test(arguments: [false, true])
    func goldenRequestsDecode(lowercased: Bool) throws {
        func bytes(_ s: String) -> [UInt8] { Array((lowercased ? s.lowercased() : s).utf8) }
        let args = try ExtenderArgs.decode(bytes(Self.goldenArgs))
        #expect(args.pod?.metadata.name == "podname")
        #expect(args.nodeNames == ["node1"])
        #expect(args.nodes?.count == 1)
        // Both forms present (the golden sets both): names are what a nodeCacheCapable scheduler means.
        #expect(args.candidates == ["node1"])
        let preempt = try ExtenderPreemptionArgs.decode(bytes(Self.goldenPreemptionArgs))
        #expect(preempt.candidates == ["foo": MetaVictims(podUIDs: ["myuid"], numPDBViolations: 1)])
        let bind = try ExtenderBindingArgs.decode(bytes(#"{"PodName":"mypodname","PodNamespace":"mypodnamespace","PodUID":"mypoduid","Node":"mynode"}"#))
        #expect(bind == ExtenderBindingArgs(podName: "mypodname", podNamespace: "mypodnamespace", podUID: "mypoduid", node: "mynode"))
    }

    @Test func victimsAsFullPodsBecomeUIDs() throws {
        let pod = Fixtures.pod("victim", uid: "u-1").json
        let body: JSONValue = ["Pod": Fixtures.pod("p").json, "NodeNameToVictims": ["n0": ["Pods": [pod], "NumPDBViolations": 2]],
                               "NodeNameToMetaVictims": nil]
        let args = try ExtenderPreemptionArgs.decode(JSONWriter.write(body))
        #expect(args.candidates == ["n0": MetaVictims(podUIDs: ["u-1"], numPDBViolations: 2)])
    }

    // MARK: verbs over the handler

    @Test func filterWithNodeNamesAnswersWithNames() async {
        let (_, call) = await extender()
        let pod = Fixtures.pod("p", vgcu: 1, cores: 50)
        let r = await call.post("/gantry/filter", filterArgs(pod, nodes: ["n0", "n1", "ghost"]))
        #expect(r.status == 200)
        #expect(r.body.objectValue?.keys == ["Nodes", "NodeNames", "FailedNodes", "FailedAndUnresolvableNodes", "Error"])
        #expect(r.body["Nodes"] == .null)
        #expect(r.body["NodeNames"] == ["n0", "n1"])
        #expect(r.body["Error"] == "")
        #expect(r.body["FailedAndUnresolvableNodes"]?["ghost"]?.stringValue?.contains("not in the extender's cache") == true)
    }

    @Test func filterWithNodeObjectsAnswersWithTheSameObjects() async {
        let (e, call) = await extender()
        let pod = Fixtures.pod("p", gcu: 4)
        let n0 = (try? JSONValueEncoder().encode(Fixtures.node("n0"))) ?? .null
        let n1 = (try? JSONValueEncoder().encode(Fixtures.node("n1"))) ?? .null
        let body: JSONValue = ["Pod": pod.json, "Nodes": ["metadata": [:], "items": [n0, n1]], "NodeNames": nil]
        // Fill n1 so only n0 can take four whole devices.
        let blocker = Fixtures.pod("blocker", gcu: 1, node: "n1", devices: "n1-gcu-0:100:49152")
        await e.ledger.upsertPod(blocker)
        let r = await call.post("/gantry/filter", body)
        #expect(r.body["NodeNames"] == .null)
        #expect(r.body["Nodes"]?["items"]?.arrayValue?.count == 1)
        // Echoed untouched (labels and all), not rebuilt from the cache.
        #expect(r.body["Nodes"]?["items"]?[0] == n0)
        #expect(r.body["FailedNodes"]?["n1"]?.stringValue?.contains("devices: 3/4 devices are free whole") == true)
    }

    @Test func nullNodesAndNamesMeanNoCandidates() async {
        let (_, call) = await extender()
        let r = await call.post("/gantry/filter", ["Pod": Fixtures.pod("p", vgcu: 1).json, "Nodes": nil, "NodeNames": nil])
        #expect(r.status == 200)
        #expect(r.body["NodeNames"] == [])
        #expect(r.body["Error"] == "")
    }

    @Test func podsAskingForNothingManagedPassThrough() async {
        let (e, call) = await extender()
        let pod = Fixtures.pod("plain", cpu: "500m")
        let r = await call.post("/gantry/filter", filterArgs(pod, nodes: ["n0", "n1", "not-even-known"]))
        #expect(r.body["NodeNames"] == ["n0", "n1", "not-even-known"])
        #expect(r.body["FailedNodes"] == [:])
        let p = await call.post("/gantry/prioritize", filterArgs(pod, nodes: ["n0", "n1"]))
        #expect(p.body == [["Host": "n0", "Score": 0], ["Host": "n1", "Score": 0]])
        #expect(e.decisions.json(for: "default/plain")?["filter"]?["passThrough"] == true)
    }

    @Test func prioritizeAnswersABareListWithinRange() async {
        let (_, call) = await extender()
        let r = await call.post("/gantry/prioritize", filterArgs(Fixtures.pod("p", vgcu: 1, cores: 25), nodes: ["n0", "n1", "n2"]))
        #expect(r.status == 200)
        let list = r.body.arrayValue ?? []
        #expect(list.count == 3)
        for e in list {
            #expect(e.objectValue?.keys == ["Host", "Score"])
            let s = e["Score"]?.intValue ?? -1
            #expect(s >= 0 && s <= 10)
        }
    }

    @Test func bindWithoutAClientIsAnErrorNotAPlacement() async {
        let (e, call) = await extender()
        let r = await call.post("/gantry/bind", ExtenderBindingArgs(podName: "p", podNamespace: "default", podUID: "u", node: "n0").json)
        #expect(r.status == 200)
        #expect(r.body["Error"]?.stringValue?.isEmpty == false)
        #expect(await e.ledger.bookkeeping.allocations == 0)
    }

    // MARK: bad input

    @Test(arguments: [
        ("{not json", "malformed ExtenderArgs"),
        ("[]", "must be a JSON object"),
        (#"{"Pod":null,"NodeNames":["n0"]}"#, "Pod is required"),
        (#"{"Pod":"p","NodeNames":["n0"]}"#, "Pod must be an object"),
        (#"{"Pod":{"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","resources":{"requests":{"cpu":"lots"}}}]}},"NodeNames":["n0"]}"#, "Pod"),
        (#"{"Pod":{"metadata":{"name":"p"},"spec":{"containers":[]}},"NodeNames":"n0"}"#, "NodeNames must be a list"),
        (#"{"Pod":{"metadata":{"name":"p"},"spec":{"containers":[]}},"NodeNames":[1,2]}"#, "NodeNames[0] must be a string"),
        (#"{"Pod":{"metadata":{"name":"p"},"spec":{"containers":[]}},"Nodes":{"items":[{"metadata":{}}]}}"#, "metadata.name is required"),
    ])
    func malformedFilterRequestsGetAnError(body: String, message: String) async {
        let (e, call) = await extender()
        let r = await call.post("/gantry/filter", raw: Array(body.utf8))
        #expect(r.status == 200)
        let error = r.body["Error"]?.stringValue ?? ""
        #expect(error.contains(message), "\(error)")
        #expect(r.body["NodeNames"] == .null)
        #expect(r.body["Nodes"] == .null)
        #expect(await e.ledger.bookkeeping.allocations == 0)
    }

    @Test func invalidDeviceRequestsRejectEveryNodeWithTheReason() async {
        let (_, call) = await extender()
        let r = await call.post("/gantry/filter", filterArgs(Fixtures.pod("p", vgcu: 1, cores: 150), nodes: ["n0", "n1"]))
        #expect(r.body["NodeNames"] == [])
        #expect(r.body["FailedAndUnresolvableNodes"]?["n0"]?.stringValue?.contains("vgcu-cores is 150") == true)
        let shapes = await call.post("/gantry/filter", filterArgs(Fixtures.pod("q", cores: 50), nodes: ["n0"]))
        #expect(shapes.body["FailedAndUnresolvableNodes"]?["n0"]?.stringValue?.contains("need gantry.dev/vgcu") == true)
    }

    @Test func malformedOtherVerbsGetErrorsOr400() async {
        let (_, call) = await extender()
        #expect(await call.post("/gantry/bind", raw: Array("{\"PodName\":7}".utf8)).body["Error"]?.stringValue?.contains("PodName must be a string") == true)
        #expect(await call.post("/gantry/bind", raw: Array("{}".utf8)).body["Error"]?.stringValue?.contains("PodName is required") == true)
        #expect(await call.post("/gantry/prioritize", raw: Array("nope".utf8)).status == 400)
        #expect(await call.post("/gantry/preempt", raw: Array(#"{"Pod":{"metadata":{"name":"p"},"spec":{"containers":[]}},"NodeNameToMetaVictims":{"n0":{"Pods":[{"UID":""}]}}}"#.utf8)).status == 400)
        #expect(await call.post("/gantry/preempt", raw: Array(#"{"Pod":{"metadata":{"name":"p"},"spec":{"containers":[]}},"NodeNameToMetaVictims":{"n0":{"NumPDBViolations":"x"}}}"#.utf8)).status == 400)
        // Unknown verbs and methods are the router's 404/405.
        #expect(await call.post("/gantry/explode", raw: []).status == 404)
        #expect(await call.get("/gantry/filter").status == 405)
    }

    @Test func notReadyAnswersWithAnErrorAndNoNodes() async {
        let ledger = await Fixtures.ledger(nodes: 1)
        let e = SchedulerExtender(ledger: ledger, binder: nil, podStore: nil, metrics: ExtenderMetrics(), prefix: "gantry/",
                                  isReady: { false })
        let call = ExtenderCall(e)
        let r = await call.post("/gantry/filter", filterArgs(Fixtures.pod("p", vgcu: 1), nodes: ["n0"]))
        #expect(r.body["Error"]?.stringValue?.contains("not synced") == true)
        #expect(r.body["NodeNames"] == .null)
        #expect(await call.post("/gantry/prioritize", filterArgs(Fixtures.pod("p", vgcu: 1), nodes: ["n0"])).status == 503)
    }

    @Test func hugeAndSlowRequestsAreCutOffByTheServer() async throws {
        let ledger = await Fixtures.ledger(nodes: 1)
        let e = SchedulerExtender(ledger: ledger, binder: nil, podStore: nil, metrics: ExtenderMetrics(), prefix: "/gantry")
        var config = HTTPServer.Configuration(host: "127.0.0.1", port: 0)
        config.limits.maxBodyBytes = 64 * 1024
        config.timeouts.body = .milliseconds(300)
        let server = try HTTPServer(configuration: config, handler: e.handler())
        let serving = Task { try await server.run() }
        defer {
            server.shutdown()
            serving.cancel()
        }
        // Over the limit: 413 before the body is read.
        let big = try await RawHTTP.exchange(port: server.port,
                                              "POST /gantry/filter HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n{")
        #expect(big.hasPrefix("HTTP/1.1 413"), "\(big.prefix(80))")
        // A client that promises a body and stalls: 408, and the connection is closed.
        let slow = try await RawHTTP.exchange(port: server.port,
                                               "POST /gantry/filter HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"Pod\":")
        #expect(slow.hasPrefix("HTTP/1.1 408"), "\(slow.prefix(80))")
        #expect(await ledger.bookkeeping.allocations == 0)
    }

    @Test func debugEndpointExplainsTheLastDecision() async {
        let (e, call) = await extender(nodes: 2)
        let hot = Fixtures.pod("hog", gcu: 4, node: "n1", devices: "n1-gcu-0:100:49152,n1-gcu-1:100:49152,n1-gcu-2:100:49152,n1-gcu-3:100:49152")
        await e.ledger.upsertPod(hot)
        let pod = Fixtures.pod("p", namespace: "team", gcu: 2)
        _ = await call.post("/gantry/filter", filterArgs(pod, nodes: ["n0", "n1"]))
        _ = await call.post("/gantry/prioritize", filterArgs(pod, nodes: ["n0"]))
        let r = await call.get("/debug/pods/team/p")
        #expect(r.status == 200)
        #expect(r.body["filter"]?["feasible"] == ["n0"])
        #expect(r.body["filter"]?["failed"]?["n1"]?.stringValue?.hasPrefix("devices: 0/4 devices are free whole enflame devices; 2 needed") == true)
        #expect(r.body["filter"]?["rejectionsByKind"]?["devices"] == 1)
        #expect(r.body["prioritize"]?["scores"]?[0]?["Host"] == "n0")
        #expect(r.body["request"]?.stringValue?.contains("2 whole enflame") == true)
        #expect(await call.get("/debug/pods/team/unknown").status == 404)
    }
}
