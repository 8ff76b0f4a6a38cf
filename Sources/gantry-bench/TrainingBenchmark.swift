// gantry-bench training: 1,000 single-pod TrainingJobs created at once on a 200-node dev fleet, with the real
// gantry-training-controller binary (--admission=self) as a separate process so its RSS is its own. Reports
// how long after each job's admission its pod appeared (as seen by a watch here), the time until all pods
// exist, the controller's peak RSS, and its reconcile-time distribution from its /metrics.

import DevCluster
import Foundation
import GantryAPI
import GantryControllers
import KubeClient
import KubeCore
import Synchronization

enum TrainingBenchmark {
    static func run(_ args: [String]) throws {
        let jobs = Int(Bench.option("jobs", in: args) ?? "1000") ?? 1000
        let nodes = Int(Bench.option("nodes", in: args) ?? "200") ?? 200
        let binary = try Bench.option("controller", in: args) ?? ControllerProcess.binary("gantry-training-controller")
        try RuntimeBenchmark.blocking { try await measure(jobs: jobs, nodes: nodes, binary: binary) }
    }

    static func job(_ i: Int) -> JSONValue {
        [
            "apiVersion": "gantry.dev/v1alpha1", "kind": "TrainingJob",
            "metadata": ["name": .string("bench-\(i)"), "namespace": "bench"],
            "spec": [
                "framework": "pytorch",
                "replicas": [[
                    "name": "master", "count": 1,
                    "template": ["spec": ["containers": [[
                        "name": "pytorch", "image": "bench:1",
                        "resources": ["limits": ["gantry.dev/vgcu": "1", "gantry.dev/vgcu-cores": "25", "gantry.dev/vgcu-memory": "8192"]],
                    ]]]],
                ]],
            ],
        ]
    }

