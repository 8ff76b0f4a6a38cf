// NodeFit: kube-scheduler's own filters and scores as the shim applies them, pure over a node snapshot:
// NodeUnschedulable, TaintToleration, NodeAffinity (nodeSelector and required affinity), NodeResourcesFit
// (cpu, memory, pods and extended resources not ignored), with the same failure reasons, then the
// default score plugins LeastAllocated, BalancedAllocation, TaintToleration and preferred NodeAffinity.

import Foundation
import KubeCore

/// Amounts of resources in milli-units (cpu "500m" = 500, memory "1Ki" = 1_024_000), by resource name.
public typealias ResourceList = [String: Int64]

enum ResourceAmounts {
    /// A quantity string ("500m", "1Gi", "2") in milli-units, rounded up as the scheduler does.
    static func milli(_ text: String) -> Int64? {
        guard let q = try? Quantity(text), q.sign >= 0 else { return nil }
        return q.milliValue
    }

    static func list(_ object: JSONValue?) -> ResourceList {
        var out: ResourceList = [:]
        for (k, v) in object?.objectValue ?? JSONObject() {
            if let s = v.stringValue, let m = milli(s) { out[k] = m } else if let i = v.intValue, i >= 0 { out[k] = i.multipliedReportingOverflow(by: 1000).overflow ? .max : i * 1000 }
        }
        return out
    }

    /// What the pod asks for: the sum over containers (a limit stands in for a missing request, as the
    /// API server defaults it), or the largest init container if larger, plus one pod.
    static func podRequests(_ pod: JSONValue) -> ResourceList {
        func container(_ c: JSONValue) -> ResourceList {
            var r = list(c["resources"]?["limits"])
            for (k, v) in list(c["resources"]?["requests"]) { r[k] = v }
            return r
        }
        var total: ResourceList = [:]
        for c in pod["spec"]?["containers"]?.arrayValue ?? [] {
            for (k, v) in container(c) { total[k] = total[k, default: 0].saturatingAdd(v) }
        }
        for c in pod["spec"]?["initContainers"]?.arrayValue ?? [] {
            for (k, v) in container(c) where v > total[k, default: 0] { total[k] = v }
        }
        for (k, v) in list(pod["spec"]?["overhead"]) { total[k] = total[k, default: 0].saturatingAdd(v) }
        total["pods"] = 1000
        return total
    }
}

/// A node as the shim sees it: its object, what is allocatable and what its pods request, and the parts of the
/// object every filter reads (read once per node update, not once per pod tried). A class owned by the shim's
/// actor: the filters visit hundreds per pod, and copying a struct this size retains every field each time.
final class NodeSnapshot {
    var name: String
    var object: JSONValue
    let allocatable: ResourceList
    private(set) var requested: ResourceList = [:]
    /// allocatable − requested for every resource either names, kept with `requested` so the fit checks one
    /// entry per resource rather than two.
    private(set) var free: ResourceList
    /// Pods on the node: uid → (priority, requests, the pod).
    private(set) var pods: [String: (priority: Int64, requests: ResourceList, pod: JSONValue)] = [:]
    var unschedulable: Bool
    /// The node states a pod count (status.allocatable.pods), checked as "Too many pods".
    let hasPodLimit: Bool
    var labels: JSONObject
    /// NoSchedule and NoExecute taints (filter), PreferNoSchedule ones (score).
    var hardTaints: [JSONValue] = []
    var softTaints: [JSONValue] = []

    init(_ node: JSONValue) {
        name = node["metadata"]?["name"]?.stringValue ?? ""
        object = node
        var hardTaints: [JSONValue] = []
        var softTaints: [JSONValue] = []
        allocatable = ResourceAmounts.list(node["status"]?["allocatable"])
        free = allocatable
        hasPodLimit = allocatable["pods"] != nil
        unschedulable = node["spec"]?["unschedulable"]?.boolValue == true
        labels = node["metadata"]?["labels"]?.objectValue ?? JSONObject()
        for taint in node["spec"]?["taints"]?.arrayValue ?? [] {
            switch taint["effect"]?.stringValue ?? "" {
            case "NoSchedule", "NoExecute": hardTaints.append(taint)
            case "PreferNoSchedule": softTaints.append(taint)
            default: break
            }
        }
        self.hardTaints = hardTaints
        self.softTaints = softTaints
    }

    /// A copy to try what-ifs on (preemption removes victims from it).
    func copy() -> NodeSnapshot {
        let c = NodeSnapshot(object)
        c.adoptPods(of: self)
        return c
    }

