// Options of the REST verbs, mirroring metav1 ListOptions, PatchOptions, CreateOptions and DeleteOptions.

import KubeCore

/// How `resourceVersion` is interpreted on list and watch (api-concepts "Semantics for get and list").
public enum ResourceVersionMatch: String, Sendable, Hashable {
    case exact = "Exact"
    case notOlderThan = "NotOlderThan"
}

public struct ListOptions: Sendable, Hashable {
    /// Label selector in string syntax: `app=web,tier!=db,env in (a,b),!legacy`.
    public var labelSelector: String?
    /// Field selector: `metadata.name=x,status.phase!=Running`.
    public var fieldSelector: String?
    /// Page size; the response then carries a continue token while more remain.
    public var limit: Int?
    /// Token from the previous page's `metadata.continue`.
    public var continueToken: String?
    public var resourceVersion: String?
    public var resourceVersionMatch: ResourceVersionMatch?
    public var timeoutSeconds: Int?

    public init(labelSelector: String? = nil, fieldSelector: String? = nil, limit: Int? = nil,
                continueToken: String? = nil, resourceVersion: String? = nil,
                resourceVersionMatch: ResourceVersionMatch? = nil, timeoutSeconds: Int? = nil) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.limit = limit
        self.continueToken = continueToken
        self.resourceVersion = resourceVersion
        self.resourceVersionMatch = resourceVersionMatch
        self.timeoutSeconds = timeoutSeconds
    }

    var queryItems: [QueryItem] {
        var q: [QueryItem] = []
        if let labelSelector, !labelSelector.isEmpty { q.append(QueryItem("labelSelector", labelSelector)) }
        if let fieldSelector, !fieldSelector.isEmpty { q.append(QueryItem("fieldSelector", fieldSelector)) }
        if let limit { q.append(QueryItem("limit", String(limit))) }
        if let continueToken, !continueToken.isEmpty { q.append(QueryItem("continue", continueToken)) }
        if let resourceVersion { q.append(QueryItem("resourceVersion", resourceVersion)) }
        if let resourceVersionMatch { q.append(QueryItem("resourceVersionMatch", resourceVersionMatch.rawValue)) }
        if let timeoutSeconds { q.append(QueryItem("timeoutSeconds", String(timeoutSeconds))) }
        return q
    }
}

public struct WatchOptions: Sendable, Hashable {
    public var labelSelector: String?
    public var fieldSelector: String?
    /// Start after this version (`nil`: synthetic ADDED events for the current state first).
    public var resourceVersion: String?
    public var resourceVersionMatch: ResourceVersionMatch?
    /// Ask for BOOKMARK events, which keep a quiet watch's resourceVersion fresh. On by default.
    public var allowWatchBookmarks: Bool
    /// Server-side duration of the watch; the server then ends it cleanly.
    public var timeoutSeconds: Int?
    /// Streaming list: initial state as ADDED events, then a bookmark marked initial-events-end. Requires
    /// `resourceVersionMatch = .notOlderThan` and bookmarks, which are set when left unset.
    public var sendInitialEvents: Bool?
    /// Client-side limit on silence (no byte while the consumer keeps up) before the watch fails with a
    /// transport `idleTimeout`. `nil`: `timeoutSeconds` + 30 s, or 5 minutes.
    public var idleTimeout: Duration?
    /// Bytes read ahead of the consumer before the connection is paused.
    public var bufferLimit: Int
    /// Largest single event accepted.
    public var maximumEventBytes: Int

    public init(labelSelector: String? = nil, fieldSelector: String? = nil, resourceVersion: String? = nil,
                resourceVersionMatch: ResourceVersionMatch? = nil, allowWatchBookmarks: Bool = true,
                timeoutSeconds: Int? = nil, sendInitialEvents: Bool? = nil, idleTimeout: Duration? = nil,
                bufferLimit: Int = 1 << 20, maximumEventBytes: Int = 32 << 20) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.resourceVersion = resourceVersion
        self.resourceVersionMatch = resourceVersionMatch
        self.allowWatchBookmarks = allowWatchBookmarks
        self.timeoutSeconds = timeoutSeconds
        self.sendInitialEvents = sendInitialEvents
        self.idleTimeout = idleTimeout
        self.bufferLimit = bufferLimit
        self.maximumEventBytes = maximumEventBytes
    }

    var effectiveIdleTimeout: Duration {
        idleTimeout ?? timeoutSeconds.map { .seconds($0 + 30) } ?? .seconds(300)
    }

    func queryItems() throws -> [QueryItem] {
        var q = [QueryItem("watch", "true")]
        if let labelSelector, !labelSelector.isEmpty { q.append(QueryItem("labelSelector", labelSelector)) }
        if let fieldSelector, !fieldSelector.isEmpty { q.append(QueryItem("fieldSelector", fieldSelector)) }
        var bookmarks = allowWatchBookmarks
        var match = resourceVersionMatch
        if sendInitialEvents == true {
            if match == nil { match = .notOlderThan }
            guard match == .notOlderThan else {
                throw KubeError.invalidRequest("sendInitialEvents requires resourceVersionMatch=NotOlderThan")
            }
            bookmarks = true
        }
        if let resourceVersion { q.append(QueryItem("resourceVersion", resourceVersion)) }
        if let match {
            // The server reads a missing resourceVersion with a match as "", which NotOlderThan allows.
            if resourceVersion == nil { q.append(QueryItem("resourceVersion", "")) }
            q.append(QueryItem("resourceVersionMatch", match.rawValue))
        }
        if bookmarks { q.append(QueryItem("allowWatchBookmarks", "true")) }
        if let sendInitialEvents { q.append(QueryItem("sendInitialEvents", sendInitialEvents ? "true" : "false")) }
        if let timeoutSeconds { q.append(QueryItem("timeoutSeconds", String(timeoutSeconds))) }
        return q
    }
}

