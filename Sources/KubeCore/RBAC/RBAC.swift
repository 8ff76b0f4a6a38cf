// rbac.authorization.k8s.io/v1: Role, ClusterRole (with aggregation), RoleBinding, ClusterRoleBinding.
// The workspace controller binds members to the aggregated `gantry-admin|developer|viewer` ClusterRoles.

public struct PolicyRule: Codable, Sendable, Hashable {
    public var verbs: [String]
    public var apiGroups: [String]?
    public var resources: [String]?
    public var resourceNames: [String]?
    public var nonResourceURLs: [String]?
    public var unknownFields: UnknownFields? = nil

    public init(verbs: [String], apiGroups: [String]? = nil, resources: [String]? = nil, resourceNames: [String]? = nil,
                nonResourceURLs: [String]? = nil) {
        self.verbs = verbs
        self.apiGroups = apiGroups
        self.resources = resources
        self.resourceNames = resourceNames
        self.nonResourceURLs = nonResourceURLs
    }
}

public struct Role: KubeResource, Hashable {
    public static let descriptor = ResourceDescriptor(
        group: "rbac.authorization.k8s.io", version: "v1", kind: "Role", plural: "roles", namespaced: true)

    public var apiVersion: String
    public var kind: String
    public var metadata: ObjectMeta
    public var rules: [PolicyRule]?
    public var unknownFields: UnknownFields? = nil

    public init(metadata: ObjectMeta = ObjectMeta(), rules: [PolicyRule]? = nil) {
        apiVersion = Self.descriptor.apiVersion
        kind = Self.descriptor.kind
        self.metadata = metadata
        self.rules = rules
    }

    enum CodingKeys: String, CodingKey { case apiVersion, kind, metadata, rules, unknownFields }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        apiVersion = try c.typeMeta(.apiVersion, Self.descriptor.apiVersion)
        kind = try c.typeMeta(.kind, Self.descriptor.kind)
        metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta()
        rules = try c.decodeIfPresent([PolicyRule].self, forKey: .rules)
        unknownFields = try c.decodeIfPresent(UnknownFields.self, forKey: .unknownFields)
    }
}

/// ClusterRoles whose labels match any selector have their rules folded into an aggregated ClusterRole.
public struct AggregationRule: Codable, Sendable, Hashable {
    public var clusterRoleSelectors: [LabelSelector]?
    public var unknownFields: UnknownFields? = nil
    public init(clusterRoleSelectors: [LabelSelector]? = nil) { self.clusterRoleSelectors = clusterRoleSelectors }
}

public struct ClusterRole: KubeResource, Hashable {
    public static let descriptor = ResourceDescriptor(
        group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRole", plural: "clusterroles", namespaced: false)

    public var apiVersion: String
    public var kind: String
    public var metadata: ObjectMeta
    public var rules: [PolicyRule]?
    public var aggregationRule: AggregationRule?
    public var unknownFields: UnknownFields? = nil

    public init(metadata: ObjectMeta = ObjectMeta(), rules: [PolicyRule]? = nil, aggregationRule: AggregationRule? = nil) {
        apiVersion = Self.descriptor.apiVersion
        kind = Self.descriptor.kind
        self.metadata = metadata
        self.rules = rules
        self.aggregationRule = aggregationRule
    }

    enum CodingKeys: String, CodingKey { case apiVersion, kind, metadata, rules, aggregationRule, unknownFields }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        apiVersion = try c.typeMeta(.apiVersion, Self.descriptor.apiVersion)
        kind = try c.typeMeta(.kind, Self.descriptor.kind)
        metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta()
        rules = try c.decodeIfPresent([PolicyRule].self, forKey: .rules)
        aggregationRule = try c.decodeIfPresent(AggregationRule.self, forKey: .aggregationRule)
        unknownFields = try c.decodeIfPresent(UnknownFields.self, forKey: .unknownFields)
    }
}

