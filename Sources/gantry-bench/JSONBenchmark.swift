// `gantry-bench json`: raw JSON parse and write throughput on a realistic ~2 KB Pod watch event, and the
// full watch path: bytes → WatchEventFrame → typed Pod (the foundation's target is ≥ 50,000 events/s).

import Foundation
import KubeCore

enum JSONBenchmark {
    static let samplePodEvent = #"{"type":"MODIFIED","object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"trainer-worker-12","namespace":"team-a","uid":"5c0b7a1e-3c2f-4d4b-9a51-0d7e8f2a9b13","resourceVersion":"1234567","creationTimestamp":"2026-11-20T10:00:00Z","labels":{"app":"trainer","gantry.dev/gang":"team-a.job-1","gantry.dev/quota":"team-a"},"annotations":{"gantry.dev/devices":"gcu-0:50:24576,gcu-1:50:24576","gantry.dev/node":"node-17","gantry.dev/bind-time":"2026-11-20T10:00:01Z"},"ownerReferences":[{"apiVersion":"gantry.dev/v1alpha1","kind":"TrainingJob","name":"job-1","uid":"aa0b7a1e-3c2f-4d4b-9a51-0d7e8f2a9b13","controller":true,"blockOwnerDeletion":true}]},"spec":{"schedulerName":"gantry-scheduler","priority":100,"nodeName":"node-17","containers":[{"name":"trainer","image":"registry.example.com/ml/pytorch:2.4-gcu","command":["torchrun","--nnodes=4","train.py"],"env":[{"name":"MASTER_ADDR","value":"job-1-master-0.job-1"},{"name":"MASTER_PORT","value":"23456"},{"name":"WORLD_SIZE","value":"4"},{"name":"RANK","value":"2"}],"resources":{"requests":{"cpu":"8","memory":"32Gi","gantry.dev/vgcu":"2","gantry.dev/vgcu-cores":"50","gantry.dev/vgcu-memory":"24576"},"limits":{"cpu":"8","memory":"32Gi","gantry.dev/vgcu":"2"}},"volumeMounts":[{"name":"data","mountPath":"/data"},{"name":"shm","mountPath":"/dev/shm"}]}],"volumes":[{"name":"data","persistentVolumeClaim":{"claimName":"datasets"}},{"name":"shm","emptyDir":{"medium":"Memory"}}],"tolerations":[{"key":"gantry.dev/pool","operator":"Equal","value":"gcu-train","effect":"NoSchedule"}],"nodeSelector":{"gantry.dev/pool":"gcu-train"}},"status":{"phase":"Running","conditions":[{"type":"PodScheduled","status":"True","lastTransitionTime":"2026-11-20T10:00:01Z"},{"type":"Ready","status":"True","lastTransitionTime":"2026-11-20T10:00:05Z"}],"hostIP":"10.0.0.17","podIP":"10.244.17.5","startTime":"2026-11-20T10:00:02Z","containerStatuses":[{"name":"trainer","ready":true,"restartCount":0,"image":"registry.example.com/ml/pytorch:2.4-gcu","imageID":"sha256:abc","state":{"running":{"startedAt":"2026-11-20T10:00:04Z"}}}]}}}"#

    /// `--only parse|write|typed|encode` runs one measurement (for profiling with callgrind).
    static func run(_ args: [String]) throws {
        let n = Int(Bench.option("events", in: args) ?? "") ?? 100_000
        let runs = Int(Bench.option("runs", in: args) ?? "") ?? 5
        let only = Bench.option("only", in: args)
        let bytes = Array(samplePodEvent.utf8)
        let parsed = try JSONParser.parse(bytes)
        let frame = try JSONValueDecoder().decode(WatchEventFrame.self, from: bytes)
        let pod = try JSONValueDecoder().decode(Pod.self, from: frame.object)
        let podData = Data(bytes)

        let measurements: [(name: String, label: String, body: () throws -> Int)] = [
            ("parse", "parse (bytes -> JSONValue)", { try JSONParser.parse(bytes).objectValue?.count ?? 0 }),
            ("write", "write (JSONValue -> bytes)", { JSONWriter.write(parsed).count }),
            ("typed", "bytes -> WatchEventFrame -> Pod", {
                let decoder = JSONValueDecoder()
                let frame = try decoder.decode(WatchEventFrame.self, from: bytes)
                return try decoder.decode(Pod.self, from: frame.object).spec?.containers.count ?? 0
            }),
            ("encode", "Pod -> JSON bytes", { try JSONValueEncoder().encodeBytes(pod).count }),
            // Reference point: Foundation's decoder straight from bytes (no unknown fields, no JSONValue tree).
            ("foundation", "reference: Foundation JSONDecoder bytes -> Pod", {
                try JSONDecoder().decode(FoundationFrame.self, from: podData).object.spec?.containers.count ?? 0
            }),
        ]
        print("event size: \(bytes.count) bytes, \(n) events x \(runs) runs (median)")
        for m in measurements where only == nil || only == m.name {
            var cpuRates: [Double] = []
            let rates = try Bench.repeated(runs) {
                var check = 0
                let t = Bench.now()
                let cpu = Bench.threadCPUNow()
                for _ in 0..<n { check &+= try m.body() }
                cpuRates.append(Double(n) / (Bench.threadCPUNow() - cpu))
                let rate = Double(n) / (Bench.now() - t)
                precondition(check > 0)
                return rate
            }
            let median = Bench.median(rates)
            let mbs = m.name == "parse" ? " (\(Bench.format(median * Double(bytes.count) / 1e6, 1)) MB/s)" : ""
            print("\(m.label): \(Int(median)) events/s wall\(mbs), \(Int(Bench.median(cpuRates))) events per CPU-second")
        }
    }

    private struct FoundationFrame: Decodable {
        var type: String
        var object: Pod
    }
}
