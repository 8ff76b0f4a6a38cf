// ListWatchSource: the two API calls a watcher needs (a paged list and a watch from a resourceVersion) for
// one kind, scoped by namespace and selectors. The KubeClient adapter implements it; tests may script it.

import KubeCore

/// One event of a watch stream, decoded.
public enum ListWatchEvent<Object: Sendable>: Sendable {
    case added(Object)
    case modified(Object)
    case deleted(Object)
    /// Only the resourceVersion is meaningful (`allowWatchBookmarks`).
    case bookmark(resourceVersion: String)
    /// A watch `ERROR` event; code 410 means the requested version has expired.
    case error(Status)
}

/// An open watch connection. `next()` returns nil when the server ended the stream normally (its timeout)
/// and throws on a broken connection; dropping the value closes it.
public protocol WatchConnection<Object>: Sendable {
    associatedtype Object: Sendable
    func next() async throws -> ListWatchEvent<Object>?
}

/// What is listed and watched, and how (namespace scope and selectors belong to the source).
public protocol ListWatchSource<Object>: Sendable {
    associatedtype Object: KubeResource
    /// A list page: `limit` items at most, continuing from `continueToken` if given. Without a token the
    /// list is a consistent read of the most recent state.
    func list(limit: Int, continueToken: String?) async throws -> KubeList<Object>
    /// A watch of changes strictly after `resourceVersion`.
    func watch(resourceVersion: String, timeoutSeconds: Int, allowBookmarks: Bool) async throws -> any WatchConnection<Object>
    /// Whether an error means the resourceVersion or continue token has expired (HTTP 410): relist.
    func isExpired(_ error: any Error) -> Bool
}

extension ListWatchSource {
    public func isExpired(_ error: any Error) -> Bool { (error as? Status)?.code == 410 }
}