    /// Takes over the pods of the snapshot this one replaces (a node update keeps what runs there).
    func adoptPods(of old: NodeSnapshot) {
        pods = old.pods
        requested = old.requested
        free = allocatable
        for (k, v) in requested { free[k] = allocatable[k, default: 0].saturatingAdd(-v) }
    }

    func add(uid: String, pod: JSONValue, requests: ResourceList) {
        if pods[uid] != nil { remove(uid: uid) }
        pods[uid] = (pod["spec"]?["priority"]?.intValue ?? 0, requests, pod)
        for (k, v) in requests { charge(k, v) }
    }

    func remove(uid: String) {
        guard let p = pods.removeValue(forKey: uid) else { return }
        for (k, v) in p.requests { charge(k, -v) }
    }

    private func charge(_ resource: String, _ amount: Int64) {
        let used = requested[resource, default: 0].saturatingAdd(amount)
        requested[resource] = used
        free[resource] = allocatable[resource, default: 0].saturatingAdd(-used)
    }
}

/// What the filters and scores read of a pod, taken out of its object once per scheduling attempt.
struct PodFit {
    var requests: ResourceList
    /// Requests NodeResourcesFit checks, by name: positive, not ignored, not "pods".
    var checked: [(name: String, amount: Int64)]
    var tolerations: [JSONValue]
    var nodeSelector: JSONObject
    var requiredTerms: [JSONValue]?
    var preferredTerms: [JSONValue]
    var preferredWeight: Double
    var cpu: Int64
    var memory: Int64

    init(_ pod: JSONValue, requests: ResourceList, ignored: Set<String>) {
        self.requests = requests
        checked = requests.filter { $0.key != "pods" && $0.value > 0 && !ignored.contains($0.key) }
            .sorted { $0.key < $1.key }.map { (name: $0.key, amount: $0.value) }
        let spec = pod["spec"]
        tolerations = spec?["tolerations"]?.arrayValue ?? []
        nodeSelector = spec?["nodeSelector"]?.objectValue ?? JSONObject()
        let affinity = spec?["affinity"]?["nodeAffinity"]
        requiredTerms = affinity?["requiredDuringSchedulingIgnoredDuringExecution"]?["nodeSelectorTerms"]?.arrayValue
        preferredTerms = affinity?["preferredDuringSchedulingIgnoredDuringExecution"]?.arrayValue ?? []
        preferredWeight = preferredTerms.reduce(0.0) { $0 + Double($1["weight"]?.intValue ?? 0) }
        cpu = requests["cpu", default: 0]
        memory = requests["memory", default: 0]
    }
}

enum NodeFit {
    /// Why a node fails, in kube-scheduler's words; empty when the node fits.
    /// `unresolvable` failures cannot be fixed by preemption.
    static func filter(_ pod: PodFit, node: NodeSnapshot) -> (reasons: [String], unresolvable: Bool) {
        // NodeUnschedulable
        if node.unschedulable, !tolerates(pod.tolerations, ["key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"]) {
            return (["node(s) were unschedulable"], true)
        }
        // TaintToleration
        for taint in node.hardTaints where !tolerates(pod.tolerations, taint) {
            return (["node(s) had untolerated taint {\(taint["key"]?.stringValue ?? ""): \(taint["value"]?.stringValue ?? "")}"], true)
        }
        // NodeAffinity
        if !matchesSelectorAndAffinity(pod, node) {
            return (["node(s) didn't match Pod's node affinity/selector"], true)
        }
        // NodeResourcesFit
        var reasons: [String] = []
        if node.hasPodLimit, node.free["pods", default: 0] < 1000 {
            reasons.append("Too many pods")
        }
        for (name, amount) in pod.checked where amount > node.free[name, default: 0] {
            reasons.append("Insufficient \(name)")
        }
        return (reasons, false)
    }

    static func tolerates(_ tolerations: [JSONValue], _ taint: JSONValue) -> Bool {
        let key = taint["key"]?.stringValue ?? ""
        let value = taint["value"]?.stringValue ?? ""
        let effect = taint["effect"]?.stringValue ?? ""
        return tolerations.contains { t in
            let tEffect = t["effect"]?.stringValue ?? ""
            if !tEffect.isEmpty && tEffect != effect { return false }
            let tKey = t["key"]?.stringValue ?? ""
            let op = t["operator"]?.stringValue ?? "Equal"
            if tKey.isEmpty { return op == "Exists" }
            if tKey != key { return false }
            return op == "Exists" || (t["value"]?.stringValue ?? "") == value
        }
    }