/// Options of create and update.
public struct WriteOptions: Sendable, Hashable {
    /// Recorded in managedFields as the writer.
    public var fieldManager: String?
    /// Validate and return the result without persisting it.
    public var dryRun: Bool

    public init(fieldManager: String? = nil, dryRun: Bool = false) {
        self.fieldManager = fieldManager
        self.dryRun = dryRun
    }

    var queryItems: [QueryItem] {
        var q: [QueryItem] = []
        if let fieldManager { q.append(QueryItem("fieldManager", fieldManager)) }
        if dryRun { q.append(QueryItem("dryRun", "All")) }
        return q
    }
}

/// A patch body and its kind.
public enum Patch: Sendable, Hashable {
    /// RFC 7386 JSON merge patch (`application/merge-patch+json`): `null` deletes a key, lists are replaced.
    case merge(JSONValue)
    /// RFC 6902 JSON patch (`application/json-patch+json`): an array of operations.
    case json([JSONValue])
    /// Kubernetes strategic merge patch (`application/strategic-merge-patch+json`; built-in kinds only).
    case strategicMerge(JSONValue)
    /// Server-side apply (`application/apply-patch+yaml`; JSON is valid YAML): the fields this manager owns.
    /// Needs `PatchOptions.fieldManager`.
    case apply(JSONValue)

    public var contentType: String {
        switch self {
        case .merge: return "application/merge-patch+json"
        case .json: return "application/json-patch+json"
        case .strategicMerge: return "application/strategic-merge-patch+json"
        case .apply: return "application/apply-patch+yaml"
        }
    }

    var body: [UInt8] {
        switch self {
        case .merge(let v), .strategicMerge(let v), .apply(let v): return JSONWriter.write(v)
        case .json(let ops): return JSONWriter.write(.array(ops))
        }
    }
}

public struct PatchOptions: Sendable, Hashable {
    public var fieldManager: String?
    /// Server-side apply only: take ownership of fields other managers own instead of failing with Conflict.
    public var force: Bool?
    public var dryRun: Bool

    public init(fieldManager: String? = nil, force: Bool? = nil, dryRun: Bool = false) {
        self.fieldManager = fieldManager
        self.force = force
        self.dryRun = dryRun
    }

    var queryItems: [QueryItem] {
        var q: [QueryItem] = []
        if let fieldManager { q.append(QueryItem("fieldManager", fieldManager)) }
        if let force { q.append(QueryItem("force", force ? "true" : "false")) }
        if dryRun { q.append(QueryItem("dryRun", "All")) }
        return q
    }
}

public struct DeleteOptions: Sendable, Hashable {
    public enum PropagationPolicy: String, Sendable, Hashable {
        /// Dependents are deleted before the owner disappears.
        case foreground = "Foreground"
        /// The owner goes now; the garbage collector deletes dependents afterwards.
        case background = "Background"
        /// Dependents are kept, their owner references removed.
        case orphan = "Orphan"
    }

    public var propagationPolicy: PropagationPolicy?
    public var gracePeriodSeconds: Int64?
    /// Delete only if the object still has this uid.
    public var preconditionUID: String?
    /// Delete only if the object is still at this resourceVersion (409 Conflict otherwise).
    public var preconditionResourceVersion: String?
    public var dryRun: Bool

    public init(propagationPolicy: PropagationPolicy? = nil, gracePeriodSeconds: Int64? = nil,
                preconditionUID: String? = nil, preconditionResourceVersion: String? = nil, dryRun: Bool = false) {
        self.propagationPolicy = propagationPolicy
        self.gracePeriodSeconds = gracePeriodSeconds
        self.preconditionUID = preconditionUID
        self.preconditionResourceVersion = preconditionResourceVersion
        self.dryRun = dryRun
    }

    /// The `DeleteOptions` object sent as the DELETE body (preconditions cannot go in the query).
    public var object: JSONValue {
        var o: JSONValue = ["apiVersion": "v1", "kind": "DeleteOptions"]
        if let propagationPolicy { o["propagationPolicy"] = .string(propagationPolicy.rawValue) }
        if let gracePeriodSeconds { o["gracePeriodSeconds"] = .int(gracePeriodSeconds) }
        if preconditionUID != nil || preconditionResourceVersion != nil {
            var p: JSONValue = [:]
            if let preconditionUID { p["uid"] = .string(preconditionUID) }
            if let preconditionResourceVersion { p["resourceVersion"] = .string(preconditionResourceVersion) }
            o["preconditions"] = p
        }
        if dryRun { o["dryRun"] = ["All"] }
        return o
    }
}

/// What a DELETE returned: the object (still present while finalizers or a grace period run, with
/// `deletionTimestamp` set, or its last state) or a Status when the server had nothing more to say.
public enum DeleteResult<Object: Sendable>: Sendable {
    case object(Object)
    case status(Status)

    public var object: Object? { if case .object(let o) = self { return o } else { return nil } }
}
