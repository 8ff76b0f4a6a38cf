// Workspace: a tenant (TopsStack's "enterprise space"): its namespaces, members and their roles, the pools
// and quota it may use, and network isolation from other workspaces. Cluster-scoped.

import KubeCore

public struct Workspace: GantryResource {
    public static let descriptor = GantryAPI.descriptor(kind: "Workspace", plural: "workspaces", namespaced: false)

    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: WorkspaceSpec
    public var status: WorkspaceStatus?
    public var unknownFields: UnknownFields? = nil

    public init(name: String, spec: WorkspaceSpec = WorkspaceSpec(), status: WorkspaceStatus? = nil) {
        apiVersion = Self.descriptor.apiVersion
        kind = Self.descriptor.kind
        metadata = ObjectMeta(name: name)
        self.spec = spec
        self.status = status
    }
}

public struct WorkspaceSpec: Codable, Sendable, Hashable {
    public var displayName: String?
    public var description: String?
    public var members: [WorkspaceMember]?
    public var namespaces: [String]?
    public var pools: [String]?
    public var quota: String?
    public var isolation: WorkspaceIsolation?
    public var unknownFields: UnknownFields? = nil

    public init(displayName: String? = nil, description: String? = nil, members: [WorkspaceMember]? = nil,
                namespaces: [String]? = nil, pools: [String]? = nil, quota: String? = nil,
                isolation: WorkspaceIsolation? = nil) {
        self.displayName = displayName
        self.description = description
        self.members = members
        self.namespaces = namespaces
        self.pools = pools
        self.quota = quota
        self.isolation = isolation
    }
}

public struct MemberKind: APIEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let user: Self = "User"
    public static let group: Self = "Group"
    public static let serviceAccount: Self = "ServiceAccount"
    public static let allCases: [Self] = [.user, .group, .serviceAccount]
}

public struct WorkspaceRole: APIEnum {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let admin: Self = "admin"
    public static let developer: Self = "developer"
    public static let viewer: Self = "viewer"
    public static let allCases: [Self] = [.admin, .developer, .viewer]

    /// The aggregated ClusterRole each member is bound to in every workspace namespace.
    public var clusterRoleName: String { "gantry-\(rawValue)" }
}

public struct WorkspaceMember: Codable, Sendable, Hashable {
    public var kind: MemberKind?
    public var name: String
    /// Only for ServiceAccount members: the service account's namespace.
    public var namespace: String?
    public var role: WorkspaceRole
    public var unknownFields: UnknownFields? = nil

    public init(kind: MemberKind? = .user, name: String, namespace: String? = nil, role: WorkspaceRole) {
        self.kind = kind
        self.name = name
        self.namespace = namespace
        self.role = role
    }
}

public struct WorkspaceIsolation: Codable, Sendable, Hashable {
    public var enabled: Bool?
    public var allowNamespaces: [String]?
    public var unknownFields: UnknownFields? = nil

    public init(enabled: Bool? = nil, allowNamespaces: [String]? = nil) {
        self.enabled = enabled
        self.allowNamespaces = allowNamespaces
    }
}

public struct WorkspaceStatus: Codable, Sendable, Hashable {
    public var observedGeneration: Int64?
    public var namespaceCount: Int32?
    public var memberCount: Int32?
    public var conditions: [Condition]?
    public var unknownFields: UnknownFields? = nil

    public init(observedGeneration: Int64? = nil, namespaceCount: Int32? = nil, memberCount: Int32? = nil,
                conditions: [Condition]? = nil) {
        self.observedGeneration = observedGeneration
        self.namespaceCount = namespaceCount
        self.memberCount = memberCount
        self.conditions = conditions
    }
}

// MARK: - Defaults and validation

extension Workspace {
    /// Namespaces no workspace may claim: the cluster's own.
    public static let reservedNamespaces: Set<String> = ["default", "kube-system", "kube-public", "kube-node-lease", "gantry-system"]

    public mutating func applyDefaults() {
        if let members = spec.members {
            spec.members = members.map { m in
                var m = m
                if m.kind == nil { m.kind = .user }
                return m
            }
        }
        var isolation = spec.isolation ?? WorkspaceIsolation()
        if isolation.enabled == nil { isolation.enabled = true }
        spec.isolation = isolation
    }

    public func validate() -> FieldErrors {
        var errors = validateTypeMeta()
        // The name becomes the gantry.dev/workspace label value on its namespaces.
        errors.checkObjectName(metadata, Self.definition.nameRule)
        let spec = FieldPath("spec")
        var memberKeys = Set<String>()
        for (i, m) in (self.spec.members ?? []).enumerated() {
            let p = spec.child("members").index(i)
            let kind = m.kind ?? .user
            errors.checkEnum(m.kind, p.child("kind"))
            errors.checkEnum(m.role, p.child("role"))
            if m.name.isEmpty { errors.append(.required(p.child("name"))) }
            if kind == .serviceAccount {
                errors.checkRequiredName(m.namespace, .dns1123Label, p.child("namespace"),
                                         "a ServiceAccount member needs the service account's namespace")
                if !m.name.isEmpty { errors.checkName(m.name, .dns1123Subdomain, p.child("name")) }
            } else if m.namespace != nil {
                errors.append(.forbidden(p.child("namespace"), "only ServiceAccount members have a namespace"))
            }
            if !memberKeys.insert("\(kind.rawValue)/\(m.name)").inserted {
                errors.append(.duplicate(p, ["kind": .string(kind.rawValue), "name": .string(m.name)]))
            }
        }
        errors.checkNameSet(self.spec.namespaces, .dns1123Label, spec.child("namespaces"))
        for (i, ns) in (self.spec.namespaces ?? []).enumerated() where Self.reservedNamespaces.contains(ns) {
            errors.append(.invalid(spec.child("namespaces").index(i), .string(ns),
                                   "is reserved for the cluster and cannot belong to a workspace"))
        }
        errors.checkNameSet(self.spec.pools, .dns1123Label, spec.child("pools"))
        errors.checkOptionalName(self.spec.quota, .dns1123Label, spec.child("quota"))
        errors.checkNameSet(self.spec.isolation?.allowNamespaces, .dns1123Label, spec.child("isolation", "allowNamespaces"))
        return errors
    }
}
