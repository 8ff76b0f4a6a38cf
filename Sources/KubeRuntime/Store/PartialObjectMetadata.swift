// PartialObjectMetadata: only the metadata of objects of a kind (controller-runtime's metadata-only watches).
//
// For caches that need names, labels, owners and versions but not specs — the children a controller owns,
// typically Pods — it costs a fraction of the typed object in memory and decoding. It is a read-only
// projection: never write it back with `update` (that would drop every other field); patch instead.

import KubeCore

public struct PartialObjectMetadata<Kind: KubeResource>: KubeResource, Hashable {
    public static var descriptor: ResourceDescriptor { Kind.descriptor }

    public var metadata: ObjectMeta

    public init(metadata: ObjectMeta) { self.metadata = metadata }
}
