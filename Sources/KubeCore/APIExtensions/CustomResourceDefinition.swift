// CustomResourceDefinition (apiextensions.k8s.io/v1): names, scope, versions with their schema,
// subresources and printer columns, and the status the API server reports back.

public struct CustomResourceDefinition: KubeResource, Hashable {
    public static let descriptor = ResourceDescriptor(
        group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition",
        plural: "customresourcedefinitions", namespaced: false)

    public var apiVersion: String
    public var kind: String
    /// Its name must be `<plural>.<group>`.
    public var metadata: ObjectMeta
    public var spec: CustomResourceDefinitionSpec
    public var status: CustomResourceDefinitionStatus?
    public var unknownFields: UnknownFields? = nil

    public init(metadata: ObjectMeta = ObjectMeta(), spec: CustomResourceDefinitionSpec,
                status: CustomResourceDefinitionStatus? = nil) {
        apiVersion = Self.descriptor.apiVersion
        kind = Self.descriptor.kind
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    enum CodingKeys: String, CodingKey { case apiVersion, kind, metadata, spec, status, unknownFields }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        apiVersion = try c.typeMeta(.apiVersion, Self.descriptor.apiVersion)
        kind = try c.typeMeta(.kind, Self.descriptor.kind)
        metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta()
        spec = try c.decode(CustomResourceDefinitionSpec.self, forKey: .spec)
        status = try c.decodeIfPresent(CustomResourceDefinitionStatus.self, forKey: .status)
        unknownFields = try c.decodeIfPresent(UnknownFields.self, forKey: .unknownFields)
    }

    /// The version marked `storage: true`.
    public var storageVersion: CustomResourceDefinitionVersion? { spec.versions.first { $0.storage } }

    /// Where objects of `version` live in the API.
    public func descriptor(version: String) -> ResourceDescriptor {
        ResourceDescriptor(group: spec.group, version: version, kind: spec.names.kind, plural: spec.names.plural,
                           namespaced: spec.scope == "Namespaced")
    }
}

public struct CustomResourceDefinitionSpec: Codable, Sendable, Hashable {
    public var group: String
    public var names: CustomResourceDefinitionNames
    /// Namespaced or Cluster.
    public var scope: String
    public var versions: [CustomResourceDefinitionVersion]
    public var conversion: CustomResourceConversion?
    public var preserveUnknownFields: Bool?
    public var unknownFields: UnknownFields? = nil

    public init(group: String, names: CustomResourceDefinitionNames, scope: String,
                versions: [CustomResourceDefinitionVersion], conversion: CustomResourceConversion? = nil,
                preserveUnknownFields: Bool? = nil) {
        self.group = group
        self.names = names
        self.scope = scope
        self.versions = versions
        self.conversion = conversion
        self.preserveUnknownFields = preserveUnknownFields
    }
}

public struct CustomResourceDefinitionNames: Codable, Sendable, Hashable {
    public var plural: String
    public var singular: String?
    public var shortNames: [String]?
    public var kind: String
    public var listKind: String?
    /// Groups for `kubectl get <category>` (e.g. `all`, `gantry`).
    public var categories: [String]?
    public var unknownFields: UnknownFields? = nil

    public init(plural: String, singular: String? = nil, shortNames: [String]? = nil, kind: String,
                listKind: String? = nil, categories: [String]? = nil) {
        self.plural = plural
        self.singular = singular
        self.shortNames = shortNames
        self.kind = kind
        self.listKind = listKind
        self.categories = categories
    }
}

public struct CustomResourceConversion: Codable, Sendable, Hashable {
    /// None or Webhook.
    public var strategy: String
    public var webhook: JSONValue?
    public var unknownFields: UnknownFields? = nil

    public init(strategy: String, webhook: JSONValue? = nil) {
        self.strategy = strategy
        self.webhook = webhook
    }
}

public struct CustomResourceDefinitionVersion: Codable, Sendable, Hashable {
    public var name: String
    public var served: Bool
    /// Exactly one version is the storage version.
    public var storage: Bool
    public var deprecated: Bool?
    public var deprecationWarning: String?
    public var schema: CustomResourceValidation?
    public var subresources: CustomResourceSubresources?
    public var additionalPrinterColumns: [CustomResourceColumnDefinition]?
    public var selectableFields: [SelectableField]?
    public var unknownFields: UnknownFields? = nil

