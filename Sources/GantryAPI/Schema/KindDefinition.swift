// KindDefinition: everything about a kind that its CRD says beyond the Swift type: names, scope, schema,
// printer columns and subresources. One per kind, next to the type.

import KubeCore

public struct PrinterColumn: Sendable, Hashable {
    public enum ColumnType: String, Sendable, Hashable {
        case string, integer, number, boolean, date
    }

    public var name: String
    public var type: ColumnType
    public var jsonPath: String
    public var description: String
    /// 0 shows in `kubectl get`, 1 only in `kubectl get -o wide`.
    public var priority: Int

    public init(_ name: String, _ type: ColumnType, _ jsonPath: String, _ description: String, priority: Int = 0) {
        self.name = name
        self.type = type
        self.jsonPath = jsonPath
        self.description = description
        self.priority = priority
    }

    /// The conventional last column.
    public static let age = PrinterColumn(
        "Age", .date, ".metadata.creationTimestamp",
        "Time since the object was created.")
}

/// The `scale` subresource: lets `kubectl scale` and a HorizontalPodAutoscaler drive the kind.
public struct ScaleSubresource: Sendable, Hashable {
    public var specReplicasPath: String
    public var statusReplicasPath: String
    public var labelSelectorPath: String?
}

public struct KindDefinition: Sendable {
    public var descriptor: ResourceDescriptor
    /// What metadata.name must be: enforced by the API server through the schema and by validate().
    public var nameRule: NameRule
    public var singular: String
    public var shortNames: [String]
    public var categories: [String]
    /// What the kind is for: the root description `kubectl explain <kind>` prints.
    public var description: String
    public var spec: Schema
    public var status: Schema
    public var printerColumns: [PrinterColumn]
    public var scale: ScaleSubresource?
    /// The rules `validate()` checks beyond the schema, in words, for docs/api.md.
    public var validationRules: [String]

    public init(descriptor: ResourceDescriptor, nameRule: NameRule, shortNames: [String], description: String, spec: Schema, status: Schema,
                printerColumns: [PrinterColumn], scale: ScaleSubresource? = nil, validationRules: [String] = []) {
        self.descriptor = descriptor
        self.nameRule = nameRule
        self.singular = descriptor.kind.lowercased()
        self.shortNames = shortNames
        self.categories = [GantryAPI.category]
        self.description = description
        self.spec = spec
        self.status = status
        self.printerColumns = printerColumns
        self.scale = scale
        self.validationRules = validationRules
    }

    /// `<plural>.<group>`, the CRD's required name.
    public var crdName: String { "\(descriptor.plural).\(descriptor.group)" }
    public var listKind: String { descriptor.kind + "List" }

    /// The whole object's schema. `metadata` is left to the API server (a structural schema may only
    /// restrict name and generateName there); `spec` is required so a typed client can always decode it.
    public var rootSchema: Schema {
        Schema.object(description) {
            field("apiVersion", .string(
                "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources"))
            field("kind", .string(
                "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds"))
            // A structural schema may say nothing about root metadata but its type and restrictions of
            // name (not even a description), so that is all it says.
            field("metadata", Schema.object("") {
                field("name", nameRule.schema)
            })
            field("spec", required: true, spec)
            field("status", status)
        }
    }
}
