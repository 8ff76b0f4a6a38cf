// ResourceInfo: what the API server knows about one served resource (built-in or from a CRD): its names,
// scope, versions, subresources, schema and printer columns. Discovery, routing, validation and Table
// output all read it.

import KubeCore

/// Where objects of a resource are stored: one bucket per group and plural, shared by all served versions.
public struct StorageKey: Hashable, Sendable, CustomStringConvertible {
    public var group: String
    public var resource: String

    public init(group: String, resource: String) {
        self.group = group
        self.resource = resource
    }

    public var description: String { group.isEmpty ? resource : "\(resource).\(group)" }
}

/// A column of `kubectl get` output, as in a CRD's `additionalPrinterColumns`.
public struct PrinterColumn: Sendable, Hashable {
    public var name: String
    /// integer, number, string, boolean, date
    public var type: String
    public var format: String
    public var description: String
    public var priority: Int
    public var jsonPath: String

    public init(name: String, type: String, format: String = "", description: String = "", priority: Int = 0,
                jsonPath: String) {
        self.name = name
        self.type = type
        self.format = format
        self.description = description
        self.priority = priority
        self.jsonPath = jsonPath
    }
}

/// The scale subresource of a CRD: where replicas live in the object.
public struct ScaleSubresource: Sendable, Hashable {
    public var specReplicasPath: String
    public var statusReplicasPath: String
    public var labelSelectorPath: String?
}

public struct ResourceInfo: Sendable {
    public var group: String
    /// Served versions, preferred (storage) first.
    public var versions: [String]
    public var plural: String
    public var singular: String
    public var kind: String
    public var listKind: String
    public var namespaced: Bool
    public var shortNames: [String]
    public var categories: [String]
    public var verbs: [String]
    /// Whether `<plural>/status` is served and the main resource ignores `.status`.
    public var hasStatus: Bool
    public var scale: ScaleSubresource?
    /// Further subresources served (pods: binding, eviction), with the kind they accept.
    public var extraSubresources: [(name: String, kind: String, group: String, version: String, verbs: [String])]
    /// Whether `metadata.generation` is maintained.
    public var hasGeneration: Bool
    /// Served from a CustomResourceDefinition (no strategic merge, no unconditional update, pruning).
    public var isCustom: Bool
    /// The structural schema per version (`openAPIV3Schema`), for custom resources.
    public var schemas: [String: JSONValue]
    /// Printer columns per version; empty means the default (Age for custom resources).
    public var printerColumns: [String: [PrinterColumn]]
    /// Field selectors the server accepts beside `metadata.name` and `metadata.namespace`.
    public var fieldLabels: Set<String>
    /// Whether updates may omit `metadata.resourceVersion` (most built-ins; never custom resources).
    public var allowUnconditionalUpdate: Bool
    /// Whether a PUT of a missing object creates it (built-ins that allow it, never custom resources).
    public var allowCreateOnUpdate: Bool

    public init(group: String, versions: [String], plural: String, singular: String, kind: String,
                namespaced: Bool, shortNames: [String] = [], categories: [String] = [],
                verbs: [String] = ResourceInfo.allVerbs, hasStatus: Bool = false, scale: ScaleSubresource? = nil,
                hasGeneration: Bool = false, isCustom: Bool = false, schemas: [String: JSONValue] = [:],
                printerColumns: [String: [PrinterColumn]] = [:], fieldLabels: Set<String> = [],
                allowUnconditionalUpdate: Bool = true, allowCreateOnUpdate: Bool = false) {
        self.group = group
        self.versions = versions
        self.plural = plural
        self.singular = singular
        self.kind = kind
        self.listKind = kind + "List"
        self.namespaced = namespaced
        self.shortNames = shortNames
        self.categories = categories
        self.verbs = verbs
        self.hasStatus = hasStatus
        self.scale = scale
        self.extraSubresources = []
        self.hasGeneration = hasGeneration
        self.isCustom = isCustom
        self.schemas = schemas
        self.printerColumns = printerColumns
        self.fieldLabels = fieldLabels
        self.allowUnconditionalUpdate = allowUnconditionalUpdate
        self.allowCreateOnUpdate = allowCreateOnUpdate
    }

    public static let allVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]

    /// Where its objects are stored (events.k8s.io Events share the core Events' bucket).
    public var storageKey: StorageKey {
        group == "events.k8s.io" && plural == "events" ? StorageKey(group: "", resource: "events") : servingKey
    }

    /// How the registry knows it: group and plural as in its URLs.
    public var servingKey: StorageKey { StorageKey(group: group, resource: plural) }
    public var preferredVersion: String { versions[0] }

    public func apiVersion(_ version: String) -> String { group.isEmpty ? version : "\(group)/\(version)" }

    /// "pods", "trainingjobs.gantry.dev": how the real server names a resource in messages.
    public var qualifiedResource: String { group.isEmpty ? plural : "\(plural).\(group)" }
}
