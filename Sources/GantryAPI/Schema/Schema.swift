// Schema: the description of a kind's fields in Swift, from which the CRD's OpenAPI v3 schema and
// docs/api.md are generated (the role controller-gen's markers play for Go types).
//
// Every node carries its description (what `kubectl explain` prints). Tests walk the Swift types' encoded
// keys against these properties, so a field added on one side and not the other fails the build's tests.

import KubeCore

public struct Schema: Sendable, Hashable {
    public enum DataType: String, Sendable, Hashable {
        case object, array, string, integer, number, boolean
    }

    public enum ListType: String, Sendable, Hashable {
        case atomic, set, map
    }

    public struct Property: Sendable, Hashable {
        public var name: String
        public var schema: Schema
        public var required: Bool

        public init(_ name: String, _ schema: Schema, required: Bool = false) {
            self.name = name
            self.schema = schema
            self.required = required
        }
    }

    /// nil only for int-or-string nodes and pure preserve-unknown-fields nodes.
    public var type: DataType?
    public var description: String
    public var format: String?
    public var properties: [Property] = []
    // One-element arrays hold the recursive children: a struct cannot contain itself directly.
    private var itemsStorage: [Schema] = []
    private var additionalStorage: [Schema] = []
    public var enumValues: [String]?
    public var minimum: Double?
    public var maximum: Double?
    public var exclusiveMinimum = false
    public var minLength: Int?
    public var maxLength: Int?
    public var minItems: Int?
    public var maxItems: Int?
    public var minProperties: Int?
    public var pattern: String?
    public var defaultValue: JSONValue?
    public var listType: ListType?
    public var listMapKeys: [String]?
    public var preserveUnknownFields = false
    public var embeddedResource = false
    public var intOrString = false
    public var nullable = false
    /// A word for docs/api.md where the type alone says too little ("quantity", "Time").
    public var docType: String?

    public init(type: DataType?, description: String) {
        self.type = type
        self.description = description
    }

    public var items: Schema? {
        get { itemsStorage.first }
        set { itemsStorage = newValue.map { [$0] } ?? [] }
    }

    public var additionalProperties: Schema? {
        get { additionalStorage.first }
        set { additionalStorage = newValue.map { [$0] } ?? [] }
    }

    public var required: [String] { properties.filter(\.required).map(\.name) }

    public func property(_ name: String) -> Schema? { properties.first { $0.name == name }?.schema }
}

// MARK: - Constructors

extension Schema {
    public static func object(_ description: String, @PropertiesBuilder _ properties: () -> [Property]) -> Schema {
        var s = Schema(type: .object, description: description)
        s.properties = properties()
        return s
    }

    /// A map from string keys to `values` (`additionalProperties`).
    public static func map(_ description: String, values: Schema) -> Schema {
        var s = Schema(type: .object, description: description)
        s.additionalProperties = values
        return s
    }

    /// Labels, annotations, selectors: string to string.
    public static func stringMap(_ description: String) -> Schema {
        map(description, values: Schema(type: .string, description: ""))
    }

    public static func array(_ description: String, of items: Schema) -> Schema {
        var s = Schema(type: .array, description: description)
        s.items = items
        return s
    }

    public static func string(_ description: String) -> Schema { Schema(type: .string, description: description) }

    public static func int32(_ description: String) -> Schema {
        var s = Schema(type: .integer, description: description)
        s.format = "int32"
        return s
    }

    public static func int64(_ description: String) -> Schema {
        var s = Schema(type: .integer, description: description)
        s.format = "int64"
        return s
    }

    public static func number(_ description: String) -> Schema {
        var s = Schema(type: .number, description: description)
        s.format = "double"
        return s
    }

    public static func boolean(_ description: String) -> Schema { Schema(type: .boolean, description: description) }

    /// An RFC 3339 timestamp (metav1.Time).
    public static func time(_ description: String) -> Schema {
        var s = Schema(type: .string, description: description)
        s.format = "date-time"
        s.docType = "Time"
        return s
    }

    /// A resource.Quantity ("8", "500m", "24Gi"), schema'd exactly as controller-gen does it.
    public static func quantity(_ description: String) -> Schema {
        var s = Schema(type: nil, description: description)
        s.intOrString = true
        s.pattern = quantityPattern
        s.docType = "quantity"
        return s
    }

