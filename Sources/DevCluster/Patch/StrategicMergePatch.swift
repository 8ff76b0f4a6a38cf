// Strategic merge patch for the built-in kinds. Which lists merge by which key comes from the Go types'
// `patchMergeKey`/`patchStrategy` tags (containers by name, ports by containerPort, conditions by type,
// ...); lists without a strategy are replaced, like JSON merge patch. Field names are looked up without
// their full path because these names mean the same thing wherever they appear in core/v1.

import KubeCore

public enum StrategicMergePatch {
    /// Merge keys of lists merged element-wise.
    static let mergeKeys: [String: String] = [
        "containers": "name", "initContainers": "name", "ephemeralContainers": "name", "env": "name",
        "volumeMounts": "mountPath", "volumeDevices": "devicePath", "volumes": "name", "imagePullSecrets": "name",
        "conditions": "type", "ownerReferences": "uid", "hostAliases": "ip", "addresses": "type",
        "resourceClaims": "name", "schedulingGates": "name", "podIPs": "ip", "topologySpreadConstraints": "topologyKey",
        "secrets": "name", "readinessGates": "conditionType",
    ]
    /// Lists of scalars merged as sets (`patchStrategy:"merge"`).
    static let mergedPrimitiveLists: Set<String> = ["finalizers"]

    public static func apply(_ patch: JSONValue, to original: JSONValue) throws -> JSONValue {
        guard case .object(let p) = patch else {
            throw PatchError(message: "unable to find api field in struct for the patch", code: 400)
        }
        return try mergeMap(original.objectValue ?? JSONObject(), p).map(JSONValue.object) ?? .object(JSONObject())
    }

    /// Merges a patch map into an original map; nil means the map itself was deleted (`$patch: delete`).
    static func mergeMap(_ original: JSONObject, _ patch: JSONObject) throws -> JSONObject? {
        if let directive = patch["$patch"] {
            switch directive.stringValue {
            case "replace":
                var replaced = patch
                replaced["$patch"] = nil
                return try stripDirectives(replaced)
            case "delete": return nil
            case "merge": break
            default: throw PatchError(message: "Unknown patch type: \(directive)", code: 400)
            }
        }
        var result = original
        for (key, value) in patch {
            if key == "$patch" || key.hasPrefix("$setElementOrder/") { continue }
            if key == "$retainKeys" { continue }
            if key.hasPrefix("$deleteFromPrimitiveList/") {
                let field = String(key.dropFirst("$deleteFromPrimitiveList/".count))
                guard let remove = value.arrayValue else {
                    throw PatchError(message: "invalid patch: $deleteFromPrimitiveList must be a list", code: 400)
                }
                if let list = result[field]?.arrayValue { result[field] = .array(list.filter { !remove.contains($0) }) }
                continue
            }
            switch value {
            case .null:
                result[key] = nil
            case .object(let childPatch):
                if case .object(let childOriginal)? = result[key] {
                    result[key] = try mergeMap(childOriginal, childPatch).map(JSONValue.object)
                } else {
                    result[key] = try mergeMap(JSONObject(), childPatch).map(JSONValue.object)
                }
            case .array(let items):
                result[key] = .array(try mergeList(key, result[key]?.arrayValue ?? [], items))
            default:
                result[key] = value
            }
        }
        if let retain = patch["$retainKeys"] {
            guard let keys = retain.arrayValue?.compactMap(\.stringValue) else {
                throw PatchError(message: "invalid patch: $retainKeys must be a list of strings", code: 400)
            }
            for k in result.keys where !keys.contains(k) { result[k] = nil }
        }
        return result
    }

    static func mergeList(_ field: String, _ original: [JSONValue], _ patch: [JSONValue]) throws -> [JSONValue] {
        if mergedPrimitiveLists.contains(field) {
            var out = original
            for v in patch where !out.contains(v) { out.append(v) }
            return out
        }
        let key = field == "ports" ? portKey(original + patch) : mergeKeys[field]
        guard let key, patch.allSatisfy({ $0.objectValue != nil }) else {
            return try patch.map { try stripDirectives($0) }
        }
        // `$patch: replace` as an element replaces the whole list with the other elements.
        if patch.contains(where: { $0["$patch"]?.stringValue == "replace" }) {
            return try patch.filter { $0["$patch"] == nil }.map { try stripDirectives($0) }
        }
        var out = original
        for element in patch {
            guard let object = element.objectValue else { continue }
            let id = object[key]
            let index = out.firstIndex { $0[key] == id && id != nil }
            if element["$patch"]?.stringValue == "delete" {
                out.removeAll { $0[key] == id }
                continue
            }
            if let index, case .object(let existing) = out[index] {
                if let merged = try mergeMap(existing, object) { out[index] = .object(merged) } else { out.remove(at: index) }
            } else if let merged = try mergeMap(JSONObject(), object) {
                out.append(.object(merged))
            }
        }
        return out
    }

    /// Container ports merge by containerPort, service ports by port.
    static func portKey(_ items: [JSONValue]) -> String? {
        if items.contains(where: { $0["containerPort"] != nil }) { return "containerPort" }
        if items.contains(where: { $0["port"] != nil }) { return "port" }
        return nil
    }

    /// Removes `$`-directives from a value that replaces rather than merges.
    static func stripDirectives(_ value: JSONValue) throws -> JSONValue {
        switch value {
        case .object(let o): return .object(try stripDirectives(o))
        case .array(let a): return .array(try a.map(stripDirectives))
        default: return value
        }
    }

    static func stripDirectives(_ o: JSONObject) throws -> JSONObject {
        var out = JSONObject()
        for (k, v) in o where !k.hasPrefix("$") { out[k] = try stripDirectives(v) }
        return out
    }
}
