// KubeResource: what a typed kind tells the client, the store and the dev cluster about itself.
//
// Every typed kind (Pod, Node, TrainingJob, ...) conforms: a static descriptor says where it lives in the
// API (group, version, plural, scope), and `metadata` gives access to name, namespace and versions.

public protocol KubeResource: Codable, Sendable {
    static var descriptor: ResourceDescriptor { get }
    var metadata: ObjectMeta { get set }
}

extension KubeResource {
    public var name: String { metadata.name ?? "" }
    public var namespace: String? { metadata.namespace }
    public var key: ObjectKey { ObjectKey(namespace: metadata.namespace, name: metadata.name ?? "") }

    /// A controller owner reference pointing at this object (its uid must be set).
    public func controllerReference(blockOwnerDeletion: Bool = true) -> OwnerReference {
        OwnerReference(
            apiVersion: Self.descriptor.apiVersion, kind: Self.descriptor.kind, name: metadata.name ?? "",
            uid: metadata.uid ?? "", controller: true, blockOwnerDeletion: blockOwnerDeletion)
    }
}

/// Where a kind lives in the API: `/apis/<group>/<version>/[namespaces/<ns>/]<plural>`.
public struct ResourceDescriptor: Sendable, Hashable, CustomStringConvertible {
    /// Empty for the core group.
    public var group: String
    public var version: String
    public var kind: String
    /// Lower-case plural used in URLs ("pods", "trainingjobs").
    public var plural: String
    public var namespaced: Bool

    public init(group: String, version: String, kind: String, plural: String, namespaced: Bool) {
        self.group = group
        self.version = version
        self.kind = kind
        self.plural = plural
        self.namespaced = namespaced
    }

    /// "v1" for the core group, else "group/version".
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
    public var groupVersionResource: GroupVersionResource { GroupVersionResource(group: group, version: version, resource: plural) }
    public var groupVersionKind: GroupVersionKind { GroupVersionKind(group: group, version: version, kind: kind) }
    public var description: String { group.isEmpty ? plural : "\(plural).\(group)" }
}

public struct GroupVersionResource: Sendable, Hashable, CustomStringConvertible {
    public var group: String
    public var version: String
    public var resource: String

    public init(group: String, version: String, resource: String) {
        self.group = group
        self.version = version
        self.resource = resource
    }

    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
    public var description: String { group.isEmpty ? "\(version)/\(resource)" : "\(group)/\(version)/\(resource)" }
}

public struct GroupVersionKind: Sendable, Hashable, CustomStringConvertible {
    public var group: String
    public var version: String
    public var kind: String

    public init(group: String, version: String, kind: String) {
        self.group = group
        self.version = version
        self.kind = kind
    }

    /// Splits an `apiVersion` string ("apps/v1", "v1") and a kind.
    public init(apiVersion: String, kind: String) {
        if let slash = apiVersion.firstIndex(of: "/") {
            group = String(apiVersion[..<slash])
            version = String(apiVersion[apiVersion.index(after: slash)...])
        } else {
            group = ""
            version = apiVersion
        }
        self.kind = kind
    }

    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
    public var description: String { "\(apiVersion), Kind=\(kind)" }
}

/// Namespace and name: the key of an object in stores, work queues and indexes ("ns/name", or "name").
public struct ObjectKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var namespace: String?
    public var name: String

    public init(namespace: String?, name: String) {
        self.namespace = (namespace?.isEmpty ?? true) ? nil : namespace
        self.name = name
    }

    /// Parses "ns/name" or "name".
    public init(_ string: String) {
        if let slash = string.firstIndex(of: "/") {
            self.init(namespace: String(string[..<slash]), name: String(string[string.index(after: slash)...]))
        } else {
            self.init(namespace: nil, name: string)
        }
    }

    public var description: String { namespace.map { "\($0)/\(name)" } ?? name }

    public static func < (a: ObjectKey, b: ObjectKey) -> Bool { a.description < b.description }
}

/// A list response: `{"apiVersion":..., "kind":"PodList", "metadata":{...}, "items":[...]}`.
public struct KubeList<Item: Codable & Sendable>: Codable, Sendable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ListMeta
    public var items: [Item]
    public var unknownFields: UnknownFields? = nil

    public init(apiVersion: String? = nil, kind: String? = nil, metadata: ListMeta = ListMeta(), items: [Item]) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.metadata = metadata
        self.items = items
    }
}

/// The type of a watch event on the wire.
public enum WatchEventType: String, Codable, Sendable, Hashable {
    case added = "ADDED"
    case modified = "MODIFIED"
    case deleted = "DELETED"
    case bookmark = "BOOKMARK"
    case error = "ERROR"
}

/// A watch event as sent on the wire: `{"type":"ADDED","object":{...}}`. For ERROR the object is a `Status`.
public struct WatchEventFrame: Codable, Sendable {
    public var type: WatchEventType
    public var object: JSONValue

    public init(type: WatchEventType, object: JSONValue) {
        self.type = type
        self.object = object
    }
}