    public init(name: String, served: Bool = true, storage: Bool = true, deprecated: Bool? = nil,
                deprecationWarning: String? = nil, schema: CustomResourceValidation? = nil,
                subresources: CustomResourceSubresources? = nil,
                additionalPrinterColumns: [CustomResourceColumnDefinition]? = nil,
                selectableFields: [SelectableField]? = nil) {
        self.name = name
        self.served = served
        self.storage = storage
        self.deprecated = deprecated
        self.deprecationWarning = deprecationWarning
        self.schema = schema
        self.subresources = subresources
        self.additionalPrinterColumns = additionalPrinterColumns
        self.selectableFields = selectableFields
    }
}

public struct CustomResourceValidation: Codable, Sendable, Hashable {
    public var openAPIV3Schema: JSONSchemaProps?
    public var unknownFields: UnknownFields? = nil
    public init(openAPIV3Schema: JSONSchemaProps? = nil) { self.openAPIV3Schema = openAPIV3Schema }
}

public struct CustomResourceSubresources: Codable, Sendable, Hashable {
    /// Present (as `{}`) to enable the `/status` subresource.
    public var status: CustomResourceSubresourceStatus?
    public var scale: CustomResourceSubresourceScale?
    public var unknownFields: UnknownFields? = nil

    public init(status: CustomResourceSubresourceStatus? = nil, scale: CustomResourceSubresourceScale? = nil) {
        self.status = status
        self.scale = scale
    }
}

/// Written as `{}`; its presence is what matters.
public struct CustomResourceSubresourceStatus: Codable, Sendable, Hashable {
    public var unknownFields: UnknownFields? = nil
    public init() {}
}

public struct CustomResourceSubresourceScale: Codable, Sendable, Hashable {
    public var specReplicasPath: String
    public var statusReplicasPath: String
    public var labelSelectorPath: String?
    public var unknownFields: UnknownFields? = nil

    public init(specReplicasPath: String, statusReplicasPath: String, labelSelectorPath: String? = nil) {
        self.specReplicasPath = specReplicasPath
        self.statusReplicasPath = statusReplicasPath
        self.labelSelectorPath = labelSelectorPath
    }
}

public struct CustomResourceColumnDefinition: Codable, Sendable, Hashable {
    public var name: String
    /// integer, number, string, boolean or date.
    public var type: String
    public var format: String?
    public var description: String?
    /// 0 shows in the standard view; higher only with `-o wide`.
    public var priority: Int32?
    public var jsonPath: String
    public var unknownFields: UnknownFields? = nil

    public init(name: String, type: String, format: String? = nil, description: String? = nil, priority: Int32? = nil,
                jsonPath: String) {
        self.name = name
        self.type = type
        self.format = format
        self.description = description
        self.priority = priority
        self.jsonPath = jsonPath
    }
}

public struct SelectableField: Codable, Sendable, Hashable {
    public var jsonPath: String
    public var unknownFields: UnknownFields? = nil
    public init(jsonPath: String) { self.jsonPath = jsonPath }
}

public struct CustomResourceDefinitionStatus: Codable, Sendable, Hashable {
    /// Established, NamesAccepted, NonStructuralSchema, Terminating, KubernetesAPIApprovalPolicyConformant.
    public var conditions: [CustomResourceDefinitionCondition]?
    public var acceptedNames: CustomResourceDefinitionNames?
    public var storedVersions: [String]?
    public var unknownFields: UnknownFields? = nil

    public init(conditions: [CustomResourceDefinitionCondition]? = nil,
                acceptedNames: CustomResourceDefinitionNames? = nil, storedVersions: [String]? = nil) {
        self.conditions = conditions
        self.acceptedNames = acceptedNames
        self.storedVersions = storedVersions
    }
}

public struct CustomResourceDefinitionCondition: Codable, Sendable, Hashable {
    public var type: String
    public var status: ConditionStatus
    public var lastTransitionTime: Time?
    public var reason: String?
    public var message: String?
    public var unknownFields: UnknownFields? = nil

    public init(type: String, status: ConditionStatus, lastTransitionTime: Time? = nil, reason: String? = nil,
                message: String? = nil) {
        self.type = type
        self.status = status
        self.lastTransitionTime = lastTransitionTime
        self.reason = reason
        self.message = message
    }
}
