// SchedulerShim: kube-scheduler for the dev cluster, for pods whose schedulerName it owns. One pod at a
// time from a priority-then-age queue; its own filters on a rotating sample of nodes
// (numFeasibleNodesToFind), then each interested extender's filter over HTTP in order, scores (its own
// plus extender score × weight × 10), the extender's bind or a pods/binding of its own (asynchronously,
// on an assumed placement), PodScheduled=False and a FailedScheduling event when nothing fits, back-off
// for unschedulable pods and a retry on any cluster change, and preemption (with the preempt verb).

import Foundation
import KubeCore

public actor SchedulerShim {
    public struct Stats: Sendable, Equatable {
        public var scheduled = 0
        public var unschedulable = 0
        public var errors = 0
        public var preemptions = 0
    }

    let client: InProcessClient
    public let configuration: SchedulerConfiguration
    let transport: any ExtenderTransport
    /// Nodes in the order they appeared (the rotation kube-scheduler's node sample follows).
    private var nodeList: [NodeSnapshot] = []
    private var nodeSlot: [String: Int] = [:]
    private var nextStartIndex = 0
    /// Bound or assumed pods: uid → node.
    private var placements: [String: String] = [:]

    private struct Queued {
        var pod: JSONValue {
            didSet { (priority, created) = Self.order(pod) }
        }
        /// The queue's order (priority, then age), read from the pod once rather than on every pick.
        private(set) var priority: Int64
        private(set) var created: String
        var attempts = 0
        var backoffUntil: Date?
        var unschedulable = false
        var unschedulableSince: Date?

        init(pod: JSONValue) {
            self.pod = pod
            (priority, created) = Self.order(pod)
        }

        static func order(_ pod: JSONValue) -> (Int64, String) {
            (pod["spec"]?["priority"]?.intValue ?? 0, pod["metadata"]?["creationTimestamp"]?.stringValue ?? "")
        }
    }
    private var queue: [String: Queued] = [:]
    private var inFlight: Set<String> = []
    private var waiter: CheckedContinuation<Void, Never>?
    private var random = SeededRandom(state: 0x5EED)
    private var stopped = false
    private var tasks: [Task<Void, Never>] = []
    private var watchers: [Watcher] = []
    public private(set) var stats = Stats()

    init(client: InProcessClient, configuration: SchedulerConfiguration, transport: any ExtenderTransport) {
        self.client = client
        self.configuration = configuration
        self.transport = transport
    }

    // MARK: Lifecycle

    func start() throws {
        // Caches filled before the first pod is tried, as kube-scheduler waits for its informers to sync.
        let (nodeList, nodeWatch) = try client.listAndWatch(InProcessClient.nodes)
        let (podList, podWatch) = try client.listAndWatch(InProcessClient.pods)
        for n in nodeList { nodeEvent(.added, n) }
        for p in podList { podEvent(.added, p) }
        watchers = [nodeWatch, podWatch]
        tasks.append(Task.detached { [self] in
            while let batch = await nodeWatch.next() {
                for item in batch { if case .event(let t, let e) = item { await self.nodeEvent(t, e.object) } }
            }
        })
        tasks.append(Task.detached { [self] in
            while let batch = await podWatch.next() {
                for item in batch { if case .event(let t, let e) = item { await self.podEvent(t, e.object) } }
            }
        })
        tasks.append(Task.detached { [self] in await self.loop() })
        // kube-scheduler moves long-unschedulable pods back to the active queue periodically.
        tasks.append(Task.detached { [self] in
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: 5_000_000_000)
                await self.flushUnschedulable(olderThan: 60)
            }
        })
    }

    func stop() {
        stopped = true
        for t in tasks { t.cancel() }
        for w in watchers { client.api.store.removeWatcher(w) }
        signal()
    }

    // MARK: Cache and queue

    func nodeEvent(_ type: WatchEventType, _ node: JSONValue) {
        guard let name = node["metadata"]?["name"]?.stringValue else { return }
        switch type {
        case .deleted:
            guard let i = nodeSlot.removeValue(forKey: name) else { break }
            nodeList.remove(at: i)
            for j in i..<nodeList.count { nodeSlot[nodeList[j].name] = j }
        default:
            let snapshot = NodeSnapshot(node)
            if let i = nodeSlot[name] {
                snapshot.adoptPods(of: nodeList[i])
                nodeList[i] = snapshot
            } else {
                nodeSlot[name] = nodeList.count
                nodeList.append(snapshot)
            }
        }
        clusterChanged()
    }

    func podEvent(_ type: WatchEventType, _ pod: JSONValue) {
        guard let uid = pod["metadata"]?["uid"]?.stringValue else { return }
        let nodeName = pod["spec"]?["nodeName"]?.stringValue ?? ""
        let phase = pod["status"]?["phase"]?.stringValue ?? ""
        if type == .deleted || phase == "Succeeded" || phase == "Failed" {
            queue[uid] = nil
            if let node = placements.removeValue(forKey: uid) {
                if let i = nodeSlot[node] { nodeList[i].remove(uid: uid) }
                clusterChanged()
            }
            return
        }
        if !nodeName.isEmpty {
            queue[uid] = nil
            if let previous = placements[uid], previous != nodeName, let i = nodeSlot[previous] { nodeList[i].remove(uid: uid) }
            placements[uid] = nodeName
            if let i = nodeSlot[nodeName] { nodeList[i].add(uid: uid, pod: pod, requests: ResourceAmounts.podRequests(pod)) }
            return
        }
        let scheduler = pod["spec"]?["schedulerName"]?.stringValue ?? "default-scheduler"
        guard configuration.schedulerNames.contains(scheduler), pod["metadata"]?["deletionTimestamp"] == nil else { return }
        if var q = queue[uid] {
            // An update to an unschedulable pod may make it schedulable: try again (after its back-off).
            q.pod = pod
            q.unschedulable = false
            queue[uid] = q
        } else if placements[uid] == nil && !inFlight.contains(uid) {
            queue[uid] = Queued(pod: pod)
        }
        signal()
    }

    private func clusterChanged() {
        var any = false
        for (uid, q) in queue where q.unschedulable {
            queue[uid]?.unschedulable = false
            any = true
        }
        if any { signal() }
    }

    func flushUnschedulable(olderThan seconds: Double) {
        let now = Date()
        for (uid, q) in queue where q.unschedulable && (q.unschedulableSince.map { now.timeIntervalSince($0) > seconds } ?? true) {
            queue[uid]?.unschedulable = false
        }
        signal()
    }

    private func signal() {
        if let w = waiter {
            waiter = nil
            w.resume()
        }
    }

    /// The next pod to try: highest priority, then oldest; nil if none is ready, with when to look again.
    private func popNext() -> (String?, Date?) {
        let now = Date()
        var best: (uid: String, priority: Int64, created: String)?
        var wake: Date?
        for (uid, q) in queue where !q.unschedulable && !inFlight.contains(uid) {
            if let until = q.backoffUntil, until > now {
                wake = min(wake ?? until, until)
                continue
            }
            let priority = q.priority, created = q.created
            if let b = best {
                if priority < b.priority || (priority == b.priority && (created, uid) >= (b.created, b.uid)) { continue }
            }
            best = (uid, priority, created)
        }
        return (best?.uid, wake)
    }

    private func loop() async {
        while !stopped && !Task.isCancelled {
            let (uid, wake) = popNext()
            if let uid {
                await scheduleOne(uid)
                continue
            }
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                waiter = c
                if let wake {
                    let delay = max(0.001, wake.timeIntervalSinceNow)
                    Task { [weak self] in
                        await Pause.sleep(delay)
                        await self?.wakeUp()
                    }
                }
            }
        }
    }

    private func wakeUp() { signal() }

    private func backoff(_ uid: String, unschedulable: Bool) {
        guard var q = queue[uid] else { return }
        q.attempts += 1
        let delay = min(configuration.podInitialBackoffSeconds * pow(2, Double(q.attempts - 1)), configuration.podMaxBackoffSeconds)
        q.backoffUntil = Date().addingTimeInterval(delay)
        q.unschedulable = unschedulable
        q.unschedulableSince = unschedulable ? Date() : nil
        queue[uid] = q
    }

    // MARK: Scheduling one pod

    private func scheduleOne(_ uid: String) async {
        guard let pod = queue[uid]?.pod else { return }
        inFlight.insert(uid)
        defer { inFlight.remove(uid) }
        let requests = ResourceAmounts.podRequests(pod)
        let fit = PodFit(pod, requests: requests, ignored: configuration.ignoredResources)
        let total = nodeList.count
        var reasons: [String: Int] = [:]
        var unresolvable: Set<String> = []
        var resolvableFailures: [String] = []
        var feasible: [String] = []
        let wanted = NodeFit.feasibleNodesToFind(total, percentage: configuration.percentageOfNodesToScore)
        var processed = 0
        for i in 0..<total {
            let node = nodeList[(nextStartIndex + i) % total]
            processed += 1
            let verdict = NodeFit.filter(fit, node: node)
            if verdict.reasons.isEmpty {
                feasible.append(node.name)
                if feasible.count >= wanted { break }
            } else {
                for r in verdict.reasons { reasons[r, default: 0] += 1 }
                if verdict.unresolvable { unresolvable.insert(node.name) } else { resolvableFailures.append(node.name) }
            }
        }
        if total > 0 { nextStartIndex = (nextStartIndex + processed) % total }
        // Extender filters, in order, each on the survivors of the previous one.
        let interested = configuration.extenders.filter { $0.isInterested(in: pod) }
        for ext in interested where !ext.filterVerb.isEmpty && !feasible.isEmpty {
            do {
                let args = ExtenderWire.filterArgs(pod: pod, nodes: feasible, objects: objects(feasible, ext), nodeCacheCapable: ext.nodeCacheCapable)
                let reply = try await call(ext, ext.filterVerb, args)
                let result = try ExtenderWire.decodeFilter(reply, input: feasible, nodeCacheCapable: ext.nodeCacheCapable)
                for (node, passed) in zip(feasible, result.passed) where !passed {
                    if let why = result.unresolvable[node] {
                        reasons[why, default: 0] += 1
                        unresolvable.insert(node)
                    } else {
                        reasons[result.failed[node] ?? "node(s) were rejected by the extender", default: 0] += 1
                        resolvableFailures.append(node)
                    }
                }
                feasible = zip(feasible, result.passed).compactMap { $1 ? $0 : nil }
            } catch {
                if ext.ignorable { continue }
                await fail(pod, uid: uid, reason: "SchedulerError", message: "\(error)")
                stats.errors += 1
                return
            }
        }
        guard !feasible.isEmpty else {
            await unschedulable(pod, uid: uid, total: total, reasons: reasons, unresolvable: unresolvable,
                                resolvable: resolvableFailures, requests: requests)
            return
        }
        let chosen = feasible.count == 1 ? feasible[0] : await pickNode(pod, fit: fit, feasible: feasible, interested: interested)
        // Assume the placement, then bind without holding up the next pod.
        queue[uid] = nil
        placements[uid] = chosen
        if let i = nodeSlot[chosen] { nodeList[i].add(uid: uid, pod: pod, requests: requests) }
        let binder = interested.first { !$0.bindVerb.isEmpty }
        Task { await self.bind(pod, uid: uid, node: chosen, binder: binder) }
    }

    /// The node objects for an extender that is not node-cache capable (it gets whole nodes, not names).
    private func objects(_ names: [String], _ ext: ExtenderConfig) -> [JSONValue] {
        ext.nodeCacheCapable ? [] : names.compactMap { nodeSlot[$0].map { nodeList[$0].object } }
    }

    private func pickNode(_ pod: JSONValue, fit: PodFit, feasible: [String], interested: [ExtenderConfig]) async -> String {
        var scores = feasible.map { n in nodeSlot[n].map { NodeFit.score(fit, node: nodeList[$0]) } ?? 0 }
        // Prioritize calls run in parallel; their errors are ignored (the extender adds nothing).
        let prioritizers = interested.filter { !$0.prioritizeVerb.isEmpty }
        let results = await withTaskGroup(of: (Int64, [Int64?]).self) { group in
            for ext in prioritizers {
                let args = ExtenderWire.filterArgs(pod: pod, nodes: feasible, objects: objects(feasible, ext), nodeCacheCapable: ext.nodeCacheCapable)
                group.addTask {
                    guard let reply = try? await self.call(ext, ext.prioritizeVerb, args) else { return (0, []) }
                    return (ext.weight, ExtenderWire.decodePriorities(reply, candidates: feasible))
                }
            }
            var all: [(Int64, [Int64?])] = []
            for await r in group { all.append(r) }
            return all
        }
        for (weight, priorities) in results {
            // Unclamped, as kube-scheduler adds them, but saturating: an absurd score must not crash the scheduler.
            for (i, score) in priorities.enumerated() { if let score { scores[i] = scores[i].saturatingAdd(score.saturatingMultiply(weight.saturatingMultiply(10))) } }
        }
        let best = scores.max() ?? 0
        let top = feasible.indices.filter { scores[$0] == best }.map { feasible[$0] }
        return top[Int(random.next() % UInt64(top.count))]
    }

    // MARK: Binding

    private func bind(_ pod: JSONValue, uid: String, node: String, binder: ExtenderConfig?) async {
        var error: String?
        var bound = false
        if let binder {
            do {
                let reply = try await call(binder, binder.bindVerb, ExtenderWire.bindingArgs(pod: pod, node: node))
                if let e = ExtenderWire.member(reply, "Error")?.stringValue, !e.isEmpty { throw ExtenderWire.ProtocolError(description: e) }
                bound = true
            } catch let e {
                if !binder.ignorable { error = "\(e)" }
            }
        }
        if !bound && error == nil {
            let binding: JSONValue = ["apiVersion": "v1", "kind": "Binding",
                                      "metadata": ["name": pod["metadata"]?["name"] ?? "", "namespace": pod["metadata"]?["namespace"] ?? "",
                                                   "uid": pod["metadata"]?["uid"] ?? ""],
                                      "target": ["apiVersion": "v1", "kind": "Node", "name": .string(node)]]
            do {
                try await client.create(InProcessClient.podPath(pod, "binding"), binding)
                bound = true
            } catch let e {
                error = "\(e)"
            }
        }
        if bound {
            stats.scheduled += 1
            let ns = pod["metadata"]?["namespace"]?.stringValue ?? ""
            let name = pod["metadata"]?["name"]?.stringValue ?? ""
            await client.event(about: pod, kind: "Pod", type: "Normal", reason: "Scheduled",
                               message: "Successfully assigned \(ns)/\(name) to \(node)", component: "default-scheduler", action: "Binding")
            return
        }
        // The bind may have succeeded and only its reply been lost: trust the pod if it says so.
        if let current = try? await client.get(InProcessClient.podPath(pod)), current["spec"]?["nodeName"]?.stringValue == node {
            stats.scheduled += 1
            return
        }
        placements[uid] = nil
        if let i = nodeSlot[node] { nodeList[i].remove(uid: uid) }
        stats.errors += 1
        if queue[uid] == nil, (try? await client.get(InProcessClient.podPath(pod))) != nil { queue[uid] = Queued(pod: pod) }
        await fail(pod, uid: uid, reason: "SchedulerError", message: "binding rejected: \(error ?? "unknown error")")
    }

    private func call(_ ext: ExtenderConfig, _ verb: String, _ args: JSONValue) async throws -> JSONValue {
        let url = ext.url(verb)
        let (status, body): (Int, [UInt8])
        do {
            (status, body) = try await transport.post(url: url, body: JSONWriter.write(args), timeout: ext.httpTimeout)
        } catch {
            throw ExtenderWire.ProtocolError(description: "Post \"\(url)\": \(error)")
        }
        guard status == 200 else {
            throw ExtenderWire.ProtocolError(description: "failed \(verb) with extender at URL \(url), code \(status)")
        }
        do { return try JSONParser.parse(body) } catch {
            throw ExtenderWire.ProtocolError(description: "extender \(url) replied with invalid JSON: \(error)")
        }
    }

    // MARK: Failure

    private func fail(_ pod: JSONValue, uid: String, reason: String, message: String) async {
        backoff(uid, unschedulable: reason == "Unschedulable")
        let condition: JSONValue = ["type": "PodScheduled", "status": "False", "reason": .string(reason), "message": .string(message),
                                    "lastProbeTime": nil, "lastTransitionTime": .string(Time.now.rfc3339)]
        _ = try? await client.send(.patch, InProcessClient.podPath(pod, "status"), ["status": ["conditions": [condition]]],
                                   contentType: "application/strategic-merge-patch+json")
        await client.event(about: pod, kind: "Pod", type: "Warning", reason: "FailedScheduling", message: message,
                           component: "default-scheduler", action: "Scheduling")
    }

    private func unschedulable(_ pod: JSONValue, uid: String, total: Int, reasons: [String: Int], unresolvable: Set<String>,
                               resolvable: [String], requests: ResourceList) async {
        stats.unschedulable += 1
        let postFilter = await preempt(pod, total: total, unresolvable: unresolvable, resolvable: resolvable, requests: requests)
        await fail(pod, uid: uid, reason: "Unschedulable",
                   message: NodeFit.fitErrorMessage(total: total, reasons: reasons, postFilter: postFilter))
    }

    // MARK: Preemption

    /// Tries DefaultPreemption: victims of lower priority on nodes preemption can help, narrowed by the
    /// extenders' preempt verbs. Returns the post-filter message when nothing can be done.
    private func preempt(_ pod: JSONValue, total: Int, unresolvable: Set<String>, resolvable: [String],
                         requests: ResourceList) async -> String? {
        let priority = pod["spec"]?["priority"]?.intValue ?? 0
        if pod["spec"]?["preemptionPolicy"]?.stringValue == "Never" {
            return "preemption: not eligible due to preemptionPolicy=Never."
        }
        var candidates: [String: [JSONValue]] = [:]
        var noVictims = 0
        let fit = PodFit(pod, requests: requests, ignored: configuration.ignoredResources)
        for name in Set(resolvable) {
            guard let i = nodeSlot[name] else { continue }
            let node = nodeList[i].copy()
            var victims: [JSONValue] = []
            let lower = node.pods.filter { $0.value.priority < priority }.sorted { $0.value.priority < $1.value.priority }
            for (victimUID, v) in lower {
                if NodeFit.filter(fit, node: node).reasons.isEmpty { break }
                node.remove(uid: victimUID)
                victims.append(v.pod)
            }
            if !victims.isEmpty && NodeFit.filter(fit, node: node).reasons.isEmpty {
                candidates[name] = victims
            } else {
                noVictims += 1
            }
        }
        for ext in configuration.extenders where !ext.preemptVerb.isEmpty && ext.isInterested(in: pod) && !candidates.isEmpty {
            do {
                let reply = try await call(ext, ext.preemptVerb,
                                           ExtenderWire.preemptionArgs(pod: pod, candidates: candidates, nodeCacheCapable: ext.nodeCacheCapable))
                var narrowed: [String: [JSONValue]] = [:]
                for (node, meta) in ExtenderWire.member(reply, "NodeNameToMetaVictims")?.objectValue ?? JSONObject() {
                    let uids = ExtenderWire.member(meta, "Pods")?.arrayValue?.compactMap { ExtenderWire.member($0, "UID")?.stringValue } ?? []
                    guard let snapshot = nodeSlot[node].map({ nodeList[$0] }) else { throw ExtenderWire.ProtocolError(description: "extender returned unknown node \(node)") }
                    var pods: [JSONValue] = []
                    for u in uids {
                        guard let p = snapshot.pods[u] else {
                            throw ExtenderWire.ProtocolError(description: "extender claims to preempt pod (UID: \(u)) on node \(node), but the pod is not found on that node")
                        }
                        pods.append(p.pod)
                    }
                    if pods.isEmpty {
                        if ext.ignorable { continue }
                        throw ExtenderWire.ProtocolError(description: "expected at least one victim pod on node \(node)")
                    }
                    narrowed[node] = pods
                }
                candidates = narrowed
            } catch {
                if ext.ignorable { continue }
                return "preemption: \(error)"
            }
        }
        guard let best = candidates.min(by: { a, b in
            let pa = a.value.map { $0["spec"]?["priority"]?.intValue ?? 0 }
            let pb = b.value.map { $0["spec"]?["priority"]?.intValue ?? 0 }
            if pa.max() != pb.max() { return (pa.max() ?? 0) < (pb.max() ?? 0) }
            if pa.reduce(0, +) != pb.reduce(0, +) { return pa.reduce(0, +) < pb.reduce(0, +) }
            if a.value.count != b.value.count { return a.value.count < b.value.count }
            return a.key < b.key
        }) else {
            var parts: [String] = []
            if noVictims > 0 { parts.append("\(noVictims) No preemption victims found for incoming pod") }
            let unhelpful = total - noVictims
            if unhelpful > 0 { parts.append("\(unhelpful) Preemption is not helpful for scheduling") }
            return "preemption: 0/\(total) nodes are available: " + parts.sorted().joined(separator: ", ") + "."
        }
        stats.preemptions += 1
        let name = pod["metadata"]?["name"]?.stringValue ?? ""
        for victim in best.value {
            await client.event(about: victim, kind: "Pod", type: "Normal", reason: "Preempted",
                               message: "Preempted by pod \(pod["metadata"]?["uid"]?.stringValue ?? "") on node \(best.key)",
                               component: "default-scheduler")
            _ = try? await client.delete(InProcessClient.podPath(victim))
        }
        _ = try? await client.mergePatch(InProcessClient.podPath(pod, "status"), ["status": ["nominatedNodeName": .string(best.key)]])
        _ = name
        return nil
    }
}
