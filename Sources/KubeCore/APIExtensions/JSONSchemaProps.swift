// JSONSchemaProps (apiextensions.k8s.io/v1): the OpenAPI v3 schema of a CRD version, every field the API
// has, recursive. GantryAPI generates CRDs with it and the dev cluster validates objects against it, so a
// decode followed by an encode gives back the same JSON (an explicit `default: null` included).

public struct JSONSchemaProps: Sendable, Hashable {
    public var id: String?
    /// `$schema`
    public var schema: String?
    /// `$ref`
    public var ref: String?
    public var description: String?
    /// object, array, string, integer, number or boolean.
    public var type: String?
    /// int32, int64, float, double, byte, date, date-time, duration, quantity, ...
    public var format: String?
    public var title: String?
    public var `default`: JSONValue?
    public var maximum: Double?
    public var exclusiveMaximum: Bool?
    public var minimum: Double?
    public var exclusiveMinimum: Bool?
    public var maxLength: Int64?
    public var minLength: Int64?
    public var pattern: String?
    public var maxItems: Int64?
    public var minItems: Int64?
    public var uniqueItems: Bool?
    public var multipleOf: Double?
    public var `enum`: [JSONValue]?
    public var maxProperties: Int64?
    public var minProperties: Int64?
    public var required: [String]?
    public var items: JSONSchemaPropsOrArray?
    public var allOf: [JSONSchemaProps]?
    public var oneOf: [JSONSchemaProps]?
    public var anyOf: [JSONSchemaProps]?
    /// Kept in an array so the struct does not contain itself.
    private var notStorage: [JSONSchemaProps]?
    public var properties: [String: JSONSchemaProps]?
    public var additionalProperties: JSONSchemaPropsOrBool?
    public var patternProperties: [String: JSONSchemaProps]?
    public var dependencies: [String: JSONSchemaPropsOrStringArray]?
    public var additionalItems: JSONSchemaPropsOrBool?
    public var definitions: [String: JSONSchemaProps]?
    public var externalDocs: ExternalDocumentation?
    public var example: JSONValue?
    public var nullable: Bool?
    public var xKubernetesPreserveUnknownFields: Bool?
    public var xKubernetesEmbeddedResource: Bool?
    public var xKubernetesIntOrString: Bool?
    public var xKubernetesListMapKeys: [String]?
    /// atomic, set or map.
    public var xKubernetesListType: String?
    /// granular or atomic.
    public var xKubernetesMapType: String?
    public var xKubernetesValidations: [ValidationRule]?
    public var unknownFields: UnknownFields? = nil

    public var not: JSONSchemaProps? {
        get { notStorage?.first }
        set { notStorage = newValue.map { [$0] } }
    }

