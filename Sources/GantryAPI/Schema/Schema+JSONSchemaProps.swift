// Rendering a Schema as the apiextensions.k8s.io/v1 JSONSchemaProps a CRD's `openAPIV3Schema` holds.

import KubeCore

extension Schema {
    public var jsonSchemaProps: JSONSchemaProps {
        var p = JSONSchemaProps()
        if !description.isEmpty { p.description = description }
        p.type = type?.rawValue
        p.format = format
        p.enum = enumValues?.map { .string($0) }
        p.default = defaultValue
        p.minimum = minimum
        if exclusiveMinimum { p.exclusiveMinimum = true }
        p.maximum = maximum
        p.minLength = minLength.map(Int64.init)
        p.maxLength = maxLength.map(Int64.init)
        p.minItems = minItems.map(Int64.init)
        p.maxItems = maxItems.map(Int64.init)
        p.minProperties = minProperties.map(Int64.init)
        p.pattern = pattern
        if intOrString {
            // The one anyOf a structural schema allows, as controller-gen writes it for quantities.
            p.anyOf = [JSONSchemaProps(type: "integer"), JSONSchemaProps(type: "string")]
            p.xKubernetesIntOrString = true
        }
        if nullable { p.nullable = true }
        if !properties.isEmpty {
            var props: [String: JSONSchemaProps] = [:]
            for property in properties { props[property.name] = property.schema.jsonSchemaProps }
            p.properties = props
            let req = required
            if !req.isEmpty { p.required = req }
        }
        if let items { p.items = .schema(items.jsonSchemaProps) }
        if let additionalProperties { p.additionalProperties = .schema(additionalProperties.jsonSchemaProps) }
        if embeddedResource { p.xKubernetesEmbeddedResource = true }
        p.xKubernetesListType = listType?.rawValue
        p.xKubernetesListMapKeys = listMapKeys
        if preserveUnknownFields { p.xKubernetesPreserveUnknownFields = true }
        return p
    }

    /// The same schema as JSON, as it appears in the CRD file.
    public var openAPI: JSONValue { (try? JSONValueEncoder().encode(jsonSchemaProps)) ?? .null }
}
