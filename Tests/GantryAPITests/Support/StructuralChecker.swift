// The apiextensions.k8s.io/v1 rules a CRD's openAPIV3Schema must follow to be structural (KEP-1002,
// k8s.io/apiextensions-apiserver/pkg/apiserver/schema), plus this project's own: a description on every
// property and no defaults where unknown fields are preserved.

import KubeCore

enum StructuralChecker {
    static let intOrStringAnyOf: JSONValue = [["type": "integer"], ["type": "string"]]
    static let knownKeys: Set<String> = [
        "description", "type", "format", "enum", "default", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
        "minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties", "pattern", "nullable",
        "properties", "required", "items", "additionalProperties", "anyOf", "allOf", "oneOf", "not", "uniqueItems",
        "multipleOf", "title", "example", "x-kubernetes-embedded-resource", "x-kubernetes-int-or-string",
        "x-kubernetes-list-type", "x-kubernetes-list-map-keys", "x-kubernetes-map-type",
        "x-kubernetes-preserve-unknown-fields", "x-kubernetes-validations",
    ]

    /// Every violation as "path: rule".
    static func check(root: JSONValue) -> [String] {
        var problems: [String] = []
        if root["type"]?.stringValue != "object" { problems.append("<root>: type must be object") }
        if let metadata = root["properties"]?["metadata"] {
            // Only name and generateName may be restricted; anything else, even a description, is forbidden.
            let allowedKeys: Set<String> = ["type", "properties"]
            for key in metadata.objectValue?.keys ?? [] where !allowedKeys.contains(key) {
                problems.append("metadata: must not specify \(key), only restrictions of name and generateName")
            }
            if metadata["type"]?.stringValue != "object" { problems.append("metadata: type must be object") }
            for key in metadata["properties"]?.objectValue?.keys ?? [] where key != "name" && key != "generateName" {
                problems.append("metadata.\(key): only name and generateName may be specified")
            }
        }
        walk(root, path: "", underPreserve: false, isProperty: false, problems: &problems)
        return problems
    }