    public init(
        id: String? = nil, schema: String? = nil, ref: String? = nil, description: String? = nil, type: String? = nil,
        format: String? = nil, title: String? = nil, default defaultValue: JSONValue? = nil, maximum: Double? = nil,
        exclusiveMaximum: Bool? = nil, minimum: Double? = nil, exclusiveMinimum: Bool? = nil, maxLength: Int64? = nil,
        minLength: Int64? = nil, pattern: String? = nil, maxItems: Int64? = nil, minItems: Int64? = nil,
        uniqueItems: Bool? = nil, multipleOf: Double? = nil, enum enumValues: [JSONValue]? = nil,
        maxProperties: Int64? = nil, minProperties: Int64? = nil, required: [String]? = nil,
        items: JSONSchemaPropsOrArray? = nil, allOf: [JSONSchemaProps]? = nil, oneOf: [JSONSchemaProps]? = nil,
        anyOf: [JSONSchemaProps]? = nil, not: JSONSchemaProps? = nil, properties: [String: JSONSchemaProps]? = nil,
        additionalProperties: JSONSchemaPropsOrBool? = nil, patternProperties: [String: JSONSchemaProps]? = nil,
        dependencies: [String: JSONSchemaPropsOrStringArray]? = nil, additionalItems: JSONSchemaPropsOrBool? = nil,
        definitions: [String: JSONSchemaProps]? = nil, externalDocs: ExternalDocumentation? = nil,
        example: JSONValue? = nil, nullable: Bool? = nil, xKubernetesPreserveUnknownFields: Bool? = nil,
        xKubernetesEmbeddedResource: Bool? = nil, xKubernetesIntOrString: Bool? = nil,
        xKubernetesListMapKeys: [String]? = nil, xKubernetesListType: String? = nil, xKubernetesMapType: String? = nil,
        xKubernetesValidations: [ValidationRule]? = nil
    ) {
        self.id = id
        self.schema = schema
        self.ref = ref
        self.description = description
        self.type = type
        self.format = format
        self.title = title
        self.default = defaultValue
        self.maximum = maximum
        self.exclusiveMaximum = exclusiveMaximum
        self.minimum = minimum
        self.exclusiveMinimum = exclusiveMinimum
        self.maxLength = maxLength
        self.minLength = minLength
        self.pattern = pattern
        self.maxItems = maxItems
        self.minItems = minItems
        self.uniqueItems = uniqueItems
        self.multipleOf = multipleOf
        self.enum = enumValues
        self.maxProperties = maxProperties
        self.minProperties = minProperties
        self.required = required
        self.items = items
        self.allOf = allOf
        self.oneOf = oneOf
        self.anyOf = anyOf
        self.notStorage = not.map { [$0] }
        self.properties = properties
        self.additionalProperties = additionalProperties
        self.patternProperties = patternProperties
        self.dependencies = dependencies
        self.additionalItems = additionalItems
        self.definitions = definitions
        self.externalDocs = externalDocs
        self.example = example
        self.nullable = nullable
        self.xKubernetesPreserveUnknownFields = xKubernetesPreserveUnknownFields
        self.xKubernetesEmbeddedResource = xKubernetesEmbeddedResource
        self.xKubernetesIntOrString = xKubernetesIntOrString
        self.xKubernetesListMapKeys = xKubernetesListMapKeys
        self.xKubernetesListType = xKubernetesListType
        self.xKubernetesMapType = xKubernetesMapType
        self.xKubernetesValidations = xKubernetesValidations
    }
}

