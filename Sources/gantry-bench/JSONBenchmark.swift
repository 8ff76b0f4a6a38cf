// `gantry-bench json`: raw JSON parse and write throughput on a realistic ~2 KB Pod watch event.

import Foundation
import KubeCore

enum JSONBenchmark {
    static let samplePodEvent = #"{"type":"MODIFIED","object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"trainer-worker-12","namespace":"team-a","uid":"5c0b7a1e-3c2f-4d4b-9a51-0d7e8f2a9b13","resourceVersion":"1234567","creationTimestamp":"2026-11-20T10:00:00Z","labels":{"app":"trainer","gantry.dev/gang":"team-a.job-1","gantry.dev/quota":"team-a"},"annotations":{"gantry.dev/devices":"gcu-0:50:24576,gcu-1:50:24576","gantry.dev/node":"node-17","gantry.dev/bind-time":"2026-11-20T10:00:01Z"},"ownerReferences":[{"apiVersion":"gantry.dev/v1alpha1","kind":"TrainingJob","name":"job-1","uid":"aa0b7a1e-3c2f-4d4b-9a51-0d7e8f2a9b13","controller":true,"blockOwnerDeletion":true}]},"spec":{"schedulerName":"gantry-scheduler","priority":100,"nodeName":"node-17","containers":[{"name":"trainer","image":"registry.example.com/ml/pytorch:2.4-gcu","command":["torchrun","--nnodes=4","train.py"],"env":[{"name":"MASTER_ADDR","value":"job-1-master-0.job-1"},{"name":"MASTER_PORT","value":"23456"},{"name":"WORLD_SIZE","value":"4"},{"name":"RANK","value":"2"}],"resources":{"requests":{"cpu":"8","memory":"32Gi","gantry.dev/vgcu":"2","gantry.dev/vgcu-cores":"50","gantry.dev/vgcu-memory":"24576"},"limits":{"cpu":"8","memory":"32Gi","gantry.dev/vgcu":"2"}},"volumeMounts":[{"name":"data","mountPath":"/data"},{"name":"shm","mountPath":"/dev/shm"}]}],"volumes":[{"name":"data","persistentVolumeClaim":{"claimName":"datasets"}},{"name":"shm","emptyDir":{"medium":"Memory"}}],"tolerations":[{"key":"gantry.dev/pool","operator":"Equal","value":"gcu-train","effect":"NoSchedule"}],"nodeSelector":{"gantry.dev/pool":"gcu-train"}},"status":{"phase":"Running","conditions":[{"type":"PodScheduled","status":"True","lastTransitionTime":"2026-11-20T10:00:01Z"},{"type":"Ready","status":"True","lastTransitionTime":"2026-11-20T10:00:05Z"}],"hostIP":"10.0.0.17","podIP":"10.244.17.5","startTime":"2026-11-20T10:00:02Z","containerStatuses":[{"name":"trainer","ready":true,"restartCount":0,"image":"registry.example.com/ml/pytorch:2.4-gcu","imageID":"sha256:abc","state":{"running":{"startedAt":"2026-11-20T10:00:04Z"}}}]}}}"#

    static func run(_ args: [String]) throws {
        let n = Int(Bench.option("events", in: args) ?? "") ?? 100_000
        let runs = Int(Bench.option("runs", in: args) ?? "") ?? 5
        let bytes = Array(samplePodEvent.utf8)
        let parsed = try JSONParser.parse(bytes)
        let parse = try Bench.repeated(runs) {
            let t = Bench.now()
            for _ in 0..<n { _ = try JSONParser.parse(bytes) }
            return Double(n) / (Bench.now() - t)
        }
        let write = Bench.repeated(runs) {
            let t = Bench.now()
            var total = 0
            for _ in 0..<n { total &+= JSONWriter.write(parsed).count }
            precondition(total > 0)
            return Double(n) / (Bench.now() - t)
        }
        print("event size: \(bytes.count) bytes, \(n) events x \(runs) runs (median)")
        print("parse: \(Int(Bench.median(parse))) events/s (\(Bench.format(Bench.median(parse) * Double(bytes.count) / 1e6, 1)) MB/s)")
        print("write: \(Int(Bench.median(write))) events/s")
    }
}