public struct Subject: Codable, Sendable, Hashable {
    /// User, Group or ServiceAccount.
    public var kind: String
    /// `rbac.authorization.k8s.io` for users and groups, empty for service accounts.
    public var apiGroup: String?
    public var name: String
    /// For ServiceAccount subjects.
    public var namespace: String?
    public var unknownFields: UnknownFields? = nil

    public init(kind: String, apiGroup: String? = nil, name: String, namespace: String? = nil) {
        self.kind = kind
        self.apiGroup = apiGroup
        self.name = name
        self.namespace = namespace
    }

    public static func user(_ name: String) -> Subject { Subject(kind: "User", apiGroup: "rbac.authorization.k8s.io", name: name) }
    public static func group(_ name: String) -> Subject { Subject(kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: name) }
    public static func serviceAccount(_ name: String, namespace: String) -> Subject {
        Subject(kind: "ServiceAccount", apiGroup: "", name: name, namespace: namespace)
    }
}

public struct RoleRef: Codable, Sendable, Hashable {
    public var apiGroup: String
    /// Role or ClusterRole.
    public var kind: String
    public var name: String
    public var unknownFields: UnknownFields? = nil

    public init(apiGroup: String = "rbac.authorization.k8s.io", kind: String, name: String) {
        self.apiGroup = apiGroup
        self.kind = kind
        self.name = name
    }
}

public struct RoleBinding: KubeResource, Hashable {
    public static let descriptor = ResourceDescriptor(
        group: "rbac.authorization.k8s.io", version: "v1", kind: "RoleBinding", plural: "rolebindings", namespaced: true)

    public var apiVersion: String
    public var kind: String
    public var metadata: ObjectMeta
    public var subjects: [Subject]?
    /// Immutable once created.
    public var roleRef: RoleRef
    public var unknownFields: UnknownFields? = nil

    public init(metadata: ObjectMeta = ObjectMeta(), subjects: [Subject]? = nil, roleRef: RoleRef) {
        apiVersion = Self.descriptor.apiVersion
        kind = Self.descriptor.kind
        self.metadata = metadata
        self.subjects = subjects
        self.roleRef = roleRef
    }

    enum CodingKeys: String, CodingKey { case apiVersion, kind, metadata, subjects, roleRef, unknownFields }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        apiVersion = try c.typeMeta(.apiVersion, Self.descriptor.apiVersion)
        kind = try c.typeMeta(.kind, Self.descriptor.kind)
        metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta()
        subjects = try c.decodeIfPresent([Subject].self, forKey: .subjects)
        roleRef = try c.decode(RoleRef.self, forKey: .roleRef)
        unknownFields = try c.decodeIfPresent(UnknownFields.self, forKey: .unknownFields)
    }
}

public struct ClusterRoleBinding: KubeResource, Hashable {
    public static let descriptor = ResourceDescriptor(
        group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRoleBinding", plural: "clusterrolebindings",
        namespaced: false)

    public var apiVersion: String
    public var kind: String
    public var metadata: ObjectMeta
    public var subjects: [Subject]?
    public var roleRef: RoleRef
    public var unknownFields: UnknownFields? = nil

    public init(metadata: ObjectMeta = ObjectMeta(), subjects: [Subject]? = nil, roleRef: RoleRef) {
        apiVersion = Self.descriptor.apiVersion
        kind = Self.descriptor.kind
        self.metadata = metadata
        self.subjects = subjects
        self.roleRef = roleRef
    }

    enum CodingKeys: String, CodingKey { case apiVersion, kind, metadata, subjects, roleRef, unknownFields }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        apiVersion = try c.typeMeta(.apiVersion, Self.descriptor.apiVersion)
        kind = try c.typeMeta(.kind, Self.descriptor.kind)
        metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta()
        subjects = try c.decodeIfPresent([Subject].self, forKey: .subjects)
        roleRef = try c.decode(RoleRef.self, forKey: .roleRef)
        unknownFields = try c.decodeIfPresent(UnknownFields.self, forKey: .unknownFields)
    }
}
