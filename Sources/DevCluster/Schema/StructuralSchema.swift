// Structural-schema processing of custom resources, in the order the real apiextensions server applies
// it: prune unknown fields (remembering them for `fieldValidation=Strict|Warn`), apply `default`s, then
// validate types, required, enum, bounds, lengths, patterns, item counts and list uniqueness. Error text
// follows kube-openapi's ("spec.replicas in body must be of type integer: \"string\"").

import Foundation
import KubeCore

public struct SchemaResult: Sendable {
    public var object: JSONValue
    public var errors: [FieldError]
    /// Paths of fields pruned because the schema does not know them ("spec.foo").
    public var unknownFields: [String]
}

public enum StructuralSchema {
    /// Prunes, defaults and validates a whole custom resource against its version's `openAPIV3Schema`.
    public static func process(_ object: JSONValue, schema: JSONValue) -> SchemaResult {
        var unknown: [String] = []
        var errors: [FieldError] = []
        guard case .object(var root) = object else {
            return SchemaResult(object: object, errors: [FieldError.invalid("", nil, "must be an object")], unknownFields: [])
        }
        let properties = schema["properties"]?.objectValue ?? JSONObject()
        let preserve = schema["x-kubernetes-preserve-unknown-fields"]?.boolValue == true
        for key in root.keys where !["apiVersion", "kind", "metadata"].contains(key) {
            guard let propSchema = properties[key] else {
                if !preserve {
                    root[key] = nil
                    unknown.append(key)
                }
                continue
            }
            root[key] = pruneAndDefault(root[key] ?? .null, propSchema, path: key, unknown: &unknown)
            if root[key]?.isNull == true && propSchema["nullable"]?.boolValue != true { root[key] = nil }
        }
        for (key, propSchema) in properties where root[key] == nil && !["apiVersion", "kind", "metadata"].contains(key) {
            if let d = propSchema["default"] {
                root[key] = pruneAndDefault(d, propSchema, path: key, unknown: &unknown)
            }
        }
        let result = JSONValue.object(root)
        for (key, propSchema) in properties where !["apiVersion", "kind", "metadata"].contains(key) {
            if let v = root[key] { validate(v, propSchema, path: key, errors: &errors) }
        }
        for r in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where root[r] == nil {
            errors.append(.required(r))
        }
        return SchemaResult(object: result, errors: errors, unknownFields: unknown)
    }

    // MARK: Pruning and defaulting

    static func pruneAndDefault(_ value: JSONValue, _ schema: JSONValue, path: String, unknown: inout [String]) -> JSONValue {
        switch value {
        case .object(var o):
            let preserve = schema["x-kubernetes-preserve-unknown-fields"]?.boolValue == true
            let embedded = schema["x-kubernetes-embedded-resource"]?.boolValue == true
            if let properties = schema["properties"]?.objectValue {
                for key in o.keys {
                    if let propSchema = properties[key] {
                        let child = pruneAndDefault(o[key] ?? .null, propSchema, path: path + "." + key, unknown: &unknown)
                        if child.isNull && propSchema["nullable"]?.boolValue != true { o[key] = nil } else { o[key] = child }
                    } else if !preserve && !(embedded && ["apiVersion", "kind", "metadata"].contains(key)) {
                        o[key] = nil
                        unknown.append(path + "." + key)
                    }
                }
                for (key, propSchema) in properties where o[key] == nil {
                    if let d = propSchema["default"] {
                        o[key] = pruneAndDefault(d, propSchema, path: path + "." + key, unknown: &unknown)
                    }
                }
            } else if let additional = schema["additionalProperties"], additional.objectValue != nil {
                for key in o.keys {
                    o[key] = pruneAndDefault(o[key] ?? .null, additional, path: path + "[\(key)]", unknown: &unknown)
                }
            } else if !preserve && schema["additionalProperties"]?.boolValue != true && schema["type"]?.stringValue == "object"
                        && !embedded {
                // An object with neither properties nor additionalProperties keeps nothing.
                for key in o.keys {
                    o[key] = nil
                    unknown.append(path + "." + key)
                }
            }
            return .object(o)
        case .array(let items):
            guard let itemSchema = schema["items"], itemSchema.objectValue != nil else { return value }
            return .array(items.enumerated().map { i, item in
                pruneAndDefault(item, itemSchema, path: "\(path)[\(i)]", unknown: &unknown)
            })
        default:
            return value
        }
    }

