// The scheduler extender protocol on the wire (k8s.io/kube-scheduler/extender/v1): the scheduler sends
// PascalCase keys with `null` for unset fields; replies are decoded case-insensitively, as Go's
// encoding/json does, with `NodeNames: null` meaning "no node passes".

import Foundation
import KubeCore

enum ExtenderWire {
    /// `objects` are the nodes' objects, needed only when the extender is not node-cache capable.
    static func filterArgs(pod: JSONValue, nodes: [String], objects: [JSONValue], nodeCacheCapable: Bool) -> JSONValue {
        var args = JSONObject()
        args["Pod"] = pod
        if nodeCacheCapable {
            args["Nodes"] = .null
            args["NodeNames"] = .array(nodes.map { .string($0) })
        } else {
            args["Nodes"] = ["metadata": .object(JSONObject()), "items": .array(objects)]
            args["NodeNames"] = .null
        }
        return .object(args)
    }

    static func bindingArgs(pod: JSONValue, node: String) -> JSONValue {
        .object(JSONObject([
            ("PodName", pod["metadata"]?["name"] ?? ""), ("PodNamespace", pod["metadata"]?["namespace"] ?? ""),
            ("PodUID", pod["metadata"]?["uid"] ?? ""), ("Node", .string(node)),
        ]))
    }

    static func preemptionArgs(pod: JSONValue, candidates: [String: [JSONValue]], nodeCacheCapable: Bool) -> JSONValue {
        var args = JSONObject()
        args["Pod"] = pod
        if nodeCacheCapable {
            args["NodeNameToVictims"] = .null
            args["NodeNameToMetaVictims"] = .object(JSONObject(candidates.sorted { $0.key < $1.key }.map { node, victims in
                (node, JSONValue.object(JSONObject([("Pods", .array(victims.map { .object(JSONObject([("UID", $0["metadata"]?["uid"] ?? "")])) })),
                                                    ("NumPDBViolations", 0)])))
            }))
        } else {
            args["NodeNameToVictims"] = .object(JSONObject(candidates.sorted { $0.key < $1.key }.map { node, victims in
                (node, JSONValue.object(JSONObject([("Pods", .array(victims)), ("NumPDBViolations", 0)])))
            }))
            args["NodeNameToMetaVictims"] = .null
        }
        return .object(args)
    }

    /// A member by name, ignoring case (Go's encoding/json matches struct fields that way).
    static func member(_ value: JSONValue?, _ name: String) -> JSONValue? {
        guard let object = value?.objectValue else { return nil }
        if let exact = object[name] { return exact }
        return object.first { $0.key.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    struct FilterResult {
        /// Which input nodes passed, by position in the input.
        var passed: [Bool]
        var failed: [String: String]
        var unresolvable: [String: String]
    }

    struct ProtocolError: Error, CustomStringConvertible {
        var description: String
    }

    static func decodeFilter(_ reply: JSONValue, input: [String], nodeCacheCapable: Bool) throws -> FilterResult {
        guard reply.objectValue != nil else { throw ProtocolError(description: "filter reply is not a JSON object") }
        if let e = member(reply, "Error")?.stringValue, !e.isEmpty { throw ProtocolError(description: e) }
        var names: [String] = []
        let nodeNames = member(reply, "NodeNames")
        let nodes = member(reply, "Nodes")
        var strict = false
        if nodeCacheCapable, let list = nodeNames, !list.isNull {
            names = list.arrayValue?.compactMap(\.stringValue) ?? []
            strict = true
        } else if let nodes, !nodes.isNull {
            names = member(nodes, "items")?.arrayValue?.compactMap { $0["metadata"]?["name"]?.stringValue } ?? []
        } else if let list = nodeNames, !list.isNull {
            names = list.arrayValue?.compactMap(\.stringValue) ?? []
        }
        func map(_ key: String) -> [String: String] {
            var out: [String: String] = [:]
            for (k, v) in member(reply, key)?.objectValue ?? JSONObject() { out[k] = v.stringValue ?? "" }
            return out
        }
        var passed = [Bool](repeating: false, count: input.count)
        for (name, position) in zip(names, positions(of: names, in: input)) {
            if let position { passed[position] = true } else if strict {
                throw ProtocolError(description: "extender claims a filtered node \"\(name)\" which is not found in the input node list")
            }
        }
        return FilterResult(passed: passed, failed: map("FailedNodes"), unresolvable: map("FailedAndUnresolvableNodes"))
    }

    /// Where each of `names` is in `input` (nil: not there). Extenders answer in the order they were asked, so the
    /// names are matched walking both lists; a name out of that order falls back to a lookup table.
    static func positions(of names: [String], in input: [String]) -> [Int?] {
        var out: [Int?] = []
        out.reserveCapacity(names.count)
        var next = 0
        var table: [String: Int]?
        for name in names {
            if table == nil {
                var j = next
                while j < input.count && input[j] != name { j += 1 }
                if j < input.count {
                    out.append(j)
                    next = j + 1
                    continue
                }
                table = Dictionary(input.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
            }
            out.append(table?[name])
        }
        return out
    }

    /// Scores by position in `candidates` (nil: the extender gave none); hosts outside the candidates are ignored;
    /// scores are used unclamped, as kube-scheduler does, and a host listed twice keeps its last score.
    static func decodePriorities(_ reply: JSONValue, candidates: [String]) -> [Int64?] {
        let entries = reply.arrayValue ?? []
        let hosts = entries.map { member($0, "Host")?.stringValue ?? "" }
        var out = [Int64?](repeating: nil, count: candidates.count)
        for (entry, position) in zip(entries, positions(of: hosts, in: candidates)) {
            if let position { out[position] = member(entry, "Score")?.intValue ?? 0 }
        }
        return out
    }
}