extension JSONSchemaProps: Codable {
    enum CodingKeys: String, CodingKey {
        case id
        case schema = "$schema"
        case ref = "$ref"
        case description, type, format, title, `default`, maximum, exclusiveMaximum, minimum, exclusiveMinimum,
            maxLength, minLength, pattern, maxItems, minItems, uniqueItems, multipleOf, `enum`, maxProperties,
            minProperties, required, items, allOf, oneOf, anyOf, not, properties, additionalProperties,
            patternProperties, dependencies, additionalItems, definitions, externalDocs, example, nullable
        case xKubernetesPreserveUnknownFields = "x-kubernetes-preserve-unknown-fields"
        case xKubernetesEmbeddedResource = "x-kubernetes-embedded-resource"
        case xKubernetesIntOrString = "x-kubernetes-int-or-string"
        case xKubernetesListMapKeys = "x-kubernetes-list-map-keys"
        case xKubernetesListType = "x-kubernetes-list-type"
        case xKubernetesMapType = "x-kubernetes-map-type"
        case xKubernetesValidations = "x-kubernetes-validations"
        case unknownFields
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decodeIfPresent(String.self, forKey: .id)
        schema = try c.decodeIfPresent(String.self, forKey: .schema)
        ref = try c.decodeIfPresent(String.self, forKey: .ref)
        description = try c.decodeIfPresent(String.self, forKey: .description)
        type = try c.decodeIfPresent(String.self, forKey: .type)
        format = try c.decodeIfPresent(String.self, forKey: .format)
        title = try c.decodeIfPresent(String.self, forKey: .title)
        // A null default or example is a value, not an absence. (No ternary here: in a JSONValue context
        // `nil` would be the JSON null literal.)
        if c.contains(.default) { self.default = try c.decode(JSONValue.self, forKey: .default) } else { self.default = .none }
        maximum = try c.decodeIfPresent(Double.self, forKey: .maximum)
        exclusiveMaximum = try c.decodeIfPresent(Bool.self, forKey: .exclusiveMaximum)
        minimum = try c.decodeIfPresent(Double.self, forKey: .minimum)
        exclusiveMinimum = try c.decodeIfPresent(Bool.self, forKey: .exclusiveMinimum)
        maxLength = try c.decodeIfPresent(Int64.self, forKey: .maxLength)
        minLength = try c.decodeIfPresent(Int64.self, forKey: .minLength)
        pattern = try c.decodeIfPresent(String.self, forKey: .pattern)
        maxItems = try c.decodeIfPresent(Int64.self, forKey: .maxItems)
        minItems = try c.decodeIfPresent(Int64.self, forKey: .minItems)
        uniqueItems = try c.decodeIfPresent(Bool.self, forKey: .uniqueItems)
        multipleOf = try c.decodeIfPresent(Double.self, forKey: .multipleOf)
        self.enum = try c.decodeIfPresent([JSONValue].self, forKey: .enum)
        maxProperties = try c.decodeIfPresent(Int64.self, forKey: .maxProperties)
        minProperties = try c.decodeIfPresent(Int64.self, forKey: .minProperties)
        required = try c.decodeIfPresent([String].self, forKey: .required)
        items = try c.decodeIfPresent(JSONSchemaPropsOrArray.self, forKey: .items)
        allOf = try c.decodeIfPresent([JSONSchemaProps].self, forKey: .allOf)
        oneOf = try c.decodeIfPresent([JSONSchemaProps].self, forKey: .oneOf)
        anyOf = try c.decodeIfPresent([JSONSchemaProps].self, forKey: .anyOf)
        notStorage = try c.decodeIfPresent(JSONSchemaProps.self, forKey: .not).map { [$0] }
        properties = try c.decodeIfPresent([String: JSONSchemaProps].self, forKey: .properties)
        additionalProperties = try c.decodeIfPresent(JSONSchemaPropsOrBool.self, forKey: .additionalProperties)
        patternProperties = try c.decodeIfPresent([String: JSONSchemaProps].self, forKey: .patternProperties)
        dependencies = try c.decodeIfPresent([String: JSONSchemaPropsOrStringArray].self, forKey: .dependencies)
        additionalItems = try c.decodeIfPresent(JSONSchemaPropsOrBool.self, forKey: .additionalItems)
        definitions = try c.decodeIfPresent([String: JSONSchemaProps].self, forKey: .definitions)
        externalDocs = try c.decodeIfPresent(ExternalDocumentation.self, forKey: .externalDocs)
        if c.contains(.example) { example = try c.decode(JSONValue.self, forKey: .example) } else { example = .none }
        nullable = try c.decodeIfPresent(Bool.self, forKey: .nullable)
        xKubernetesPreserveUnknownFields = try c.decodeIfPresent(Bool.self, forKey: .xKubernetesPreserveUnknownFields)
        xKubernetesEmbeddedResource = try c.decodeIfPresent(Bool.self, forKey: .xKubernetesEmbeddedResource)
        xKubernetesIntOrString = try c.decodeIfPresent(Bool.self, forKey: .xKubernetesIntOrString)
        xKubernetesListMapKeys = try c.decodeIfPresent([String].self, forKey: .xKubernetesListMapKeys)
        xKubernetesListType = try c.decodeIfPresent(String.self, forKey: .xKubernetesListType)
        xKubernetesMapType = try c.decodeIfPresent(String.self, forKey: .xKubernetesMapType)
        xKubernetesValidations = try c.decodeIfPresent([ValidationRule].self, forKey: .xKubernetesValidations)
        unknownFields = try c.decodeIfPresent(UnknownFields.self, forKey: .unknownFields)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(id, forKey: .id)
        try c.encodeIfPresent(schema, forKey: .schema)
        try c.encodeIfPresent(ref, forKey: .ref)
        try c.encodeIfPresent(description, forKey: .description)
        try c.encodeIfPresent(type, forKey: .type)
        try c.encodeIfPresent(format, forKey: .format)
        try c.encodeIfPresent(title, forKey: .title)
        try c.encodeIfPresent(self.default, forKey: .default)
        try c.encodeIfPresent(maximum, forKey: .maximum)
        try c.encodeIfPresent(exclusiveMaximum, forKey: .exclusiveMaximum)
        try c.encodeIfPresent(minimum, forKey: .minimum)
        try c.encodeIfPresent(exclusiveMinimum, forKey: .exclusiveMinimum)
        try c.encodeIfPresent(maxLength, forKey: .maxLength)
        try c.encodeIfPresent(minLength, forKey: .minLength)
        try c.encodeIfPresent(pattern, forKey: .pattern)
        try c.encodeIfPresent(maxItems, forKey: .maxItems)
        try c.encodeIfPresent(minItems, forKey: .minItems)
        try c.encodeIfPresent(uniqueItems, forKey: .uniqueItems)
        try c.encodeIfPresent(multipleOf, forKey: .multipleOf)
        try c.encodeIfPresent(self.enum, forKey: .enum)
        try c.encodeIfPresent(maxProperties, forKey: .maxProperties)
        try c.encodeIfPresent(minProperties, forKey: .minProperties)
        try c.encodeIfPresent(required, forKey: .required)
        try c.encodeIfPresent(items, forKey: .items)
        try c.encodeIfPresent(allOf, forKey: .allOf)
        try c.encodeIfPresent(oneOf, forKey: .oneOf)
        try c.encodeIfPresent(anyOf, forKey: .anyOf)
        try c.encodeIfPresent(not, forKey: .not)
        try c.encodeIfPresent(properties, forKey: .properties)
        try c.encodeIfPresent(additionalProperties, forKey: .additionalProperties)
        try c.encodeIfPresent(patternProperties, forKey: .patternProperties)
        try c.encodeIfPresent(dependencies, forKey: .dependencies)
        try c.encodeIfPresent(additionalItems, forKey: .additionalItems)
        try c.encodeIfPresent(definitions, forKey: .definitions)
        try c.encodeIfPresent(externalDocs, forKey: .externalDocs)
        try c.encodeIfPresent(example, forKey: .example)
        try c.encodeIfPresent(nullable, forKey: .nullable)
        try c.encodeIfPresent(xKubernetesPreserveUnknownFields, forKey: .xKubernetesPreserveUnknownFields)
        try c.encodeIfPresent(xKubernetesEmbeddedResource, forKey: .xKubernetesEmbeddedResource)
        try c.encodeIfPresent(xKubernetesIntOrString, forKey: .xKubernetesIntOrString)
        try c.encodeIfPresent(xKubernetesListMapKeys, forKey: .xKubernetesListMapKeys)
        try c.encodeIfPresent(xKubernetesListType, forKey: .xKubernetesListType)
        try c.encodeIfPresent(xKubernetesMapType, forKey: .xKubernetesMapType)
        try c.encodeIfPresent(xKubernetesValidations, forKey: .xKubernetesValidations)
        try c.encodeIfPresent(unknownFields, forKey: .unknownFields)
    }
}