    static func matchesSelectorAndAffinity(_ pod: PodFit, _ node: NodeSnapshot) -> Bool {
        for (k, v) in pod.nodeSelector where node.labels[k] != v { return false }
        guard let terms = pod.requiredTerms else { return true }
        return terms.contains { termMatches($0, node) }
    }

    static func termMatches(_ term: JSONValue, _ node: NodeSnapshot) -> Bool {
        let exprs = term["matchExpressions"]?.arrayValue ?? []
        let fields = term["matchFields"]?.arrayValue ?? []
        if exprs.isEmpty && fields.isEmpty { return false }
        for e in exprs where !requirement(e, node.labels[e["key"]?.stringValue ?? ""]?.stringValue) { return false }
        for f in fields {
            let value = f["key"]?.stringValue == "metadata.name" ? node.name : nil
            if !requirement(f, value) { return false }
        }
        return true
    }

    static func requirement(_ e: JSONValue, _ value: String?) -> Bool {
        let values = e["values"]?.arrayValue?.compactMap(\.stringValue) ?? []
        switch e["operator"]?.stringValue ?? "" {
        case "In": return value.map(values.contains) ?? false
        case "NotIn": return !(value.map(values.contains) ?? false)
        case "Exists": return value != nil
        case "DoesNotExist": return value == nil
        case "Gt": return value.flatMap { Int64($0) }.flatMap { v in values.first.flatMap { Int64($0) }.map { v > $0 } } ?? false
        case "Lt": return value.flatMap { Int64($0) }.flatMap { v in values.first.flatMap { Int64($0) }.map { v < $0 } } ?? false
        default: return false
        }
    }

    // MARK: Scores (each 0...100, times the default plugin weights)

    static func score(_ pod: PodFit, node: NodeSnapshot) -> Int64 {
        // LeastAllocated and BalancedAllocation over cpu and memory (a resource a node lacks counts as full).
        var least: Double = 0
        func fraction(_ r: String, _ podAmount: Int64) -> Double {
            let alloc = Double(node.allocatable[r, default: 0])
            guard alloc > 0 else { return 1 }
            let used = Double(node.requested[r, default: 0] + podAmount)
            least += max(0, (alloc - used) * 100 / alloc)
            return min(1, used / alloc)
        }
        let cpu = fraction("cpu", pod.cpu), memory = fraction("memory", pod.memory)
        let leastAllocated = least / 2
        let mean = (cpu + memory) / 2
        let variance = ((cpu - mean) * (cpu - mean) + (memory - mean) * (memory - mean)) / 2
        let balanced = (1 - variance.squareRoot()) * 100
        var intolerable = 0
        for taint in node.softTaints where !tolerates(pod.tolerations, taint) { intolerable += 1 }
        let taintScore = intolerable == 0 ? 100.0 : max(0, 100 - Double(intolerable) * 50)
        var affinity = 0.0
        if pod.preferredWeight > 0 {
            var matched = 0.0
            for term in pod.preferredTerms where termMatches(term["preference"] ?? .null, node) {
                matched += Double(term["weight"]?.intValue ?? 0)
            }
            affinity = matched * 100 / pod.preferredWeight
        }
        return Int64(leastAllocated) + Int64(balanced) + 3 * Int64(taintScore) + 2 * Int64(affinity)
    }

    /// kube-scheduler's numFeasibleNodesToFind: all nodes below 100, else an adaptive percentage.
    static func feasibleNodesToFind(_ total: Int, percentage: Int) -> Int {
        if total < 100 { return total }
        var p = percentage
        if p <= 0 {
            p = 50 - total / 125
            if p < 5 { p = 5 }
        }
        if p >= 100 { return total }
        return max(100, total * p / 100)
    }

    /// "0/5 nodes are available: 1 Insufficient cpu, 4 node(s) didn't match Pod's node affinity/selector."
    static func fitErrorMessage(total: Int, reasons: [String: Int], postFilter: String?) -> String {
        var message = "0/\(total) nodes are available"
        let sorted = reasons.map { "\($0.value) \($0.key)" }.sorted()
        message += ":"
        if !sorted.isEmpty { message += " " + sorted.joined(separator: ", ") + "." }
        if let postFilter { message += " " + postFilter }
        return message
    }
}