    // MARK: Validation

    static func validate(_ value: JSONValue, _ schema: JSONValue, path: String, errors: inout [FieldError]) {
        if value.isNull {
            if schema["nullable"]?.boolValue == true { return }
            if let type = schema["type"]?.stringValue {
                errors.append(.invalid(path, .string("null"), "\(path) in body must be of type \(type): \"null\""))
            }
            return
        }
        let intOrString = schema["x-kubernetes-int-or-string"]?.boolValue == true
        if intOrString {
            if value.intValue == nil && value.stringValue == nil {
                errors.append(.invalid(path, .string(value.typeName),
                                       "\(path) in body must be of type integer,string: \"\(value.typeName)\""))
                return
            }
        } else if let type = schema["type"]?.stringValue, !typeMatches(value, type) {
            errors.append(.invalid(path, .string(goTypeName(value)),
                                   "\(path) in body must be of type \(type): \"\(goTypeName(value))\""))
            return
        }
        if let allowed = schema["enum"]?.arrayValue, !allowed.isEmpty, !allowed.contains(value) {
            errors.append(.notSupported(path, value, allowed))
        }
        switch value {
        case .int, .double:
            let n = value.doubleValue ?? 0
            if let minimum = schema["minimum"], let min = minimum.doubleValue {
                let exclusive = schema["exclusiveMinimum"]?.boolValue == true
                if exclusive ? n <= min : n < min {
                    errors.append(.invalid(path, value, "\(path) in body should be greater than \(exclusive ? "" : "or equal to ")\(number(minimum))"))
                }
            }
            if let maximum = schema["maximum"], let max = maximum.doubleValue {
                let exclusive = schema["exclusiveMaximum"]?.boolValue == true
                if exclusive ? n >= max : n > max {
                    errors.append(.invalid(path, value, "\(path) in body should be less than \(exclusive ? "" : "or equal to ")\(number(maximum))"))
                }
            }
            if let multiple = schema["multipleOf"], let m = multiple.doubleValue, m > 0, (n / m).rounded() != n / m {
                errors.append(.invalid(path, value, "\(path) in body should be a multiple of \(number(multiple))"))
            }
        case .string(let s):
            let length = s.count
            if let max = schema["maxLength"]?.intValue, length > max { errors.append(.tooLong(path, Int(max))) }
            if let min = schema["minLength"]?.intValue, length < min {
                errors.append(.invalid(path, value, "\(path) in body should be at least \(min) chars long"))
            }
            if let pattern = schema["pattern"]?.stringValue {
                if let re = RegexCache.shared.regex(pattern) {
                    if re.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) == nil {
                        errors.append(.invalid(path, value, "\(path) in body should match '\(pattern)'"))
                    }
                }
            }
            if schema["format"]?.stringValue == "date-time", !s.isEmpty, Time(rfc3339: s) == nil {
                errors.append(.invalid(path, value, "\(path) in body must be of type date-time: \"\(s)\""))
            }
        case .array(let items):
            if let max = schema["maxItems"]?.intValue, items.count > max { errors.append(.tooMany(path, items.count, Int(max))) }
            if let min = schema["minItems"]?.intValue, items.count < min {
                errors.append(.invalid(path, .int(Int64(items.count)), "\(path) in body should have at least \(min) items"))
            }
            let listType = schema["x-kubernetes-list-type"]?.stringValue
            if listType == "set" || schema["uniqueItems"]?.boolValue == true {
                for (i, item) in items.enumerated() where items[..<i].contains(item) {
                    errors.append(.duplicate("\(path)[\(i)]", item))
                }
            } else if listType == "map", let keys = schema["x-kubernetes-list-map-keys"]?.arrayValue?.compactMap(\.stringValue) {
                var seen: [[JSONValue?]] = []
                for (i, item) in items.enumerated() {
                    let id = keys.map { item[$0] }
                    if seen.contains(where: { $0 == id }) {
                        errors.append(.duplicate("\(path)[\(i)]", .object(JSONObject(keys.map { ($0, item[$0] ?? .null) }))))
                    }
                    seen.append(id)
                }
            }
            if let itemSchema = schema["items"], itemSchema.objectValue != nil {
                for (i, item) in items.enumerated() { validate(item, itemSchema, path: "\(path)[\(i)]", errors: &errors) }
            }
        case .object(let o):
            if let max = schema["maxProperties"]?.intValue, o.count > max { errors.append(.tooMany(path, o.count, Int(max))) }
            if let min = schema["minProperties"]?.intValue, o.count < min {
                errors.append(.invalid(path, .int(Int64(o.count)), "\(path) in body should have at least \(min) properties"))
            }
            for r in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where o[r] == nil {
                errors.append(.required(path + "." + r))
            }
            if let properties = schema["properties"]?.objectValue {
                for (key, child) in o {
                    if let s = properties[key] { validate(child, s, path: path + "." + key, errors: &errors) }
                }
            }
            if let additional = schema["additionalProperties"], additional.objectValue != nil {
                for (key, child) in o { validate(child, additional, path: path + "[\(key)]", errors: &errors) }
            }
            if schema["x-kubernetes-embedded-resource"]?.boolValue == true {
                if o["kind"] == nil { errors.append(.required(path + ".kind", "must not be empty")) }
                if o["apiVersion"] == nil { errors.append(.required(path + ".apiVersion", "must not be empty")) }
            }
        default:
            break
        }
        validateCombinators(value, schema, path: path, errors: &errors)
    }

    static func validateCombinators(_ value: JSONValue, _ schema: JSONValue, path: String, errors: inout [FieldError]) {
        if let all = schema["allOf"]?.arrayValue {
            for s in all { validate(value, s, path: path, errors: &errors) }
        }
        func passes(_ s: JSONValue) -> Bool {
            var e: [FieldError] = []
            validate(value, s, path: path, errors: &e)
            return e.isEmpty
        }
        if let any = schema["anyOf"]?.arrayValue, !any.isEmpty, !any.contains(where: passes) {
            errors.append(.invalid(path, value, "\(path) in body must validate at least one schema (anyOf)"))
        }
        if let one = schema["oneOf"]?.arrayValue, !one.isEmpty, one.filter(passes).count != 1 {
            errors.append(.invalid(path, value, "\(path) in body must validate one and only one schema (oneOf)"))
        }
        if let not = schema["not"], not.objectValue != nil, passes(not) {
            errors.append(.invalid(path, value, "\(path) in body should not validate the given schema"))
        }
    }

    static func typeMatches(_ value: JSONValue, _ type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool): return true
        case ("integer", .int): return true
        case ("integer", .double(let d)): return d.rounded() == d
        case ("number", .int), ("number", .double): return true
        default: return false
        }
    }

    /// The type name Go's JSON decoding gives a value, as in kube-openapi's messages.
    static func goTypeName(_ value: JSONValue) -> String {
        switch value {
        case .int, .double: return "number"
        case .bool: return "boolean"
        default: return value.typeName
        }
    }

    static func number(_ v: JSONValue) -> String {
        if let i = v.intValue { return String(i) }
        return v.doubleValue.map { String($0) } ?? "\(v)"
    }
}

/// Compiled `pattern`s, shared: CRD schemas are few and requests many.
final class RegexCache: Sendable {
    static let shared = RegexCache()
    private let cache = Mutex<[String: NSRegularExpression?]>([:])

    func regex(_ pattern: String) -> NSRegularExpression? {
        if let hit = cache.withLock({ $0[pattern] }) { return hit }
        let re = try? NSRegularExpression(pattern: pattern)
        cache.withLock { $0[pattern] = re }
        return re
    }
}

import Synchronization
