// The order queues are served in (DESIGN §6.1): higher priority first, then the queue furthest below its
// fair share (dominant share over fair dominant share), then the oldest, then by name — every tie broken
// deterministically so two controllers computing it agree.

import Foundation

public struct QueuedJob: Hashable, Sendable {
    public var name: String
    public var queue: String
    public var priority: Int
    public var createdAt: Date

    public init(name: String, queue: String, priority: Int = 0, createdAt: Date) {
        self.name = name
        self.queue = queue
        self.priority = priority
        self.createdAt = createdAt
    }
}

public enum QueueOrder {
    public struct Entry: Hashable, Sendable {
        public var queue: String
        public var priority: Int
        /// Dominant share of cluster capacity held now.
        public var dominantShare: Double
        /// Dominant share over fair dominant share (FairShare.usageRatio).
        public var usageRatio: Double
        public var createdAt: Date
    }

    /// Open leaf queues in service order.
    public static func queues(_ tree: QuotaTree, fairShare: FairShare) -> [Entry] {
        tree.queues.values.filter { $0.open && tree.isLeaf($0.name) }.map { q in
            let alloc = tree.allocated(q.name)
            return Entry(queue: q.name, priority: q.priority,
                         dominantShare: FairShare.dominantShare(alloc, of: fairShare.capacity).share,
                         usageRatio: fairShare.usageRatio(alloc, queue: q.name), createdAt: q.createdAt)
        }.sorted(by: precedes)
    }

    public static func precedes(_ a: Entry, _ b: Entry) -> Bool {
        if a.priority != b.priority { return a.priority > b.priority }
        if a.usageRatio != b.usageRatio { return a.usageRatio < b.usageRatio }
        if a.createdAt != b.createdAt { return a.createdAt < b.createdAt }
        return a.queue < b.queue
    }

    /// Jobs within one queue: higher priority, then older, then by name.
    public static func jobs(_ jobs: [QueuedJob]) -> [QueuedJob] {
        jobs.sorted { a, b in
            if a.priority != b.priority { return a.priority > b.priority }
            if a.createdAt != b.createdAt { return a.createdAt < b.createdAt }
            return a.name < b.name
        }
    }

    /// All queued jobs in dispatch order: queues by `queues`, each queue's jobs by `jobs`, taking one job
    /// per queue per round so a deep queue cannot starve the others.
    public static func dispatch(_ queued: [QueuedJob], tree: QuotaTree, fairShare: FairShare) -> [QueuedJob] {
        let byQueue = Dictionary(grouping: queued, by: \.queue).mapValues(jobs)
        let order = queues(tree, fairShare: fairShare).map(\.queue).filter { byQueue[$0] != nil }
        var out: [QueuedJob] = []
        var round = 0
        while out.count < queued.count {
            var any = false
            for q in order {
                if let list = byQueue[q], round < list.count { out.append(list[round]); any = true }
            }
            if !any { break }
            round += 1
        }
        return out
    }
}
