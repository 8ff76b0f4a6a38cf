// FieldSet: the `fieldsV1` a server-side apply records in managedFields for its manager, in the
// structured-merge-diff encoding (`{"f:spec":{"f:replicas":{}}}`), and the paths it names, so that a field
// a manager applied before and no longer applies is removed (when no other applier owns it), as real
// server-side apply does. Lists are recorded as atomic values.

import KubeCore

enum FieldSet {
    static func of(_ applied: JSONValue, subresource: String?) -> JSONValue {
        guard case .object(let o) = applied else { return .object(JSONObject()) }
        var out = JSONObject()
        for (k, v) in o where k != "apiVersion" && k != "kind" {
            if k == "metadata", let m = v.objectValue {
                var meta = JSONObject()
                for (mk, mv) in m where ["labels", "annotations", "finalizers", "ownerReferences"].contains(mk) {
                    meta["f:" + mk] = fields(mv)
                }
                if !meta.isEmpty { out["f:metadata"] = .object(meta) }
                continue
            }
            out["f:" + k] = fields(v)
        }
        return .object(out)
    }

    private static func fields(_ v: JSONValue) -> JSONValue {
        guard case .object(let o) = v else { return .object(JSONObject()) }
        var out = JSONObject()
        out["."] = .object(JSONObject())
        for (k, child) in o { out["f:" + k] = fields(child) }
        return .object(out)
    }
}

extension FieldSet {
    /// Every field path the set names ("spec", "spec.replicas", ...), each as its keys.
    static func paths(_ fields: JSONValue?) -> Set<[String]> {
        var out: Set<[String]> = []
        func walk(_ v: JSONValue, _ prefix: [String]) {
            for (k, child) in v.objectValue ?? JSONObject() where k.hasPrefix("f:") {
                let path = prefix + [String(k.dropFirst(2))]
                out.insert(path)
                walk(child, path)
            }
        }
        if let fields { walk(fields, []) }
        return out
    }

    /// Removes from `object` the fields `manager` applied before (`previous`) and no longer applies
    /// (`current`), unless another applier still owns them. Deepest paths first, so a parent left empty by
    /// its children's removal is removed too when it was only this manager's.
    static func removeReleased(from object: inout JSONValue, previous: JSONValue?, current: JSONValue, others: [JSONValue]) {
        let released = paths(previous).subtracting(paths(current))
        guard !released.isEmpty else { return }
        let kept = others.reduce(into: Set<[String]>()) { $0.formUnion(paths($1)) }
        for path in released.sorted(by: { $0.count > $1.count }) where !kept.contains(path) {
            if path.first == "metadata" && path.count < 3 { continue }  // labels/annotations maps stay
            let parent = Array(path.dropLast())
            guard var container = parent.isEmpty ? object : object[path: parent], container.objectValue != nil else { continue }
            // `released` holds no prefix of a path still applied, so the whole subtree can go.
            if container[path[path.count - 1]] != nil {
                container[path[path.count - 1]] = nil
                if parent.isEmpty { object = container } else { object.set(container, at: parent) }
            }
        }
    }
}
