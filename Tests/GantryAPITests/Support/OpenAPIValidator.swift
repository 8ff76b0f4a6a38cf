// A small OpenAPI v3 validator and defaulter for CRD schemas, enough to check that the examples are
// accepted as the API server would accept them (strictly: unknown fields are errors, as with
// `kubectl apply --validate=strict`) and to apply schema defaults the way the API server does.

import Foundation
import KubeCore

struct OpenAPIValidator {
    /// Problems as "path: message".
    private(set) var problems: [String] = []

    static func validate(_ value: JSONValue, against schema: JSONValue) -> [String] {
        var v = OpenAPIValidator()
        v.check(value, schema, path: "")
        return v.problems
    }

    private mutating func fail(_ path: String, _ message: String) {
        problems.append("\(path.isEmpty ? "<root>" : path): \(message)")
    }

    private mutating func check(_ value: JSONValue, _ schema: JSONValue, path: String) {
        let preserve = schema["x-kubernetes-preserve-unknown-fields"]?.boolValue == true
        if value.isNull {
            if schema["nullable"]?.boolValue != true { fail(path, "must not be null") }
            return
        }
        if schema["x-kubernetes-int-or-string"]?.boolValue == true {
            switch value {
            case .int: break
            case .double(let d) where d == d.rounded(): break
            case .string: break
            default: fail(path, "must be an integer or a string, got \(value.typeName)")
            }
        } else if let type = schema["type"]?.stringValue {
            let ok: Bool
            switch (type, value) {
            case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool): ok = true
            case ("integer", .int): ok = true
            case ("integer", .double(let d)): ok = d == d.rounded()
            case ("number", .int), ("number", .double): ok = true
            default: ok = false
            }
            if !ok {
                fail(path, "must be of type \(type), got \(value.typeName)")
                return
            }
        }
        if let values = schema["enum"]?.arrayValue, !values.contains(value) {
            fail(path, "unsupported value \(value); supported: \(values.map(\.description).joined(separator: ", "))")
        }
        if let d = value.doubleValue {
            if let min = schema["minimum"]?.doubleValue {
                let exclusive = schema["exclusiveMinimum"]?.boolValue == true
                if exclusive ? d <= min : d < min { fail(path, "must be \(exclusive ? ">" : ">=") \(min)") }
            }
            if let max = schema["maximum"]?.doubleValue, d > max { fail(path, "must be <= \(max)") }
        }
        if let s = value.stringValue {
            if let n = schema["minLength"]?.intValue, s.count < n { fail(path, "must be at least \(n) characters") }
            if let n = schema["maxLength"]?.intValue, s.count > n { fail(path, "must be at most \(n) characters") }
            if let p = schema["pattern"]?.stringValue, !Self.matches(s, p) { fail(path, "must match \(p)") }
            if schema["format"]?.stringValue == "date-time", Time(rfc3339: s) == nil { fail(path, "must be an RFC 3339 date-time") }
        }
        if case .int = value, let p = schema["pattern"]?.stringValue, !Self.matches(value.description, p) {
            fail(path, "must match \(p)")
        }
        if case .array(let items) = value {
            if let n = schema["minItems"]?.intValue, items.count < n { fail(path, "must have at least \(n) items") }
            if let n = schema["maxItems"]?.intValue, items.count > n { fail(path, "must have at most \(n) items") }
            if let itemSchema = schema["items"] {
                for (i, item) in items.enumerated() { check(item, itemSchema, path: "\(path)[\(i)]") }
            }
            switch schema["x-kubernetes-list-type"]?.stringValue {
            case "set":
                var seen: [JSONValue] = []
                for (i, item) in items.enumerated() {
                    if seen.contains(item) { fail("\(path)[\(i)]", "duplicate entry \(item)") }
                    seen.append(item)
                }
            case "map":
                let keys = schema["x-kubernetes-list-map-keys"]?.arrayValue?.compactMap(\.stringValue) ?? []
                var seen: [[JSONValue?]] = []
                for (i, item) in items.enumerated() {
                    let key = keys.map { item[$0] ?? (schema["items"]?["properties"]?[$0]?["default"]) }
                    if seen.contains(where: { $0 == key }) { fail("\(path)[\(i)]", "duplicate entry for keys \(keys)") }
                    seen.append(key)
                }
            default: break
            }
        }
        if case .object(let object) = value {
            if let n = schema["minProperties"]?.intValue, object.count < n { fail(path, "must have at least \(n) properties") }
            let properties = schema["properties"]?.objectValue
            for required in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where object[required] == nil {
                fail(path.isEmpty ? required : "\(path).\(required)", "required field is missing")
            }
            for (key, child) in object {
                let childPath = path.isEmpty ? key : "\(path).\(key)"
                if let propSchema = properties?[key] {
                    check(child, propSchema, path: childPath)
                } else if let additional = schema["additionalProperties"], additional.objectValue != nil {
                    check(child, additional, path: "\(path)[\(key)]")
                } else if properties == nil, schema["additionalProperties"] == nil {
                    // An object without properties is opaque to the CRD schema.
                } else if path == "metadata" {
                    // Root metadata is ObjectMeta, validated by the API server; the CRD only restricts name.
                } else if !preserve {
                    fail(childPath, "unknown field")
                }
            }
        }
    }

    /// Anchored Go RE2 patterns in our schemas are also valid ICU patterns.
    static func matches(_ s: String, _ pattern: String) -> Bool {
        guard let re = try? NSRegularExpression(pattern: pattern) else { return false }
        return re.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
    }

    /// Applies schema defaults as the API server does on read and write: a missing property with a default
    /// gets it, then defaulting descends into every present object and array item.
    static func applyDefaults(_ value: JSONValue, _ schema: JSONValue) -> JSONValue {
        switch value {
        case .object(var object):
            if let properties = schema["properties"]?.objectValue {
                for (key, propSchema) in properties {
                    if object[key] == nil, let d = propSchema["default"] { object[key] = d }
                    if let child = object[key] { object[key] = applyDefaults(child, propSchema) }
                }
            } else if let additional = schema["additionalProperties"], additional.objectValue != nil {
                for (key, child) in object { object[key] = applyDefaults(child, additional) }
            }
            return .object(object)
        case .array(let items):
            guard let itemSchema = schema["items"] else { return value }
            return .array(items.map { applyDefaults($0, itemSchema) })
        default:
            return value
        }
    }
}
