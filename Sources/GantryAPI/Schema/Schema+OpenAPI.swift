// Rendering a Schema as the OpenAPI v3 JSON a CRD's `openAPIV3Schema` holds.

import KubeCore

extension Schema {
    /// The OpenAPI v3 form, field names as apiextensions.k8s.io/v1 spells them.
    public var openAPI: JSONValue {
        var o = JSONObject()
        if !description.isEmpty { o["description"] = .string(description) }
        if let type { o["type"] = .string(type.rawValue) }
        if let format { o["format"] = .string(format) }
        if let enumValues { o["enum"] = .array(enumValues.map { .string($0) }) }
        if let defaultValue { o["default"] = defaultValue }
        if let minimum { o["minimum"] = Self.number(minimum) }
        if exclusiveMinimum { o["exclusiveMinimum"] = true }
        if let maximum { o["maximum"] = Self.number(maximum) }
        if let minLength { o["minLength"] = .int(Int64(minLength)) }
        if let maxLength { o["maxLength"] = .int(Int64(maxLength)) }
        if let minItems { o["minItems"] = .int(Int64(minItems)) }
        if let maxItems { o["maxItems"] = .int(Int64(maxItems)) }
        if let minProperties { o["minProperties"] = .int(Int64(minProperties)) }
        if intOrString {
            // The one anyOf a structural schema allows, as controller-gen writes it for quantities.
            o["anyOf"] = [["type": "integer"], ["type": "string"]]
        }
        if let pattern { o["pattern"] = .string(pattern) }
        if nullable { o["nullable"] = true }
        if !properties.isEmpty {
            var props = JSONObject()
            for p in properties { props[p.name] = p.schema.openAPI }
            o["properties"] = .object(props)
            let req = required
            if !req.isEmpty { o["required"] = .array(req.map { .string($0) }) }
        }
        if let items { o["items"] = items.openAPI }
        if let additionalProperties { o["additionalProperties"] = additionalProperties.openAPI }
        if embeddedResource { o["x-kubernetes-embedded-resource"] = true }
        if intOrString { o["x-kubernetes-int-or-string"] = true }
        if let listType { o["x-kubernetes-list-type"] = .string(listType.rawValue) }
        if let listMapKeys { o["x-kubernetes-list-map-keys"] = .array(listMapKeys.map { .string($0) }) }
        if preserveUnknownFields { o["x-kubernetes-preserve-unknown-fields"] = true }
        return .object(o)
    }

    private static func number(_ d: Double) -> JSONValue {
        if d == d.rounded(), abs(d) < 1e15 { return .int(Int64(d)) }
        return .double(d)
    }
}
