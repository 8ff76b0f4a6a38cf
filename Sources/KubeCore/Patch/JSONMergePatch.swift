// JSONMergePatch (RFC 7386): `application/merge-patch+json`. A patch object sets members, `null` deletes
// them, nested objects merge, and anything else (arrays included) replaces the target outright.

public enum JSONMergePatch {
    /// The target with the patch applied (RFC 7386 §2, MergePatch).
    public static func apply(_ patch: JSONValue, to target: JSONValue) -> JSONValue {
        guard case .object(let members) = patch else { return patch }
        var result = target.objectValue ?? JSONObject()
        for (key, value) in members {
            if value.isNull {
                result.removeValue(forKey: key)
            } else {
                result[key] = apply(value, to: result[key] ?? .null)
            }
        }
        return .object(result)
    }

    /// A patch that turns `original` into `modified`: removed members become `null`, changed objects are
    /// diffed recursively, anything else changed is replaced; `{}` when nothing changed.
    ///
    /// Merge patches cannot set a member to `null` (null means delete), so for a `modified` that holds
    /// nulls inside objects, applying the patch yields `modified` without those members.
    public static func create(from original: JSONValue, to modified: JSONValue) -> JSONValue {
        guard case .object(let a) = original, case .object(let b) = modified else { return modified }
        var patch = JSONObject()
        for (key, _) in a where !b.contains(key) {
            patch[key] = .null
        }
        for (key, new) in b {
            guard let old = a[key] else {
                patch[key] = new
                continue
            }
            if old == new { continue }
            if case .object = old, case .object = new {
                patch[key] = create(from: old, to: new)
            } else {
                patch[key] = new
            }
        }
        return .object(patch)
    }
}
