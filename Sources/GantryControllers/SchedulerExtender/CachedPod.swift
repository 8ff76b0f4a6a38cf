// A pod as the extender's cache keeps it: its identity and its PodFacts (request, owner, gang, quota, record),
// about a kilobyte where a full Pod takes three to four, so 50,000 cached pods fit the extender's memory budget.
// Kept in the informer's Store like any kind (the store's relist diff still notices deletions).

import GantryAPI
import KubeCore
import KubeRuntime

public struct CachedPod: KubeResource {
    public static let descriptor = Pod.descriptor
    public var metadata: ObjectMeta
    public var facts: PodFacts

    public init(_ pod: Pod) {
        metadata = ObjectMeta(name: pod.metadata.name, namespace: pod.metadata.namespace, uid: pod.metadata.uid,
                              resourceVersion: pod.metadata.resourceVersion)
        facts = PodFacts(pod)
    }
}

/// The pod cache's index of gang members: `<namespace>/<gang label>`.
public enum GangIndex {
    public static let name = "gang"
    public static var index: StoreIndex<CachedPod> {
        StoreIndex(name: name) { pod in pod.facts.gang.map { [$0.description] } ?? [] }
    }
}
