// Predicate: filters update events before they enqueue a key (controller-runtime's pkg/predicate).
// Creations and deletions always pass; an update passes when the predicate says the change matters.

import KubeCore

public struct Predicate<Object: KubeResource>: Sendable {
    public let updateMatters: @Sendable (_ old: Object, _ new: Object) -> Bool

    public init(updateMatters: @escaping @Sendable (_ old: Object, _ new: Object) -> Bool) {
        self.updateMatters = updateMatters
    }

    /// `metadata.generation` changed: a spec change, not a status or metadata write. The start of a deletion
    /// also passes (API servers bump the generation then, but a finalizer must not depend on it).
    public static var generationChanged: Predicate {
        Predicate { $0.metadata.generation != $1.metadata.generation || $0.metadata.isBeingDeleted != $1.metadata.isBeingDeleted }
    }

    public static var labelsChanged: Predicate {
        Predicate { ($0.metadata.labels ?? [:]) != ($1.metadata.labels ?? [:]) }
    }

    public static var annotationsChanged: Predicate {
        Predicate { ($0.metadata.annotations ?? [:]) != ($1.metadata.annotations ?? [:]) }
    }

    public static var resourceVersionChanged: Predicate {
        Predicate { $0.metadata.resourceVersion != $1.metadata.resourceVersion }
    }

    /// Passes when any of `predicates` passes (e.g. generation or labels changed).
    public static func any(_ predicates: [Predicate]) -> Predicate {
        Predicate { old, new in predicates.contains { $0.updateMatters(old, new) } }
    }

    /// Passes when all of `predicates` pass.
    public static func all(_ predicates: [Predicate]) -> Predicate {
        Predicate { old, new in predicates.allSatisfy { $0.updateMatters(old, new) } }
    }

    /// Passes only for changes the given predicate rejects.
    public static func not(_ predicate: Predicate) -> Predicate {
        Predicate { !predicate.updateMatters($0, $1) }
    }

    /// Whether a store change passes every predicate in `predicates`.
    static func passes(_ change: StoreChange<Object>, _ predicates: [Predicate]) -> Bool {
        guard case .updated(let old, let new) = change else { return true }
        return predicates.allSatisfy { $0.updateMatters(old, new) }
    }
}
