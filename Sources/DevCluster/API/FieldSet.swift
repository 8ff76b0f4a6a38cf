// FieldSet: the `fieldsV1` a server-side apply records in managedFields for its manager, in the
// structured-merge-diff encoding (`{"f:spec":{"f:replicas":{}}}`). Lists are recorded as atomic values.

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
