// `gantry-bench extender`: the scheduler extender's targets (issue 7). Server-side latency of filter and
// prioritize (request bytes to reply bytes, through the real handler and ledger actor) with K candidate names on an
// N-node snapshot holding P bound pods; bind latency against the dev cluster over loopback HTTP (record patch +
// pods/binding); RSS once the caches and ledger hold N nodes and P pods; and pods/s end to end through the dev
// cluster's scheduler shim calling the extender over HTTP on a 1,000-node fleet.

import DevCluster
import Foundation
import GantryAPI
import GantryControllers
import GantryScheduling
import HTTPServer
import KubeClient
import KubeCore
import KubeRuntime
import Synchronization

enum ExtenderBenchmark {
    struct Options {
        var nodes = 5000
        var candidates = 500
        var pods = 50_000
        var iterations = 2000
        var binds = 300
        var e2eNodes = 1000
        var e2ePods = 2000
        var json = false

        init(_ args: [String]) throws {
            func int(_ name: String, _ d: Int) throws -> Int {
                guard let v = Bench.option(name, in: args) else { return d }
                guard let n = Int(v), n >= 0 else { throw BenchError("--\(name) must be a non-negative integer") }
                return n
            }
            nodes = max(1, try int("nodes", nodes))
            candidates = max(1, try int("candidates", candidates))
            pods = try int("pods", nodes * 10)
            iterations = max(10, try int("iterations", iterations))
            binds = try int("binds", binds)
            e2eNodes = try int("e2e-nodes", e2eNodes)
            e2ePods = try int("e2e-pods", e2ePods)
            json = Bench.flag("json", in: args)
        }
    }

    static func run(_ args: [String]) throws {
        let o = try Options(args)
        var out: [(String, Double)] = []
        let latency = try RuntimeBenchmark.blocking { try await verbLatency(o) }
        out += latency
        if o.binds > 0 { out += try RuntimeBenchmark.blocking { try await bindLatency(o) } }
        if o.e2ePods > 0 && o.e2eNodes > 0 { out += try RuntimeBenchmark.blocking { try await endToEnd(o) } }
        if o.json {
            var obj = JSONObject([("nodes", .int(Int64(o.nodes))), ("candidates", .int(Int64(o.candidates))), ("pods", .int(Int64(o.pods)))])
            for (k, v) in out { obj[k] = .double((v * 1000).rounded() / 1000) }
            print(JSONWriter.string(.object(obj)))
        } else {
            print("extender: \(o.nodes) nodes × 8 devices, \(o.pods) bound pods, \(o.candidates) candidate names per call")
            for (k, v) in out { print("  \(k.padding(toLength: 31, withPad: " ", startingAt: 0)) \(Bench.format(v, 3))") }
        }
    }