    /// Arbitrary JSON kept as is (no pruning below this node).
    public static func preserved(_ description: String) -> Schema {
        var s = Schema(type: .object, description: description)
        s.preserveUnknownFields = true
        return s
    }

    /// A map from resource names to quantities (corev1.ResourceList).
    public static func resourceList(_ description: String) -> Schema {
        var s = map(description, values: quantity(""))
        s.docType = "map[resource name]quantity"
        return s
    }

    public static let quantityPattern =
        #"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$"#
}

// MARK: - Modifiers (each returns a changed copy, so schemas read as one expression)

extension Schema {
    private func with(_ change: (inout Schema) -> Void) -> Schema {
        var copy = self
        change(&copy)
        return copy
    }

    public func minimum(_ v: Double, exclusive: Bool = false) -> Schema {
        with {
            $0.minimum = v
            $0.exclusiveMinimum = exclusive
        }
    }

    public func maximum(_ v: Double) -> Schema { with { $0.maximum = v } }
    public func range(_ lo: Double, _ hi: Double) -> Schema { with { $0.minimum = lo; $0.maximum = hi } }
    public func pattern(_ p: String) -> Schema { with { $0.pattern = p } }
    public func minLength(_ n: Int) -> Schema { with { $0.minLength = n } }
    public func maxLength(_ n: Int) -> Schema { with { $0.maxLength = n } }
    public func minItems(_ n: Int) -> Schema { with { $0.minItems = n } }
    public func maxItems(_ n: Int) -> Schema { with { $0.maxItems = n } }
    public func minProperties(_ n: Int) -> Schema { with { $0.minProperties = n } }
    public func format(_ f: String) -> Schema { with { $0.format = f } }
    public func defaultValue(_ v: JSONValue) -> Schema { with { $0.defaultValue = v } }
    public func keepUnknownFields() -> Schema { with { $0.preserveUnknownFields = true } }
    public func describedAs(_ d: String) -> Schema { with { $0.description = d } }

    /// The values of an `APIEnum` become the schema's `enum`, so the two cannot differ.
    public func oneOf<E: APIEnum>(_ type: E.Type) -> Schema { with { $0.enumValues = E.allCases.map(\.rawValue) } }

    /// A list of objects merged by key (server-side apply, strategic merge), keys unique.
    public func listMap(_ keys: String...) -> Schema {
        with {
            $0.listType = .map
            $0.listMapKeys = keys
        }
    }

    /// A list of unique scalars.
    public func listSet() -> Schema { with { $0.listType = .set } }
    public func atomic() -> Schema { with { $0.listType = .atomic } }

    /// A DNS-1123 label: lower-case alphanumerics and '-', at most 63 characters.
    public func dnsLabel() -> Schema { pattern(NamePatterns.dns1123Label).maxLength(63) }
    /// A DNS-1123 subdomain: labels joined by '.', at most 253 characters.
    public func dnsSubdomain() -> Schema { pattern(NamePatterns.dns1123Subdomain).maxLength(253) }
    /// A DNS-1035 label: like a DNS-1123 label but starting with a letter (Service names).
    public func dns1035Label() -> Schema { pattern(NamePatterns.dns1035Label).maxLength(63) }
}

/// Anchored forms of the name rules, for schema `pattern`s.
public enum NamePatterns {
    public static let dns1123Label = "^" + NameValidation.dns1123LabelFmt + "$"
    public static let dns1123Subdomain = "^" + NameValidation.dns1123SubdomainFmt + "$"
    public static let dns1035Label = "^" + NameValidation.dns1035LabelFmt + "$"
}

// MARK: - Builder

@resultBuilder
public enum PropertiesBuilder {
    public static func buildExpression(_ p: Schema.Property) -> [Schema.Property] { [p] }
    public static func buildBlock(_ parts: [Schema.Property]...) -> [Schema.Property] { parts.flatMap { $0 } }
    public static func buildOptional(_ p: [Schema.Property]?) -> [Schema.Property] { p ?? [] }
    public static func buildEither(first p: [Schema.Property]) -> [Schema.Property] { p }
    public static func buildEither(second p: [Schema.Property]) -> [Schema.Property] { p }
    public static func buildArray(_ parts: [[Schema.Property]]) -> [Schema.Property] { parts.flatMap { $0 } }
}

/// A property in a `Schema.object { ... }` block.
func field(_ name: String, required: Bool = false, _ schema: Schema) -> Schema.Property {
    Schema.Property(name, schema, required: required)
}