/// `items`: one schema for every element, or (JSON Schema tuple form) one per position.
public indirect enum JSONSchemaPropsOrArray: Sendable, Hashable, Codable {
    case schema(JSONSchemaProps)
    case schemas([JSONSchemaProps])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let list = try? c.decode([JSONSchemaProps].self) {
            self = .schemas(list)
        } else {
            self = .schema(try c.decode(JSONSchemaProps.self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .schema(let s): try c.encode(s)
        case .schemas(let list): try c.encode(list)
        }
    }
}

/// `additionalProperties` and `additionalItems`: a schema, or true/false.
public indirect enum JSONSchemaPropsOrBool: Sendable, Hashable, Codable {
    case schema(JSONSchemaProps)
    case bool(Bool)

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else {
            self = .schema(try c.decode(JSONSchemaProps.self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .schema(let s): try c.encode(s)
        case .bool(let b): try c.encode(b)
        }
    }
}

/// A `dependencies` entry: a schema, or the names of properties that must be present too.
public indirect enum JSONSchemaPropsOrStringArray: Sendable, Hashable, Codable {
    case schema(JSONSchemaProps)
    case properties([String])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let list = try? c.decode([String].self) {
            self = .properties(list)
        } else {
            self = .schema(try c.decode(JSONSchemaProps.self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .schema(let s): try c.encode(s)
        case .properties(let list): try c.encode(list)
        }
    }
}

public struct ExternalDocumentation: Codable, Sendable, Hashable {
    public var description: String?
    public var url: String?
    public var unknownFields: UnknownFields? = nil

    public init(description: String? = nil, url: String? = nil) {
        self.description = description
        self.url = url
    }
}

/// A CEL rule (`x-kubernetes-validations`).
public struct ValidationRule: Codable, Sendable, Hashable {
    public var rule: String
    public var message: String?
    public var messageExpression: String?
    /// FieldValueInvalid (default), FieldValueForbidden, FieldValueRequired, FieldValueDuplicate.
    public var reason: String?
    public var fieldPath: String?
    public var optionalOldSelf: Bool?
    public var unknownFields: UnknownFields? = nil

    public init(rule: String, message: String? = nil, messageExpression: String? = nil, reason: String? = nil,
                fieldPath: String? = nil, optionalOldSelf: Bool? = nil) {
        self.rule = rule
        self.message = message
        self.messageExpression = messageExpression
        self.reason = reason
        self.fieldPath = fieldPath
        self.optionalOldSelf = optionalOldSelf
    }
}
