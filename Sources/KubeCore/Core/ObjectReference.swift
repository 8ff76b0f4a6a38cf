// ObjectReference and LocalObjectReference (core/v1): pointers to other objects, as used by events,
// bindings, service accounts and image pull secrets.

public struct ObjectReference: Codable, Sendable, Hashable {
    public var kind: String?
    public var namespace: String?
    public var name: String?
    public var uid: String?
    public var apiVersion: String?
    public var resourceVersion: String?
    /// Part of the object, e.g. `spec.containers{trainer}`.
    public var fieldPath: String?
    public var unknownFields: UnknownFields? = nil

    public init(
        kind: String? = nil, namespace: String? = nil, name: String? = nil, uid: String? = nil,
        apiVersion: String? = nil, resourceVersion: String? = nil, fieldPath: String? = nil
    ) {
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.uid = uid
        self.apiVersion = apiVersion
        self.resourceVersion = resourceVersion
        self.fieldPath = fieldPath
    }
}

extension KubeResource {
    /// A reference to this object (for events and bindings).
    public var objectReference: ObjectReference {
        ObjectReference(
            kind: Self.descriptor.kind, namespace: metadata.namespace, name: metadata.name, uid: metadata.uid,
            apiVersion: Self.descriptor.apiVersion, resourceVersion: metadata.resourceVersion)
    }
}

public struct LocalObjectReference: Codable, Sendable, Hashable {
    public var name: String?
    public var unknownFields: UnknownFields? = nil

    public init(name: String? = nil) { self.name = name }
}