    private static func walk(_ s: JSONValue, path: String, underPreserve: Bool, isProperty: Bool, problems: inout [String]) {
        func fail(_ msg: String) { problems.append("\(path.isEmpty ? "<root>" : path): \(msg)") }
        guard let object = s.objectValue else {
            fail("schema must be an object")
            return
        }
        for key in object.keys where !knownKeys.contains(key) { fail("unknown schema keyword \(key)") }
        let type = s["type"]?.stringValue
        let intOrString = s["x-kubernetes-int-or-string"]?.boolValue == true
        let preserve = s["x-kubernetes-preserve-unknown-fields"]?.boolValue == true
        let isRootMetadata = path == "metadata"

        // 1. Every node has a type, except int-or-string and preserve-unknown-fields nodes.
        if type == nil && !intOrString && !preserve && !isRootMetadata { fail("type must be specified") }
        if let type, !["object", "array", "string", "integer", "number", "boolean"].contains(type) {
            fail("unsupported type \(type)")
        }
        if intOrString {
            if type != nil { fail("x-kubernetes-int-or-string must not have a type") }
            if let anyOf = s["anyOf"], anyOf != intOrStringAnyOf {
                fail("anyOf next to x-kubernetes-int-or-string must be exactly [integer, string]")
            }
        } else {
            // 3. No logical junctors except the int-or-string one (we use none).
            for junctor in ["anyOf", "allOf", "oneOf", "not"] where s[junctor] != nil { fail("\(junctor) is not allowed here") }
        }
        // additionalProperties and properties are mutually exclusive; additionalProperties must be a schema.
        if s["properties"] != nil && s["additionalProperties"] != nil { fail("properties and additionalProperties are mutually exclusive") }
        if let ap = s["additionalProperties"], ap.objectValue == nil { fail("additionalProperties must be a schema, not \(ap.typeName)") }
        if (s["properties"] != nil || s["additionalProperties"] != nil) && type != "object" { fail("properties need type object") }
        if type == "array" && s["items"] == nil { fail("arrays must specify items") }
        if s["items"] != nil && type != "array" { fail("items need type array") }
        if s["nullable"] != nil {
            // We never want null in the API; an explicit nullable is a mistake here.
            fail("nullable is not used in Gantry's API")
        }
        if isProperty && !isRootMetadata && (s["description"]?.stringValue ?? "").isEmpty {
            fail("every property needs a description (kubectl explain prints it)")
        }
        // Defaults: not under preserve-unknown-fields, and valid against their own schema.
        if let d = s["default"] {
            if underPreserve || preserve { fail("no defaults in x-kubernetes-preserve-unknown-fields subtrees") }
            let issues = OpenAPIValidator.validate(d, against: s)
            for issue in issues { fail("default \(d) is invalid: \(issue)") }
        }
        if let required = s["required"]?.arrayValue {
            let props = s["properties"]?.objectValue
            for r in required {
                if props?[r.stringValue ?? ""] == nil { fail("required field \(r) is not a property") }
            }
        }
        if s["x-kubernetes-embedded-resource"]?.boolValue == true {
            if type != "object" { fail("x-kubernetes-embedded-resource needs type object") }
            if s["properties"] == nil && !preserve { fail("x-kubernetes-embedded-resource needs properties or preserve-unknown-fields") }
        }
        // List types.
        let listType = s["x-kubernetes-list-type"]?.stringValue
        if listType != nil && type != "array" { fail("x-kubernetes-list-type on a non-array") }
        if s["x-kubernetes-list-map-keys"] != nil && listType != "map" { fail("x-kubernetes-list-map-keys needs list-type map") }
        switch listType {
        case "map":
            let items = s["items"]
            if items?["type"]?.stringValue != "object" { fail("list-type map needs object items") }
            let keys = s["x-kubernetes-list-map-keys"]?.arrayValue?.compactMap(\.stringValue) ?? []
            if keys.isEmpty { fail("list-type map needs x-kubernetes-list-map-keys") }
            let requiredKeys = Set(items?["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            for key in keys {
                guard let prop = items?["properties"]?[key] else {
                    fail("map key \(key) is not a property of the items")
                    continue
                }
                if !["string", "integer", "number", "boolean"].contains(prop["type"]?.stringValue ?? "") {
                    fail("map key \(key) must be a scalar")
                }
                if !requiredKeys.contains(key) && prop["default"] == nil { fail("map key \(key) must be required or have a default") }
            }
        case "set":
            let itemType = s["items"]?["type"]?.stringValue ?? ""
            if !["string", "integer", "number", "boolean"].contains(itemType) { fail("list-type set needs scalar items") }
        case nil, "atomic": break
        default: fail("unknown list type \(listType ?? "")")
        }

        let below = underPreserve || preserve
        for (key, child) in s["properties"]?.objectValue ?? JSONObject() {
            walk(child, path: path.isEmpty ? key : "\(path).\(key)", underPreserve: below, isProperty: true, problems: &problems)
        }
        if let items = s["items"] { walk(items, path: path + "[]", underPreserve: below, isProperty: false, problems: &problems) }
        if let ap = s["additionalProperties"], ap.objectValue != nil {
            walk(ap, path: path + "[*]", underPreserve: below, isProperty: false, problems: &problems)
        }
    }

    /// The schema node a printer column or scale path points at (`.status.conditions[?(@.type=="Ready")].status`,
    /// `.spec.devices[0].model`), or nil when the path leaves the schema.
    static func resolve(jsonPath: String, in root: JSONValue) -> JSONValue? {
        var node: JSONValue? = root
        var rest = Substring(jsonPath)
        guard rest.first == "." else { return nil }
        while !rest.isEmpty {
            if rest.first == "." {
                rest = rest.dropFirst()
                let end = rest.firstIndex { $0 == "." || $0 == "[" } ?? rest.endIndex
                let name = String(rest[..<end])
                rest = rest[end...]
                if name == "metadata", node?["properties"]?["metadata"] != nil, rest.hasPrefix(".creationTimestamp") {
                    return ["type": "string", "format": "date-time"]
                }
                node = node?["properties"]?[name]
            } else if rest.first == "[" {
                guard let close = rest.firstIndex(of: "]") else { return nil }
                rest = rest[rest.index(after: close)...]
                node = node?["items"]
            } else {
                return nil
            }
            if node == nil { return nil }
        }
        return node
    }
}
