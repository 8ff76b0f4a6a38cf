// ResourcePath: the URL path of a collection, an object or a subresource.
//
//   /api/v1/namespaces/{ns}/pods/{name}/status      core group
//   /apis/{group}/{version}/{plural}/{name}          other groups, cluster-scoped

import KubeCore

public struct ResourcePath: Sendable, Hashable, CustomStringConvertible {
    public var group: String
    public var version: String
    /// Lower-case plural ("pods").
    public var resource: String
    /// `nil` for cluster-scoped resources and for collections across all namespaces.
    public var namespace: String?
    public var name: String?
    public var subresource: String?

    public init(group: String, version: String, resource: String, namespace: String? = nil, name: String? = nil,
                subresource: String? = nil) {
        self.group = group
        self.version = version
        self.resource = resource
        self.namespace = namespace
        self.name = name
        self.subresource = subresource
    }

    public init(_ descriptor: ResourceDescriptor, namespace: String? = nil, name: String? = nil,
                subresource: String? = nil) {
        self.init(group: descriptor.group, version: descriptor.version, resource: descriptor.plural,
                  namespace: descriptor.namespaced ? namespace : nil, name: name, subresource: subresource)
    }

    /// The percent-encoded path.
    public var path: String {
        var out = group.isEmpty ? "/api/\(percentEncode(version))" : "/apis/\(percentEncode(group))/\(percentEncode(version))"
        if let namespace, !namespace.isEmpty { out += "/namespaces/\(percentEncode(namespace))" }
        out += "/\(percentEncode(resource))"
        if let name {
            out += "/\(percentEncode(name))"
            if let subresource { out += "/\(percentEncode(subresource))" }
        }
        return out
    }

    public var description: String { path }
}
