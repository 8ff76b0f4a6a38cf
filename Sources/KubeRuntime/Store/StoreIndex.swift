// StoreIndex: a named secondary index of a store, mapping each object to the index values it is filed under.

import KubeCore

public struct StoreIndex<Object: KubeResource>: Sendable {
    public let name: String
    public let values: @Sendable (Object) -> [String]

    public init(name: String, values: @escaping @Sendable (Object) -> [String]) {
        self.name = name
        self.values = values
    }

    /// Every owner's uid (`metadata.ownerReferences[*].uid`).
    public static var ownerUID: StoreIndex {
        StoreIndex(name: "ownerUID") { $0.metadata.ownerReferences?.map(\.uid) ?? [] }
    }

    /// The controller owner's uid only.
    public static var controllerUID: StoreIndex {
        StoreIndex(name: "controllerUID") { $0.metadata.controllerReference.map { [$0.uid] } ?? [] }
    }

    public static var namespace: StoreIndex {
        StoreIndex(name: "namespace") { $0.metadata.namespace.map { [$0] } ?? [] }
    }

    /// The value of one label; objects without the label are not indexed. Named `label:<key>`.
    public static func label(_ key: String) -> StoreIndex {
        StoreIndex(name: "label:\(key)") { $0.metadata.labels?[key].map { [$0] } ?? [] }
    }

    /// The node an object is on (e.g. a Pod's `spec.nodeName`), through the given accessor. Named `nodeName`.
    public static func nodeName(_ nodeName: @escaping @Sendable (Object) -> String?) -> StoreIndex {
        StoreIndex(name: "nodeName") { nodeName($0).flatMap { $0.isEmpty ? nil : [$0] } ?? [] }
    }
}
