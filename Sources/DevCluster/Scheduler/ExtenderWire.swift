// The scheduler extender protocol on the wire (k8s.io/kube-scheduler/extender/v1): the scheduler sends
// PascalCase keys with `null` for unset fields; replies are decoded case-insensitively, as Go's
// encoding/json does, with `NodeNames: null` meaning "no node passes".

import Foundation
import KubeCore

enum ExtenderWire {
    static func filterArgs(pod: JSONValue, nodes: [NodeSnapshot], nodeCacheCapable: Bool) -> JSONValue {
        var args = JSONObject()
        args["Pod"] = pod
        if nodeCacheCapable {
            args["Nodes"] = .null
            args["NodeNames"] = .array(nodes.map { .string($0.name) })
        } else {
            args["Nodes"] = ["metadata": .object(JSONObject()), "items": .array(nodes.map(\.object))]
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
        var nodeNames: [String]
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
        if nodeCacheCapable, let list = nodeNames, !list.isNull {
            names = list.arrayValue?.compactMap(\.stringValue) ?? []
            let known = Set(input)
            if let unknown = names.first(where: { !known.contains($0) }) {
                throw ProtocolError(description: "extender claims a filtered node \"\(unknown)\" which is not found in the input node list")
            }
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
        return FilterResult(nodeNames: names, failed: map("FailedNodes"), unresolvable: map("FailedAndUnresolvableNodes"))
    }

    /// Host → score; hosts outside the candidates are ignored; scores are used unclamped, as kube-scheduler does.
    static func decodePriorities(_ reply: JSONValue, candidates: Set<String>) -> [String: Int64] {
        var out: [String: Int64] = [:]
        for entry in reply.arrayValue ?? [] {
            guard let host = member(entry, "Host")?.stringValue, candidates.contains(host) else { continue }
            out[host] = member(entry, "Score")?.intValue ?? 0
        }
        return out
    }
}