    static func measure(jobs: Int, nodes: Int, binary: String) async throws {
        let api = APIServer(store: ObjectStore(historyCapacity: 200_000))
        let server = try DevClusterServer(api: api, port: 0)
        let serving = Task { try await server.run() }
        defer {
            server.stop()
            serving.cancel()
        }
        // No scheduler: this measures the controller (admission gate, pod and Service creation, status writes).
        let simulation = try SimulatedCluster(api: api, options: .init(nodes: nodes, devicesPerNode: 8))
        try await simulation.start()
        let client = try KubeClient(configuration: ClientConfiguration(server: server.url, requestTimeout: .seconds(30)))
        _ = try await client.create(ResourceDescriptor(group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition",
                                                       plural: "customresourcedefinitions", namespaced: false),
                                    try JSONValueEncoder().encode(CRDGenerator.crd(for: TrainingJob.definition)))
        _ = try await client.create(ResourceDescriptor(group: "", version: "v1", kind: "Namespace", plural: "namespaces", namespaced: false),
                                    ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "bench"]])
        let controller = try ControllerProcess(binary, server: server.url, arguments: [
            "--admission", "self", "--leader-elect", "false", "--metrics-port", "0", "--workers", "4", "--log-level", "info",
        ])
        defer { controller.stop() }
        var metricsPort: Int?
        for _ in 0..<200 where metricsPort == nil {
            try await Task.sleep(nanoseconds: 50_000_000)
            if let line = controller.log.split(separator: "\n").first(where: { $0.contains("serving probes and metrics") }),
               let range = line.range(of: #"0\.0\.0\.0:[0-9]+"#, options: .regularExpression) {
                metricsPort = Int(line[range].split(separator: ":").last ?? "")
            }
        }
        guard let metricsPort else {
            throw BenchError("controller did not start: \(controller.log)")
        }
        let idleRSS = controller.residentMiB

        // Watch jobs and pods: note when each job is first Admitted and when its pod first appears.
        let admittedAt = Mutex<[String: Double]>([:])
        let podAt = Mutex<[String: Double]>([:])
        let jobsWatch = Task {
            for try await event in try await client.watch(TrainingJobObject.self, namespace: "bench") {
                guard case .modified(let j) = event else { continue }
                if j.rawConditions.contains(where: { $0.type == ConditionType.admitted && $0.isTrue }) {
                    let t = Bench.now()
                    admittedAt.withLock { if $0[j.name] == nil { $0[j.name] = t } }
                }
            }
        }
        let podsWatch = Task {
            for try await event in try await client.watch(Pod.self, namespace: "bench") {
                guard case .added(let p) = event, let job = p.metadata.labels?[LabelKey.jobName] else { continue }
                let t = Bench.now()
                podAt.withLock { if $0[job] == nil { $0[job] = t } }
            }
        }
        defer {
            jobsWatch.cancel()
            podsWatch.cancel()
        }
        try await Task.sleep(nanoseconds: 300_000_000)

        print("training: \(jobs) single-pod TrainingJobs on \(nodes) nodes × 8 GCUs, controller \(binary)")
        let start = Bench.now()
        // Created at once: 16 concurrent writers.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<16 {
                group.addTask {
                    for i in stride(from: w, to: jobs, by: 16) {
                        _ = try await client.create(TrainingJob.descriptor, job(i), namespace: "bench")
                    }
                }
            }
            try await group.waitForAll()
        }
        let created = Bench.now() - start
        var peakRSS = idleRSS
        let deadline = Bench.now() + 120
        while Bench.now() < deadline {
            peakRSS = max(peakRSS, controller.residentMiB)
            if podAt.withLock({ $0.count }) >= jobs && admittedAt.withLock({ $0.count }) >= jobs { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        let allPods = Bench.now() - start
        // Let the status writes that follow pod creation settle, still sampling memory.
        for _ in 0..<30 {
            peakRSS = max(peakRSS, controller.residentMiB)
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        let admitted = admittedAt.withLock { $0 }
        let podsSeen = podAt.withLock { $0 }
        var delays: [Double] = []
        for (job, t) in podsSeen { if let a = admitted[job] { delays.append(max(0, t - a)) } }
        print("created \(jobs) jobs in \(Bench.format(created)) s; all \(podsSeen.count) pods existed \(Bench.format(allPods)) s after the first create")
        print("admitted: \(admitted.count); pod seen after admission seen: median \(Bench.format(Bench.median(delays) * 1000, 1)) ms, "
            + "p99 \(Bench.format(Bench.percentile(delays, 99) * 1000, 1)) ms, max \(Bench.format((delays.max() ?? 0) * 1000, 1)) ms "
            + "(limit 10 s)")
        print("controller RSS: \(Bench.format(idleRSS, 1)) MiB idle, \(Bench.format(peakRSS, 1)) MiB peak (limit 60 MB)")
        let metrics = try await scrape(port: metricsPort)
        print("reconciles (API calls included): " + histogramSummary(metrics, "controller_runtime_reconcile_time_seconds"))
        print("decisions (decode, validate, plan; no I/O): " + histogramSummary(metrics, "gantry_trainingjob_plan_seconds"))
    }

    /// Resident set size of a process in MiB.
    static func scrape(port: Int) async throws -> String {
        let transport = try CurlTransport(configuration: ClientConfiguration(server: "http://127.0.0.1:\(port)"))
        let response = try await transport.send(TransportRequest(method: .get, path: "/metrics"))
        return String(decoding: response.body, as: UTF8.self)
    }

    /// Count, mean, the share within 5 ms, and p99 interpolated within the histogram's buckets.
    static func histogramSummary(_ text: String, _ name: String) -> String {
        var buckets: [(Double, Double)] = []
        var count = 0.0
        var sum = 0.0
        for line in text.split(separator: "\n") where line.hasPrefix(name) {
            let parts = line.split(separator: " ")
            guard parts.count >= 2, let value = Double(parts[parts.count - 1]) else { continue }
            if line.contains("_bucket"), let r = line.range(of: #"le="[^"]+""#, options: .regularExpression) {
                let le = line[r].dropFirst(4).dropLast()
                buckets.append((le == "+Inf" ? .infinity : Double(le) ?? .infinity, value))
            } else if line.contains("_count") {
                count = value
            } else if line.contains("_sum") {
                sum = value
            }
        }
        guard count > 0 else { return "none reported" }
        buckets.sort { $0.0 < $1.0 }
        let target = 0.99 * count
        var p99 = Double.infinity
        var previous = (0.0, 0.0)
        for (le, c) in buckets {
            if c >= target {
                let fraction = c > previous.1 ? (target - previous.1) / (c - previous.1) : 1
                p99 = previous.0 + (le - previous.0) * fraction
                break
            }
            previous = (le, c)
        }
        let within5 = buckets.first { $0.0 == 0.005 }?.1 ?? 0
        return "\(Int(count)), mean \(Bench.format(sum / count * 1000, 2)) ms, "
            + "\(Bench.format(within5 / count * 100, 1)) % within 5 ms, p99 ≈ \(Bench.format(p99 * 1000, 2)) ms (limit 5 ms)"
    }
}
