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

/// A node as the shim sees it: its object, what is allocatable and what its pods request.
struct NodeSnapshot: Sendable {
    var name: String
    var object: JSONValue
    var allocatable: ResourceList
    var requested: ResourceList = [:]
    /// Pods on the node: uid → (priority, requests, the pod).
    var pods: [String: (priority: Int64, requests: ResourceList, pod: JSONValue)] = [:]

    init(_ node: JSONValue) {
        name = node["metadata"]?["name"]?.stringValue ?? ""
        object = node
        allocatable = ResourceAmounts.list(node["status"]?["allocatable"])
    }

    mutating func add(uid: String, pod: JSONValue, requests: ResourceList) {
        if pods[uid] != nil { remove(uid: uid) }
        pods[uid] = (pod["spec"]?["priority"]?.intValue ?? 0, requests, pod)
        for (k, v) in requests { requested[k] = requested[k, default: 0].saturatingAdd(v) }
    }

    mutating func remove(uid: String) {
        guard let p = pods.removeValue(forKey: uid) else { return }
        for (k, v) in p.requests { requested[k] = requested[k, default: 0].saturatingAdd(-v) }
    }
}

enum NodeFit {
    /// Why a node fails, in kube-scheduler's words; empty when the node fits.
    /// `unresolvable` failures cannot be fixed by preemption.
    static func filter(_ pod: JSONValue, requests: ResourceList, node: NodeSnapshot, ignored: Set<String>)
        -> (reasons: [String], unresolvable: Bool) {
        let tolerations = pod["spec"]?["tolerations"]?.arrayValue ?? []
        // NodeUnschedulable
        if node.object["spec"]?["unschedulable"]?.boolValue == true,
           !tolerates(tolerations, ["key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"]) {
            return (["node(s) were unschedulable"], true)
        }
        // TaintToleration
        for taint in node.object["spec"]?["taints"]?.arrayValue ?? [] {
            let effect = taint["effect"]?.stringValue ?? ""
            guard effect == "NoSchedule" || effect == "NoExecute" else { continue }
            if !tolerates(tolerations, taint) {
                return (["node(s) had untolerated taint {\(taint["key"]?.stringValue ?? ""): \(taint["value"]?.stringValue ?? "")}"], true)
            }
        }
        // NodeAffinity
        if !matchesSelectorAndAffinity(pod, node.object) {
            return (["node(s) didn't match Pod's node affinity/selector"], true)
        }
        // NodeResourcesFit
        var reasons: [String] = []
        if let podsAllowed = node.allocatable["pods"], node.requested["pods", default: 0].saturatingAdd(1000) > podsAllowed {
            reasons.append("Too many pods")
        }
        for (name, amount) in requests.sorted(by: { $0.key < $1.key }) where name != "pods" && amount > 0 {
            if ignored.contains(name) { continue }
            let free = node.allocatable[name, default: 0].saturatingAdd(-node.requested[name, default: 0])
            if amount > free { reasons.append("Insufficient \(name)") }
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

    static func matchesSelectorAndAffinity(_ pod: JSONValue, _ node: JSONValue) -> Bool {
        let labels = node["metadata"]?["labels"]?.objectValue ?? JSONObject()
        for (k, v) in pod["spec"]?["nodeSelector"]?.objectValue ?? JSONObject() where labels[k] != v { return false }
        guard let terms = pod["spec"]?["affinity"]?["nodeAffinity"]?["requiredDuringSchedulingIgnoredDuringExecution"]?["nodeSelectorTerms"]?.arrayValue else {
            return true
        }
        return terms.contains { termMatches($0, node) }
    }

    static func termMatches(_ term: JSONValue, _ node: JSONValue) -> Bool {
        let labels = node["metadata"]?["labels"]?.objectValue ?? JSONObject()
        let exprs = term["matchExpressions"]?.arrayValue ?? []
        let fields = term["matchFields"]?.arrayValue ?? []
        if exprs.isEmpty && fields.isEmpty { return false }
        for e in exprs where !requirement(e, labels[e["key"]?.stringValue ?? ""]?.stringValue) { return false }
        for f in fields {
            let value = f["key"]?.stringValue == "metadata.name" ? node["metadata"]?["name"]?.stringValue : nil
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

    static func score(_ pod: JSONValue, requests: ResourceList, node: NodeSnapshot) -> Int64 {
        var fractions: [Double] = []
        var least: Double = 0
        for r in ["cpu", "memory"] {
            let alloc = Double(node.allocatable[r, default: 0])
            guard alloc > 0 else { fractions.append(1); continue }
            let used = Double(node.requested[r, default: 0] + requests[r, default: 0])
            least += max(0, (alloc - used) * 100 / alloc)
            fractions.append(min(1, used / alloc))
        }
        let leastAllocated = least / 2
        let mean = fractions.reduce(0, +) / Double(fractions.count)
        let variance = fractions.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(fractions.count)
        let balanced = (1 - variance.squareRoot()) * 100
        let tolerations = pod["spec"]?["tolerations"]?.arrayValue ?? []
        let intolerable = (node.object["spec"]?["taints"]?.arrayValue ?? []).filter {
            $0["effect"]?.stringValue == "PreferNoSchedule" && !tolerates(tolerations, $0)
        }.count
        let taintScore = intolerable == 0 ? 100.0 : max(0, 100 - Double(intolerable) * 50)
        var affinity = 0.0
        let preferred = pod["spec"]?["affinity"]?["nodeAffinity"]?["preferredDuringSchedulingIgnoredDuringExecution"]?.arrayValue ?? []
        let totalWeight = preferred.reduce(0.0) { $0 + Double($1["weight"]?.intValue ?? 0) }
        if totalWeight > 0 {
            let matched = preferred.filter { termMatches($0["preference"] ?? .null, node.object) }.reduce(0.0) { $0 + Double($1["weight"]?.intValue ?? 0) }
            affinity = matched * 100 / totalWeight
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