    static func residentMiB() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) else { return .nan }
        return kb / 1024
    }

    // MARK: Fleet objects

    static func node(_ name: String, rack: Int) -> Node {
        let value: JSONValue = [
            "apiVersion": "v1", "kind": "Node",
            "metadata": ["name": .string(name), "resourceVersion": "1",
                         "labels": ["kubernetes.io/hostname": .string(name), "kubernetes.io/os": "linux", "gantry.dev/pool": "default",
                                    "topology.gantry.dev/rack": .string("rack-\(rack)"), "node.kubernetes.io/instance-type": "gcu-8x"]],
            "spec": ["podCIDR": "10.0.0.0/24"],
            "status": ["capacity": ["cpu": "128", "memory": "1Ti", "pods": "110", "enflame.com/gcu": "8"],
                       "allocatable": ["cpu": "126", "memory": "1000Gi", "pods": "110", "enflame.com/gcu": "8"],
                       "conditions": [["type": "Ready", "status": "True", "reason": "KubeletReady"]],
                       "nodeInfo": ["kubeletVersion": "v1.35.0", "osImage": "Debian", "architecture": "amd64"]],
        ]
        return (try? JSONValueDecoder().decode(Node.self, from: value)) ?? Node()
    }

    static func slice(_ name: String) -> DeviceSlice {
        let devices = (0..<8).map { i in
            Device(id: "\(name)-gcu-\(i)", index: Int32(i), vendor: "enflame", model: "enflame-s60", memoryMiB: 49_152, cores: 100,
                   maxSlices: 4, health: .healthy, temperatureC: 45 + Double(i))
        }
        return DeviceSlice(node: name, spec: DeviceSliceSpec(node: name, devices: devices, chassisTemperatureC: 35, heartbeatTime: .now))
    }

    /// A pod as a controller would create it (env, volumes, probes, status) so the cache's slimming is exercised.
    static func podJSON(_ name: String, namespace: String = "bench", uid: String, shape: Int, node: String?, devices: String?) -> JSONValue {
        var requests: JSONObject = ["cpu": "2", "memory": "8Gi"]
        switch shape % 10 {
        case 0...5: requests["gantry.dev/vgcu"] = "1"; requests["gantry.dev/vgcu-cores"] = "25"
        case 6, 7: requests["gantry.dev/vgcu"] = "1"; requests["gantry.dev/vgcu-cores"] = "50"
        case 8: requests["enflame.com/gcu"] = "1"
        default: break
        }
        var annotations: JSONObject = ["kubectl.kubernetes.io/last-applied-configuration": .string(String(repeating: "x", count: 400))]
        if let devices, let node {
            annotations["gantry.dev/devices"] = .string(devices)
            annotations["gantry.dev/node"] = .string(node)
            annotations["gantry.dev/bind-time"] = "2026-11-23T08:00:00Z"
        }
        var pod: JSONValue = [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": ["name": .string(name), "namespace": .string(namespace), "uid": .string(uid), "resourceVersion": "10",
                         "creationTimestamp": "2026-11-23T08:00:00Z",
                         "labels": ["app": "train", "gantry.dev/job-name": "job", "pod-template-hash": "5d8f7c9b4"],
                         "annotations": .object(annotations),
                         "ownerReferences": [["apiVersion": "gantry.dev/v1alpha1", "kind": "TrainingJob", "name": "job", "uid": "owner-uid",
                                              "controller": true]]],
            "spec": [
                "containers": [[
                    "name": "main", "image": "registry.example.com/train:1.0", "command": ["python", "train.py"],
                    "env": .array((0..<8).map { .object(JSONObject([("name", .string("VAR_\($0)")), ("value", .string("value-\($0)"))])) }),
                    "resources": ["requests": .object(requests), "limits": .object(requests)],
                    "volumeMounts": [["name": "data", "mountPath": "/data"], ["name": "kube-api-access", "mountPath": "/var/run/secrets"]],
                    "readinessProbe": ["httpGet": ["path": "/healthz", "port": 8080], "periodSeconds": 10],
                ]],
                "volumes": [["name": "data", "emptyDir": [:]], ["name": "kube-api-access", "projected": ["sources": [["serviceAccountToken": ["path": "token"]]]]]],
                "restartPolicy": "OnFailure", "serviceAccountName": "default", "priority": 0,
                "tolerations": [["key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300]],
            ],
        ]
        if let node {
            pod["spec"]?["nodeName"] = .string(node)
            pod["status"] = ["phase": "Running", "startTime": "2026-11-23T08:00:01Z", "podIP": "10.1.2.3",
                             "conditions": [["type": "Ready", "status": "True"]],
                             "containerStatuses": [["name": "main", "ready": true, "restartCount": 0, "image": "train:1.0", "imageID": "sha256:abc"]]]
        }
        return pod
    }

    /// Bound pods over the nodes, placed by a first-fit device allocator with their records, made one at a time
    /// (a watch delivers them one by one; holding all as full objects would measure the generator, not the cache).
    struct BoundPods {
        let count: Int
        let nodes: Int
        var free: [[Int]]
        var slices: [[Int]]
        var j = 0

        init(count: Int, nodes: Int) {
            self.count = count
            self.nodes = nodes
            free = [[Int]](repeating: [Int](repeating: 100, count: 8), count: nodes)
            slices = [[Int]](repeating: [Int](repeating: 0, count: 8), count: nodes)
        }

        mutating func next() -> Pod? {
            while j < count {
                defer { j += 1 }
                let n = j % nodes
                let node = String(format: "node-%05d", n)
                let shape = j % 10
                var devices: String?
                let cores = shape <= 5 ? 25 : shape <= 7 ? 50 : shape == 8 ? 100 : 0
                if cores > 0 {
                    guard let d = (0..<8).first(where: { free[n][$0] >= cores && (cores < 100 ? slices[n][$0] < 4 : free[n][$0] == 100) })
                    else { continue }
                    free[n][d] -= cores
                    if cores < 100 { slices[n][d] += 1 }
                    devices = "\(node)-gcu-\(d):\(cores):\(49_152 * cores / 100)"
                }
                let json = podJSON("bound-\(j)", uid: "uid-bound-\(j)", shape: shape, node: node, devices: devices)
                if let pod = try? JSONValueDecoder().decode(Pod.self, from: json) { return pod }
            }
            return nil
        }
    }

    // MARK: filter and prioritize

    static func verbLatency(_ o: Options) async throws -> [(String, Double)] {
        let rssStart = residentMiB()
        let metrics = ExtenderMetrics()
        let store = Store<CachedPod>(indexes: [GangIndex.index], transform: nil)
        let ledger = ClusterLedger(podStore: store, metrics: metrics)
        let names = (0..<o.nodes).map { String(format: "node-%05d", $0) }
        for (i, name) in names.enumerated() {
            await ledger.upsertNode(node(name, rack: i / 16))
            await ledger.upsertSlice(slice(name))
        }
        let rssNodes = residentMiB()
        let buildStart = Bench.now()
        // Decoded one at a time and dropped after the store has its slim copy, as a watch delivers them.
        var generator = BoundPods(count: o.pods, nodes: o.nodes)
        let noStore = Bench.flag("no-store", in: CommandLine.arguments)
        while let pod = generator.next() {
            if noStore { await ledger.upsertPod(pod); continue }
            for change in store.apply(.applied(CachedPod(pod))) { await ledger.upsertPod(facts: change.object.facts) }
        }
        let buildSeconds = Bench.now() - buildStart
        let rss = residentMiB()
        let extender = SchedulerExtender(ledger: ledger, binder: nil, podStore: store, metrics: metrics, prefix: "/gantry")
        let handler = extender.handler()
        if Bench.flag("profile", in: CommandLine.arguments) { await profile(o, ledger: ledger, names: names, rssNodes: rssNodes, rss: rss) }
        // The pods asking: the shapes of the mix.
        let asking = (0..<10).compactMap { s in
            try? JSONValueDecoder().decode(Pod.self, from: podJSON("ask-\(s)", uid: "uid-ask-\(s)", shape: s, node: nil, devices: nil))
        }
        var filter: [Double] = []
        var prioritize: [Double] = []
        var both: [Double] = []
        var start = 0
        for i in 0..<o.iterations {
            // kube-scheduler hands each pod the next window of feasible nodes (a rotating start).
            let k = min(o.candidates, names.count)
            var candidates: [String] = []
            candidates.reserveCapacity(k)
            for c in 0..<k { candidates.append(names[(start + c) % names.count]) }
            start = (start + k) % names.count
            let pod = asking[i % asking.count]
            let args = ExtenderArgs(pod: pod, nodeNames: candidates)
            let body = JSONWriter.write(try args.encode())
            let t0 = Bench.now()
            let r1 = await handler(HTTPRequest(method: .post, target: "/gantry/filter", headers: ["Content-Type": "application/json"], body: body))
            let t1 = Bench.now()
            guard case .bytes(let reply) = r1.body, let feasible = (try? JSONParser.parse(reply))?["NodeNames"]?.arrayValue?.compactMap(\.stringValue)
            else { throw BenchError("filter failed") }
            let pbody = JSONWriter.write(try ExtenderArgs(pod: pod, nodeNames: feasible).encode())
            let t2 = Bench.now()
            _ = await handler(HTTPRequest(method: .post, target: "/gantry/prioritize", headers: ["Content-Type": "application/json"], body: pbody))
            let t3 = Bench.now()
            filter.append((t1 - t0) * 1000)
            prioritize.append((t3 - t2) * 1000)
            both.append((t1 - t0 + t3 - t2) * 1000)
        }
        if !o.json {
            print("  built \(o.nodes) nodes and \(await ledger.bookkeeping.allocations) bound pods in \(Bench.format(buildSeconds, 2)) s; "
                  + "RSS \(Bench.format(rssStart, 1)) → \(Bench.format(rss, 1)) MiB")
        }
        return [("filter_p50_ms", Bench.percentile(filter, 50)), ("filter_p99_ms", Bench.percentile(filter, 99)),
                ("prioritize_p50_ms", Bench.percentile(prioritize, 50)), ("prioritize_p99_ms", Bench.percentile(prioritize, 99)),
                ("filter_prioritize_p50_ms", Bench.percentile(both, 50)), ("filter_prioritize_p99_ms", Bench.percentile(both, 99)),
                ("rss_mb", rss)]
    }

    /// Where a filter call's time goes, step by step, and where the memory went (`--profile`).
    static func profile(_ o: Options, ledger: ClusterLedger, names: [String], rssNodes: Double, rss: Double) async {
        print("  RSS: nodes \(Bench.format(rssNodes, 1)) MiB, with pods \(Bench.format(rss, 1)) MiB")
        print("  sizes: Pod \(MemoryLayout<Pod>.size) B, ObjectMeta \(MemoryLayout<ObjectMeta>.size), PodSpec \(MemoryLayout<PodSpec>.size), "
              + "PodStatus \(MemoryLayout<PodStatus>.size), Container \(MemoryLayout<Container>.size), Allocation \(MemoryLayout<Allocation>.size), "
              + "Node \(MemoryLayout<Node>.size), Quantity \(MemoryLayout<Quantity>.size)")
        guard let pod = try? JSONValueDecoder().decode(Pod.self, from: podJSON("p", uid: "u", shape: 0, node: nil, devices: nil)) else { return }
        let candidates = Array(names.prefix(o.candidates))
        let body = JSONWriter.write((try? ExtenderArgs(pod: pod, nodeNames: candidates).encode()) ?? .null)
        let n = 300
        func time(_ label: String, _ f: () async -> Void) async {
            let t0 = Bench.now()
            for _ in 0..<n { await f() }
            print("  \(label.padding(toLength: 28, withPad: " ", startingAt: 0)) \(Bench.format((Bench.now() - t0) / Double(n) * 1e6, 1)) µs")
        }
        await time("parse body", { _ = try? JSONParser.parse(body) })
        await time("decode ExtenderArgs", { _ = try? ExtenderArgs.decode(body) })
        await time("PodFacts", { _ = PodFacts(pod) })
        let facts = PodFacts(pod)
        await time("ledger.filter (actor)", { _ = await ledger.filter(facts, candidates: candidates) })
        let outcome = await ledger.filter(facts, candidates: candidates)
        await time("ledger.prioritize (actor)", { _ = await ledger.prioritize(facts, candidates: outcome.feasible) })
        let result = ExtenderFilterResult(nodeNames: outcome.feasible, failedNodes: outcome.failed, failedAndUnresolvableNodes: outcome.unresolvable)
        await time("encode reply", { _ = JSONWriter.write(result.json) })
        var start = 0
        await time("ledger.filter, rotating", {
            let window = (0..<o.candidates).map { names[(start + $0) % names.count] }
            start += o.candidates
            _ = await ledger.filter(facts, candidates: window)
        })
        let handler = SchedulerExtender(ledger: ledger, binder: nil, podStore: nil, metrics: ExtenderMetrics(), prefix: "/gantry").handler()
        await time("handler filter, same body", {
            _ = await handler(HTTPRequest(method: .post, target: "/gantry/filter", headers: ["Content-Type": "application/json"], body: body))
        })
    }

    // MARK: bind

    static func bindLatency(_ o: Options) async throws -> [(String, Double)] {
        let api = APIServer(store: ObjectStore(historyCapacity: 10_000))
        let server = try DevClusterServer(api: api, port: 0)
        let serving = Task { try await server.run() }
        defer {
            server.stop()
            serving.cancel()
        }
        let client = try KubeClient(configuration: ClientConfiguration(server: server.url, requestTimeout: .seconds(10)))
        let store = Store<CachedPod>(indexes: [GangIndex.index], transform: nil)
        let ledger = ClusterLedger(podStore: store)
        let nodes = max(1, o.binds / 8 + 1)
        for i in 0..<nodes {
            let name = String(format: "node-%05d", i)
            await ledger.upsertNode(node(name, rack: 0))
            await ledger.upsertSlice(slice(name))
        }
        let extender = SchedulerExtender(ledger: ledger, binder: PodBinder(client: client, ledger: ledger, logger: Logger(label: "bench", sink: .discarding)),
                                         podStore: store, metrics: ExtenderMetrics(), prefix: "/gantry")
        let handler = extender.handler()
        var created: [Pod] = []
        for i in 0..<o.binds {
            var json = podJSON("bind-\(i)", namespace: "default", uid: "", shape: i % 8, node: nil, devices: nil)
            json["metadata"]?["uid"] = nil
            json["metadata"]?["resourceVersion"] = nil
            let pod = try await client.create(try JSONValueDecoder().decode(Pod.self, from: json), namespace: "default")
            store.apply(.applied(CachedPod(pod)))
            created.append(pod)
        }
        var times: [Double] = []
        for (i, pod) in created.enumerated() {
            let node = String(format: "node-%05d", i % nodes)
            let args = ExtenderBindingArgs(podName: pod.metadata.name ?? "", podNamespace: "default", podUID: pod.metadata.uid ?? "", node: node)
            let body = JSONWriter.write(args.json)
            let t0 = Bench.now()
            let r = await handler(HTTPRequest(method: .post, target: "/gantry/bind", headers: ["Content-Type": "application/json"], body: body))
            times.append((Bench.now() - t0) * 1000)
            guard case .bytes(let reply) = r.body, (try? JSONParser.parse(reply))?["Error"] == "" else {
                throw BenchError("bind \(i) failed")
            }
        }
        return [("bind_p50_ms", Bench.percentile(times, 50)), ("bind_p99_ms", Bench.percentile(times, 99))]
    }

    // MARK: end to end

    /// The dev cluster (API server, e2eNodes simulated nodes, kubelets, scheduler shim) in this process and the
    /// extender as its own process, the real `gantry-scheduler-extender` binary as deployed (a sidecar of
    /// kube-scheduler on a real cluster), watching the dev cluster over HTTP; the shim calls it over loopback HTTP.
    /// Pods are created as fast as the API takes them; the rate is pods bound per second from the first create to
    /// the last binding, and the extender's own CPU time per pod is read from /proc.
    static func endToEnd(_ o: Options) async throws -> [(String, Double)] {
        let binary = try ControllerProcess.binary("gantry-scheduler-extender")
        let api = APIServer(store: ObjectStore(historyCapacity: 200_000))
        let server = try DevClusterServer(api: api, port: 0)
        let serving = Task { try await server.run() }
        let client = try KubeClient(configuration: ClientConfiguration(server: server.url, requestTimeout: .seconds(30)))
        for kind in [DeviceSlice.definition, ResourcePool.definition, Quota.definition] {
            _ = try await client.create(CRDGenerator.crd(for: kind))
        }
        guard let port = HTTPServer.freeLoopbackPort() else { throw BenchError("no free loopback port for the extender") }
        let extender = try ControllerProcess(binary, server: server.url, arguments: [
            "--host", "127.0.0.1", "--port", String(port), "--probe-port", "0", "--log-level", "warning",
        ])
        defer {
            extender.stop()
            server.stop()
            serving.cancel()
        }
        var scheduler = try schedulerConfiguration()
        scheduler.extenders[0].urlPrefix = "http://127.0.0.1:\(port)/gantry"
        let cluster = try SimulatedCluster(api: api, options: .init(nodes: o.e2eNodes, devicesPerNode: 8, podStartDelay: 0.5,
                                                                    schedulerConfiguration: scheduler))
        try await cluster.start()
        defer { cluster.stop() }
        let probe = try KubeClient(configuration: ClientConfiguration(server: "http://127.0.0.1:\(port)", requestTimeout: .seconds(5)))
        let readyBy = Bench.now() + 120
        while (try? await probe.send(TransportRequest(method: .get, path: "/readyz")))?.status != 200 {
            guard extender.process.isRunning, Bench.now() < readyBy else { throw BenchError("extender not ready: \(extender.log)") }
            try await Task.sleep(for: .milliseconds(100))
        }
        try await Task.sleep(for: .milliseconds(500))
        let cpuBefore = extender.cpuSeconds, clusterBefore = ControllerProcess.cpuSeconds(getpid())
        let start = Bench.now()
        // Pods arrive as a steady stream with at most `window` waiting (as scheduler_perf and clusterloader2 create
        // them at a rate), created in process through the API server's handler so the client side costs little of
        // the shared CPUs. Rate = pods bound / time from the first create to the last binding.
        let window = 64
        var created = 0
        var bound = 0
        let deadline = Bench.now() + 600
        while bound < o.e2ePods && Bench.now() < deadline {
            bound = await cluster.scheduler?.stats.scheduled ?? 0
            if created < o.e2ePods && created - bound < window {
                let shape = created % 9  // slices and whole devices; CPU-only pods never reach the extender
                var json = podJSON("e2e-\(created)", namespace: "default", uid: "", shape: shape, node: nil, devices: nil)
                json["metadata"]?["uid"] = nil
                json["metadata"]?["resourceVersion"] = nil
                let r = await api.handle(HTTPRequest(method: .post, target: "/api/v1/namespaces/default/pods",
                                                     headers: ["Content-Type": "application/json"], body: JSONWriter.write(json)), bypassFaults: true)
                if r.status != 201 { throw BenchError("create failed: \(r.status)") }
                created += 1
            } else {
                try await Task.sleep(for: .milliseconds(1))
            }
        }
        let elapsed = Bench.now() - start
        let extenderCPU = extender.cpuSeconds - cpuBefore
        let clusterCPU = ControllerProcess.cpuSeconds(getpid()) - clusterBefore
        // The extender's own view of the verbs (handler time, from its /metrics): what is left of the scheduler's
        // round trip is the two processes' HTTP, thread hand-offs and waiting for a core.
        let metrics = (try? await probe.send(TransportRequest(method: .get, path: "/metrics"))).map { String(decoding: $0.body, as: UTF8.self) } ?? ""
        func serverMeanMs(_ verb: String) -> Double {
            func value(_ series: String) -> Double? {
                metrics.split(separator: "\n").first { $0.hasPrefix("gantry_extender_request_duration_seconds_\(series){verb=\"\(verb)\"}") }
                    .flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
            }
            guard let sum = value("sum"), let count = value("count"), count > 0 else { return .nan }
            return sum / count * 1000
        }
        let stats = await cluster.scheduler?.stats
        if !o.json {
            print("  end to end: \(bound)/\(o.e2ePods) pods bound on \(o.e2eNodes) nodes in \(Bench.format(elapsed, 2)) s"
                  + (stats.map { " (shim: \($0.scheduled) scheduled, \($0.unschedulable) unschedulable, \($0.errors) errors)" } ?? ""))
        }
        let perPod = 1000 / Double(max(bound, 1))
        return [("e2e_pods_per_s", Double(bound) / elapsed), ("e2e_extender_cpu_ms_per_pod", extenderCPU * perPod),
                ("e2e_devcluster_cpu_ms_per_pod", clusterCPU * perPod),
                ("e2e_filter_server_mean_ms", serverMeanMs("filter")), ("e2e_prioritize_server_mean_ms", serverMeanMs("prioritize"))]
    }

    static func schedulerConfiguration() throws -> SchedulerConfiguration {
        for path in ["Manifests/scheduler-config.yaml", "../Manifests/scheduler-config.yaml"] where FileManager.default.fileExists(atPath: path) {
            return try SchedulerConfiguration.load(path: path)
        }
        throw BenchError("run from the repository root: Manifests/scheduler-config.yaml not found")
    }
}
