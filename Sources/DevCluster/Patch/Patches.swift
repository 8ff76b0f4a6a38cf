// The three PATCH formats the API server accepts: JSON merge patch (RFC 7386), JSON patch (RFC 6902), and
// strategic merge patch for built-in kinds (lists with a merge key are merged by that key, and the
// `$patch`, `$retainKeys`, `$setElementOrder` and `$deleteFromPrimitiveList` directives kubectl sends).

import KubeCore

public struct PatchError: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// 400 for a malformed patch document, 422 for a patch that does not apply to the object.
    public var code: Int
    public var description: String { message }
}

public enum MergePatch {
    /// RFC 7386: objects merge recursively, `null` deletes, anything else replaces.
    public static func apply(_ patch: JSONValue, to target: JSONValue) -> JSONValue {
        guard case .object(let p) = patch else { return patch }
        var result = target.objectValue ?? JSONObject()
        for (k, v) in p {
            if v.isNull {
                result[k] = nil
            } else {
                result[k] = apply(v, to: result[k] ?? .null)
            }
        }
        return .object(result)
    }
}

public enum JSONPatch {
    public static func apply(_ patch: JSONValue, to target: JSONValue) throws -> JSONValue {
        guard let ops = patch.arrayValue else {
            throw PatchError(message: "json: cannot unmarshal object into Go value of type jsonpatch.Patch", code: 400)
        }
        var doc = target
        for op in ops {
            guard let name = op["op"]?.stringValue else { throw PatchError(message: "Unexpected kind: unknown", code: 400) }
            guard let path = op["path"]?.stringValue else { throw PatchError(message: "missing path in \(name) operation", code: 422) }
            let tokens = try pointer(path)
            switch name {
            case "add":
                guard let value = op["value"] else { throw PatchError(message: "missing value in add operation", code: 422) }
                doc = try add(doc, tokens, value, path)
            case "remove":
                doc = try remove(doc, tokens, path).0
            case "replace":
                guard let value = op["value"] else { throw PatchError(message: "missing value in replace operation", code: 422) }
                _ = try get(doc, tokens, path)
                doc = try set(doc, tokens, value, path)
            case "move":
                guard let from = op["from"]?.stringValue else { throw PatchError(message: "missing from in move operation", code: 422) }
                let (d, v) = try remove(doc, try pointer(from), from)
                doc = try add(d, tokens, v, path)
            case "copy":
                guard let from = op["from"]?.stringValue else { throw PatchError(message: "missing from in copy operation", code: 422) }
                doc = try add(doc, tokens, try get(doc, try pointer(from), from), path)
            case "test":
                let actual = try get(doc, tokens, path)
                if actual != (op["value"] ?? .null) {
                    throw PatchError(message: "testing value \(path) failed: test failed", code: 422)
                }
            default:
                throw PatchError(message: "Unexpected kind: \(name)", code: 422)
            }
        }
        return doc
    }

    static func pointer(_ path: String) throws -> [String] {
        if path.isEmpty { return [] }
        guard path.hasPrefix("/") else { throw PatchError(message: "invalid JSON pointer \(path)", code: 422) }
        return path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    static func missing(_ path: String) -> PatchError {
        PatchError(message: "doc is missing path: \"\(path)\": missing value", code: 422)
    }

    static func get(_ doc: JSONValue, _ tokens: [String], _ path: String) throws -> JSONValue {
        var cur = doc
        for t in tokens {
            switch cur {
            case .object(let o):
                guard let v = o[t] else { throw missing(path) }
                cur = v
            case .array(let a):
                guard let i = Int(t), a.indices.contains(i) else { throw missing(path) }
                cur = a[i]
            default: throw missing(path)
            }
        }
        return cur
    }

    static func set(_ doc: JSONValue, _ tokens: [String], _ value: JSONValue, _ path: String) throws -> JSONValue {
        try modify(doc, tokens[...], path) { parent, last in
            switch parent {
            case .object(var o): o[last] = value; parent = .object(o)
            case .array(var a):
                guard let i = Int(last), a.indices.contains(i) else { throw missing(path) }
                a[i] = value; parent = .array(a)
            default: throw missing(path)
            }
        }
    }

    static func add(_ doc: JSONValue, _ tokens: [String], _ value: JSONValue, _ path: String) throws -> JSONValue {
        if tokens.isEmpty { return value }
        return try modify(doc, tokens[...], path) { parent, last in
            switch parent {
            case .object(var o): o[last] = value; parent = .object(o)
            case .array(var a):
                if last == "-" { a.append(value) } else {
                    guard let i = Int(last), i >= 0, i <= a.count else {
                        throw PatchError(message: "add operation does not apply: doc is missing path: \"\(path)\": missing value", code: 422)
                    }
                    a.insert(value, at: i)
                }
                parent = .array(a)
            default: throw missing(path)
            }
        }
    }

    static func remove(_ doc: JSONValue, _ tokens: [String], _ path: String) throws -> (JSONValue, JSONValue) {
        guard !tokens.isEmpty else { throw PatchError(message: "unable to remove the root", code: 422) }
        var removed: JSONValue = .null
        let d = try modify(doc, tokens[...], path) { parent, last in
            switch parent {
            case .object(var o):
                guard let v = o.removeValue(forKey: last) else { throw missing(path) }
                removed = v; parent = .object(o)
            case .array(var a):
                guard let i = Int(last), a.indices.contains(i) else { throw missing(path) }
                removed = a.remove(at: i); parent = .array(a)
            default: throw missing(path)
            }
        }
        return (d, removed)
    }

    /// Walks to the parent of the last token and lets `body` change it.
    private static func modify(_ doc: JSONValue, _ tokens: ArraySlice<String>, _ path: String,
                               _ body: (inout JSONValue, String) throws -> Void) throws -> JSONValue {
        var cur = doc
        guard let first = tokens.first else { return doc }
        if tokens.count == 1 {
            try body(&cur, first)
            return cur
        }
        switch cur {
        case .object(var o):
            guard let child = o[first] else { throw missing(path) }
            o[first] = try modify(child, tokens.dropFirst(), path, body)
            return .object(o)
        case .array(var a):
            guard let i = Int(first), a.indices.contains(i) else { throw missing(path) }
            a[i] = try modify(a[i], tokens.dropFirst(), path, body)
            return .array(a)
        default:
            throw missing(path)
        }
    }
}
