// KubeletSimulator: what the kubelets of the simulated nodes do to pods bound to them. A bound pod runs
// after the start delay (containers running and ready, Ready=True); with `sim.gantry.dev/duration` it
// exits after that long with `sim.gantry.dev/exit-code` (default 0), and its restartPolicy decides between
// Succeeded/Failed and a restart; a deleted pod is killed once its grace period is over and then removed.
// Pods on a NotReady node are left alone, as a dead kubelet would.

import Foundation
import GantryAPI
import KubeCore
import Synchronization

public final class KubeletSimulator: Sendable {
    public static let durationAnnotation = AnnotationKey.simDuration
    public static let exitCodeAnnotation = AnnotationKey.simExitCode

    let client: InProcessClient
    let startDelay: Double
    private struct Tracked {
        var lifecycle: Task<Void, Never>?
        var terminating = false
    }
    private let nodes = Mutex<[String: Bool]>([:])  // simulated node name → ready
    private let pods = Mutex<[String: Tracked]>([:])  // by pod uid
    private let loop = Mutex<(task: Task<Void, Never>?, watcher: Watcher?)>((nil, nil))

    init(client: InProcessClient, startDelay: Double) {
        self.client = client
        self.startDelay = startDelay
    }

    func manage(node: String) { nodes.withLock { $0[node] = true } }
    func setReady(node: String, _ ready: Bool) { nodes.withLock { if $0[node] != nil { $0[node] = ready } } }
    func isReady(_ node: String) -> Bool { nodes.withLock { $0[node] ?? false } }
    var trackedPods: Int { pods.withLock { $0.count } }

    func start() throws {
        let watcher = try client.watch(InProcessClient.pods)
        let task = Task.detached { [self] in
            while let batch = await watcher.next() {
                for item in batch {
                    guard case .event(let type, let event) = item else { continue }
                    handle(type, event.object)
                }
            }
        }
        loop.withLock { $0 = (task, watcher) }
    }

    func stop() {
        let (task, watcher) = loop.withLock { $0 }
        task?.cancel()
        if let watcher { client.api.store.removeWatcher(watcher) }
        let all = pods.withLock { p -> [Tracked] in
            let v = Array(p.values)
            p = [:]
            return v
        }
        for t in all { t.lifecycle?.cancel() }
    }

    private func handle(_ type: WatchEventType, _ pod: JSONValue) {
        guard let uid = pod["metadata"]?["uid"]?.stringValue else { return }
        if type == .deleted {
            pods.withLock { $0.removeValue(forKey: uid) }?.lifecycle?.cancel()
            return
        }
        guard let node = pod["spec"]?["nodeName"]?.stringValue, nodes.withLock({ $0[node] }) != nil else { return }
        if pod["metadata"]?["deletionTimestamp"] != nil {
            let start = pods.withLock { p -> Bool in
                var t = p[uid] ?? Tracked()
                if t.terminating { return false }
                t.lifecycle?.cancel()
                t.terminating = true
                p[uid] = t
                return true
            }
            if start {
                let task = Task { await self.terminate(pod) }
                pods.withLock { $0[uid]?.lifecycle = task }
            }
            return
        }
        let phase = pod["status"]?["phase"]?.stringValue ?? "Pending"
        guard phase == "Pending" else { return }
        let start = pods.withLock { p -> Bool in
            if p[uid] != nil { return false }
            p[uid] = Tracked()
            return true
        }
        guard start else { return }
        let task = Task { await self.run(pod, node: node) }
        pods.withLock { p in
            if p[uid]?.terminating == false { p[uid]?.lifecycle = task } else { task.cancel() }
        }
    }

    // MARK: Lifecycle

