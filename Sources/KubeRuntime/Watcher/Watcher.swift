// Watcher: keeps a view of one kind current through list + watch, as an explicit state machine
// (kube-rs `watcher.rs`): empty → listing pages → listed at a resourceVersion → watching.
//
// A dropped connection resumes the watch from the last version seen (no relist, nothing lost); an expired
// version (410) relists and brackets the new list with initStarted/initDone so the store swaps and notices
// deletions that happened meanwhile; other errors back off 800 ms → 30 s with jitter.

import KubeCore

public actor Watcher<Object: KubeResource> {
    public struct Configuration: Sendable {
        /// Items per list page (client-go's 500).
        public var pageSize: Int
        public var allowBookmarks: Bool
        /// Server-side watch timeout; the stream then ends normally and is resumed at once.
        public var timeoutSeconds: Int
        public var backoff: RetryBackoff
        /// A watch that ends normally without any event sooner than this counts as a failure, so a server that
        /// closes every stream at once is not hammered.
        public var minimumWatchDuration: Duration

        public init(pageSize: Int = 500, allowBookmarks: Bool = true, timeoutSeconds: Int = 290,
                    backoff: RetryBackoff = RetryBackoff(), minimumWatchDuration: Duration = .seconds(1)) {
            precondition(pageSize > 0 && timeoutSeconds > 0)
            self.pageSize = pageSize
            self.allowBookmarks = allowBookmarks
            self.timeoutSeconds = timeoutSeconds
            self.backoff = backoff
            self.minimumWatchDuration = minimumWatchDuration
        }
    }

    private enum State {
        /// Nothing known: the next step starts a full list.
        case empty
        /// Listing page by page; `resourceVersion` is the first page's (all pages share its snapshot).
        case listing(continueToken: String?, resourceVersion: String?)
        /// Up to date as of `resourceVersion`, no watch open.
        case listed(resourceVersion: String)
        case watching(resourceVersion: String, connection: any WatchConnection<Object>, since: ContinuousClock.Instant,
                      sawEvents: Bool)
    }

    /// Observable phase, for tests and logs.
    public enum Phase: Sendable, Equatable {
        case empty, listing, listed(resourceVersion: String), watching(resourceVersion: String)
    }

    private let source: any ListWatchSource<Object>
    private let configuration: Configuration
    private let clock: any RuntimeClock
    private let logger: Logger
    private var state: State = .empty
    private var backoff: RetryBackoff
    private var pending: [WatcherEvent<Object>] = []
    private var pendingIndex = 0
    /// The version of the last completed list: a 410 for exactly this version means the server cannot serve
    /// what it just listed, and relisting at once would loop.
    private var listedVersion: String?

    public init(source: any ListWatchSource<Object>, configuration: Configuration = Configuration(),
                clock: any RuntimeClock = SystemClock(), logger: Logger = Logger(label: "watcher", sink: .discarding)) {
        self.source = source
        self.configuration = configuration
        self.clock = clock
        self.logger = logger.with(["kind": Object.descriptor.kind])
        self.backoff = configuration.backoff
    }

    public var phase: Phase {
        switch state {
        case .empty: .empty
        case .listing: .listing
        case .listed(let rv): .listed(resourceVersion: rv)
        case .watching(let rv, _, _, _): .watching(resourceVersion: rv)
        }
    }

    /// The next event. Runs the state machine (listing, watching, backing off) until there is one; throws
    /// only `CancellationError`, when the calling task is cancelled. Errors from the API are retried.
    public func next() async throws -> WatcherEvent<Object> {
        while true {
            if pendingIndex < pending.count {
                let event = pending[pendingIndex]
                pendingIndex += 1
                if pendingIndex == pending.count {
                    pending.removeAll(keepingCapacity: true)
                    pendingIndex = 0
                }
                return event
            }
            try Task.checkCancellation()
            if let event = try await step() { return event }
        }
    }

    /// One transition; returns an event when the transition produced exactly one (others go to `pending`).
    private func step() async throws -> WatcherEvent<Object>? {
        switch state {
        case .empty:
            state = .listing(continueToken: nil, resourceVersion: nil)
            return .initStarted

        case .listing(let token, let listVersion):
            let page: KubeList<Object>
            do {
                page = try await source.list(limit: configuration.pageSize, continueToken: token)
            } catch {
                try await recover(from: error, during: "list", resumeAt: nil)
                return nil
            }
            pending.reserveCapacity(page.items.count + 1)
            for item in page.items { pending.append(.initApply(item)) }
            let version = listVersion ?? page.metadata.resourceVersion
            if let next = page.metadata.continueToken, !next.isEmpty {
                state = .listing(continueToken: next, resourceVersion: version)
                return nil
            }
            guard let version, !version.isEmpty else {
                // Without a version there is nothing to watch from; list again after a pause.
                pending.removeAll()
                pendingIndex = 0
                state = .empty
                try await pause(reason: "list returned no resourceVersion")
                return nil
            }
            pending.append(.initDone)
            listedVersion = version
            state = .listed(resourceVersion: version)
            backoff.healthy(at: clock.now)
            logger.debug("listed", ["resourceVersion": version])
            return nil

        case .listed(let version):
            do {
                let connection = try await source.watch(resourceVersion: version, timeoutSeconds: configuration.timeoutSeconds,
                                                        allowBookmarks: configuration.allowBookmarks)
                state = .watching(resourceVersion: version, connection: connection, since: clock.now, sawEvents: false)
                backoff.healthy(at: clock.now)
            } catch {
                try await recover(from: error, during: "watch", resumeAt: version)
            }
            return nil

        case .watching(let version, let connection, let since, let sawEvents):
            let event: ListWatchEvent<Object>?
            do {
                event = try await connection.next()
            } catch {
                try await recover(from: error, during: "watch stream", resumeAt: version)
                return nil
            }
            guard let event else {
                state = .listed(resourceVersion: version)
                if !sawEvents, clock.now - since < configuration.minimumWatchDuration {
                    try await pause(reason: "watch closed immediately")
                }
                return nil
            }
            switch event {
            case .added(let object), .modified(let object):
                return try advance(connection, since, to: object) { .applied($0) }
            case .deleted(let object):
                return try advance(connection, since, to: object) { .deleted($0) }
            case .bookmark(let newVersion):
                if !newVersion.isEmpty {
                    state = .watching(resourceVersion: newVersion, connection: connection, since: since, sawEvents: true)
                }
                return nil
            case .error(let status):
                if status.code == 410 {
                    logger.info("watch expired; relisting", ["resourceVersion": version, "message": status.message ?? ""])
                    try await relist(expiredAt: version)
                } else {
                    state = .listed(resourceVersion: version)
                    try await pause(reason: "watch error \(status.code ?? 0) \(status.reason ?? ""): \(status.message ?? "")")
                }
                return nil
            }
        }
    }

    /// Records the object's version as the resume point and returns its event.
    private func advance(_ connection: any WatchConnection<Object>, _ since: ContinuousClock.Instant, to object: Object,
                         _ make: (Object) -> WatcherEvent<Object>) throws -> WatcherEvent<Object>? {
        guard let version = object.metadata.resourceVersion, !version.isEmpty else {
            // Without a version the resume point is unknown; only a relist is safe (kube-rs does the same).
            logger.warning("watch event without resourceVersion; relisting", ["name": object.key.description])
            state = .empty
            return nil
        }
        state = .watching(resourceVersion: version, connection: connection, since: since, sawEvents: true)
        return make(object)
    }

    /// After a failed call: relist if the version expired, otherwise back off and retry from the same point.
    private func recover(from error: any Error, during call: String, resumeAt version: String?) async throws {
        if error is CancellationError || Task.isCancelled { throw CancellationError() }
        if source.isExpired(error) {
            logger.info("\(call) expired; relisting", ["error": "\(error)"])
            pending.removeAll()
            pendingIndex = 0
            try await relist(expiredAt: version)
            return
        }
        if let version { state = .listed(resourceVersion: version) }
        // A failed list page is retried as is: continue tokens outlive the longest back-off.
        try await pause(reason: "\(call) failed: \(error)")
    }

    /// Goes back to listing; first backs off if nothing was seen since the last list, so a server that
    /// answers 410 for the version it has just listed is not hammered with lists.
    private func relist(expiredAt version: String?) async throws {
        state = .empty
        if let version, version == listedVersion {
            try await pause(reason: "the listed version \(version) expired before any progress")
        }
    }

    private func pause(reason: String) async throws {
        let delay = backoff.nextDelay(at: clock.now)
        logger.warning("backing off", ["reason": reason, "delay": delay])
        try await clock.sleep(for: delay)
    }
}
