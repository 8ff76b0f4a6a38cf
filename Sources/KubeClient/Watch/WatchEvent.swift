// WatchEvent: one decoded event of a watch stream.
//
// ERROR events are not events here: the API server ends the watch after one, so the stream throws the
// mapped `KubeError` instead. In particular an ERROR whose Status has code 410 (resourceVersion too old)
// throws `KubeError.expired`, the signal to re-list, exactly like a 410 response to the watch request.

import KubeCore

public enum WatchEvent<Object: Sendable>: Sendable {
    case added(Object)
    case modified(Object)
    case deleted(Object)
    /// A progress marker (requested with `allowWatchBookmarks`): only the resourceVersion is meaningful.
    case bookmark(WatchBookmark)

    /// The object of ADDED, MODIFIED and DELETED.
    public var object: Object? {
        switch self {
        case .added(let o), .modified(let o), .deleted(let o): return o
        case .bookmark: return nil
        }
    }

    public var type: WatchEventType {
        switch self {
        case .added: return .added
        case .modified: return .modified
        case .deleted: return .deleted
        case .bookmark: return .bookmark
        }
    }
}

public struct WatchBookmark: Sendable, Hashable {
    public var resourceVersion: String
    /// Set on the bookmark that ends the initial events of a `sendInitialEvents=true` watch (annotation
    /// `k8s.io/initial-events-end: "true"`): the state is complete as of `resourceVersion`.
    public var isInitialEventsEnd: Bool

    public init(resourceVersion: String, isInitialEventsEnd: Bool = false) {
        self.resourceVersion = resourceVersion
        self.isInitialEventsEnd = isInitialEventsEnd
    }

    public static let initialEventsEndAnnotation = "k8s.io/initial-events-end"
}