    private func run(_ pod: JSONValue, node: String) async {
        // GantryAPI's reading of sim.gantry.dev/duration and /exit-code, the one TrainingJob validation uses;
        // a pod with malformed values runs until deleted and gets a Warning event saying why.
        var annotations: [String: String] = [:]
        for (k, v) in pod["metadata"]?["annotations"]?.objectValue ?? JSONObject() { if let s = v.stringValue { annotations[k] = s } }
        var duration: Double?
        var exitCode: Int64 = 0
        switch SimulatedRun.parse(annotations: annotations) {
        case .success(let run):
            duration = run.durationSeconds
            exitCode = Int64(run.exitCode)
        case .failure(let errors):
            await client.event(about: pod, kind: "Pod", type: "Warning", reason: "InvalidSimulation",
                               message: "\(errors)", component: "kubelet")
        }
        let policy = pod["spec"]?["restartPolicy"]?.stringValue ?? "Always"
        var restarts: Int64 = 0
        var lastTerminated: JSONValue?
        let podStart = Time.now.rfc3339
        guard await sleep(startDelay) else { return }
        while !Task.isCancelled {
            // A dead kubelet does nothing; it picks the pod up again when its node is Ready.
            while !isReady(node) { guard await sleep(0.2) else { return } }
            let startedAt = Time.now.rfc3339
            let running = status(pod, node: node, podStart: podStart, phase: "Running", ready: true, restarts: restarts,
                                 state: ["running": ["startedAt": .string(startedAt)]], lastState: lastTerminated)
            guard (try? await client.mergePatch(InProcessClient.podPath(pod, "status"), ["status": running])) != nil else { return }
            if restarts == 0 {
                await client.event(about: pod, kind: "Pod", type: "Normal", reason: "Started",
                                   message: "Started container \(containerNames(pod).first ?? "main")", component: "kubelet")
            }
            guard let duration else { return }
            guard await sleep(duration) else { return }
            let terminated: JSONValue = ["terminated": ["exitCode": .int(exitCode), "reason": exitCode == 0 ? "Completed" : "Error",
                                                        "startedAt": .string(startedAt), "finishedAt": .string(Time.now.rfc3339),
                                                        "containerID": .string("sim://\(pod["metadata"]?["uid"]?.stringValue ?? "")")]]
            let restart = policy == "Always" || (policy == "OnFailure" && exitCode != 0)
            if !restart {
                let phase = exitCode == 0 ? "Succeeded" : "Failed"
                let final = status(pod, node: node, podStart: podStart, phase: phase, ready: false, restarts: restarts,
                                   state: terminated, lastState: lastTerminated)
                _ = try? await client.mergePatch(InProcessClient.podPath(pod, "status"), ["status": final])
                return
            }
            restarts += 1
            lastTerminated = terminated
            guard await sleep(startDelay) else { return }
        }
    }

    private func terminate(_ pod: JSONValue) async {
        let deadline = pod["metadata"]?["deletionTimestamp"]?.stringValue.flatMap { Time(rfc3339: $0) }?.date ?? Date()
        // The containers ignore SIGTERM until the grace period is over, then are killed.
        guard await sleep(max(0, deadline.timeIntervalSinceNow)) else { return }
        _ = try? await client.delete(InProcessClient.podPath(pod), gracePeriod: 0)
    }

    private func sleep(_ seconds: Double) async -> Bool {
        await Pause.sleep(seconds)
        return !Task.isCancelled
    }

    private func containerNames(_ pod: JSONValue) -> [String] {
        pod["spec"]?["containers"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
    }

    private func status(_ pod: JSONValue, node: String, podStart: String, phase: String, ready: Bool, restarts: Int64,
                        state: JSONValue, lastState: JSONValue?) -> JSONValue {
        let now = JSONValue.string(Time.now.rfc3339)
        let succeeded = phase == "Succeeded"
        func condition(_ type: String, _ ok: Bool, reason: String? = nil) -> JSONValue {
            var c: JSONValue = ["type": .string(type), "status": ok ? "True" : "False", "lastProbeTime": nil, "lastTransitionTime": now]
            if let reason { c["reason"] = .string(reason) }
            return c
        }
        let ip = podIP(pod)
        let containers: [JSONValue] = (pod["spec"]?["containers"]?.arrayValue ?? []).map { c in
            var s: JSONValue = ["name": c["name"] ?? "main", "image": c["image"] ?? "", "imageID": .string("sim://\(c["image"]?.stringValue ?? "")"),
                                "containerID": .string("sim://\(pod["metadata"]?["uid"]?.stringValue ?? "")"),
                                "ready": .bool(ready), "started": .bool(ready), "restartCount": .int(restarts), "state": state]
            if let lastState { s["lastState"] = lastState } else { s["lastState"] = .object(JSONObject()) }
            return s
        }
        let hostIP = "10.255.\(abs(node.hashValue) % 256).\(abs(node.hashValue / 256) % 256)"
        return [
            "phase": .string(phase),
            "conditions": [
                condition("PodReadyToStartContainers", true), condition("Initialized", true),
                condition("Ready", ready, reason: ready ? nil : succeeded ? "PodCompleted" : "ContainersNotReady"),
                condition("ContainersReady", ready, reason: ready ? nil : succeeded ? "PodCompleted" : "ContainersNotReady"),
                condition("PodScheduled", true),
            ],
            "hostIP": .string(hostIP), "hostIPs": [["ip": .string(hostIP)]],
            "podIP": .string(ip), "podIPs": [["ip": .string(ip)]],
            "startTime": .string(podStart),
            "containerStatuses": .array(containers),
            "qosClass": pod["status"]?["qosClass"] ?? "BestEffort",
        ]
    }

    private func podIP(_ pod: JSONValue) -> String {
        var h: UInt32 = 2_166_136_261
        for b in (pod["metadata"]?["uid"]?.stringValue ?? "").utf8 { h = (h ^ UInt32(b)) &* 16_777_619 }
        return "10.244.\((h >> 8) & 0xff).\(h & 0xff)"
    }
}
