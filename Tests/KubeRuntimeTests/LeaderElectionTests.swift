// Leader election with a manual clock and an in-memory lease: hand-over after a crash, after a graceful
// release, and a partitioned leader stepping down before anyone else can take over. Two candidates must
// never lead at once.

import Foundation
import KubeCore
import Testing
@testable import KubeRuntime

/// A lease in memory with optimistic concurrency, and per-candidate faults.
actor InMemoryLease {
    enum Fault { case fail, hang }

    private(set) var record: LeaderElectionRecord?
    private var version = 0
    private var faults: [String: Fault] = [:]
    private(set) var hungCalls = 0
    /// Successful writes: who wrote and when (clock time since start).
    private(set) var writes: [(identity: String, holder: String, at: Duration)] = []
    let clock: ManualClock

    init(clock: ManualClock) { self.clock = clock }

    func setFault(_ fault: Fault?, for identity: String) { faults[identity] = fault }

    private func check(_ identity: String) async throws {
        switch faults[identity] {
        case .fail: throw URLError(.notConnectedToInternet)
        case .hang:
            hungCalls += 1
            await Gate().wait()
            hungCalls -= 1
            throw CancellationError()
        case nil: return
        }
    }

    func get(_ identity: String) async throws -> (record: LeaderElectionRecord, version: String)? {
        try await check(identity)
        return record.map { ($0, String(version)) }
    }

    func create(_ identity: String, _ r: LeaderElectionRecord) async throws -> String {
        try await check(identity)
        guard record == nil else { throw Status(reason: "AlreadyExists", code: 409) }
        return write(identity, r)
    }

    func update(_ identity: String, _ r: LeaderElectionRecord, version v: String) async throws -> String {
        try await check(identity)
        guard record != nil, v == String(version) else { throw Status(reason: "Conflict", code: 409) }
        return write(identity, r)
    }

    private func write(_ identity: String, _ r: LeaderElectionRecord) -> String {
        record = r
        version += 1
        writes.append((identity, r.holderIdentity ?? "", clock.elapsed))
        return String(version)
    }

    nonisolated func lock(for identity: String) -> some LeaseLock { Lock(lease: self, identity: identity) }

    struct Lock: LeaseLock {
        let lease: InMemoryLease
        let identity: String
        var description: String { "test/lease" }
        func get() async throws -> (record: LeaderElectionRecord, version: String)? { try await lease.get(identity) }
        func create(_ record: LeaderElectionRecord) async throws -> String { try await lease.create(identity, record) }
        func update(_ record: LeaderElectionRecord, version: String) async throws -> String {
            try await lease.update(identity, record, version: version)
        }
    }
}

/// Records leadership changes and counts any moment with two leaders.
final class LeadershipLog: Sendable {
    private let state = TestBox<(leaders: Set<String>, overlaps: Int, events: [(String, LeadershipChange, Duration)])>(([], 0, []))
    let clock: ManualClock
    init(clock: ManualClock) { self.clock = clock }

    func observer(_ id: String) -> @Sendable (LeadershipChange) -> Void {
        { [self] change in
            let at = clock.elapsed
            state.withLock { s in
                s.events.append((id, change, at))
                if change == .started {
                    if !s.leaders.isEmpty { s.overlaps += 1 }
                    s.leaders.insert(id)
                } else {
                    s.leaders.remove(id)
                }
            }
        }
    }

    var overlaps: Int { state.withLock { $0.overlaps } }
    var leaders: Set<String> { state.withLock { $0.leaders } }
    func time(of id: String, _ change: LeadershipChange) -> Duration? {
        state.withLock { s in s.events.first { $0.0 == id && $0.1 == change }?.2 }
    }
}

struct LeaderElectionTests {
    let clock = ManualClock()
    let lease: InMemoryLease
    let log: LeadershipLog

    init() {
        lease = InMemoryLease(clock: clock)
        log = LeadershipLog(clock: clock)
    }

    func elector(_ id: String) -> LeaderElector {
        LeaderElector(lock: lease.lock(for: id), configuration: LeaderElectionConfiguration(identity: id), clock: clock,
                      random: { 0 }, onChange: log.observer(id))
    }

    /// Advances time in 100 ms steps while `idle` candidates are waiting, until `done` or `limit` passes.
    func step(idle: Int, until done: @Sendable () async -> Bool, limit: Duration) async {
        await step(idle: { idle }, until: done, limit: limit)
    }

    func step(idle: @Sendable () -> Int, until done: @Sendable () async -> Bool, limit: Duration) async {
        let end = clock.elapsed + limit
        while clock.elapsed < end {
            if await done() { return }
            _ = await eventually { clock.sleeperCount + (await lease.hungCalls) >= idle() }
            clock.advance(by: .milliseconds(100))
        }
    }

    @Test func configurationIsValidated() {
        #expect(throws: Never.self) { try LeaderElectionConfiguration(identity: "a").validate() }
        #expect(throws: LeaderElectionError.self) {
            try LeaderElectionConfiguration(identity: "a", leaseDuration: .seconds(10), renewDeadline: .seconds(10)).validate()
        }
        #expect(throws: LeaderElectionError.self) {
            try LeaderElectionConfiguration(identity: "a", renewDeadline: .milliseconds(2400), retryPeriod: .seconds(2)).validate()
        }
        #expect(throws: LeaderElectionError.self) {
            try LeaderElectionConfiguration(identity: "a", retryPeriod: .zero).validate()
        }
        #expect(throws: LeaderElectionError.self) { try LeaderElectionConfiguration(identity: "").validate() }
    }

    @Test func aCrashedLeaderIsReplacedOnlyAfterItsLeaseExpires() async throws {
        let a = elector("a"), b = elector("b")
        let runA = Task { try await a.run { await Gate().wait() } }
        await step(idle: 1, until: { await a.isLeader }, limit: .seconds(1))
        #expect(await a.isLeader)
        let runB = Task { try await b.run { await Gate().wait() } }
        await step(idle: 2, until: { false }, limit: .seconds(20))
        #expect(await !b.isLeader)

        // Crash: no release, the lease is simply no longer renewed.
        runA.cancel()
        _ = try? await runA.value
        let lastRenewal = try #require(await lease.writes.last { $0.identity == "a" }?.at)
        await step(idle: 1, until: { await b.isLeader }, limit: .seconds(30))
        #expect(await b.isLeader)
        let takeover = try #require(log.time(of: "b", .started))
        #expect(takeover >= lastRenewal + .seconds(15))
        #expect(takeover <= lastRenewal + .seconds(15) + .seconds(2) + .seconds(2) + .milliseconds(200))
        #expect(await lease.record?.holderIdentity == "b")
        #expect(await lease.record?.leaseTransitions == 1)
        #expect(log.overlaps == 0)
        runB.cancel()
        _ = try? await runB.value
    }

    @Test func aGracefulReleaseHandsOverWithinARetryPeriod() async throws {
        let a = elector("a"), b = elector("b")
        let stopA = Gate()
        let runA = Task { try await a.run { await stopA.wait() } }
        await step(idle: 1, until: { await a.isLeader }, limit: .seconds(1))
        let runB = Task { try await b.run { await Gate().wait() } }
        await step(idle: 2, until: { false }, limit: .seconds(6))

        stopA.open()
        try await runA.value  // returns normally after releasing
        let released = try #require(await lease.writes.last { $0.identity == "a" })
        #expect(released.holder == "")
        await step(idle: 1, until: { await b.isLeader }, limit: .seconds(10))
        let takeover = try #require(log.time(of: "b", .started))
        #expect(takeover - released.at <= .seconds(2) + .milliseconds(200))
        #expect(log.time(of: "a", .stopped) != nil)
        #expect(log.overlaps == 0)
        runB.cancel()
        _ = try? await runB.value
    }

    @Test(arguments: [InMemoryLease.Fault.fail, .hang])
    func aPartitionedLeaderStepsDownBeforeAnotherCanTakeOver(fault: InMemoryLease.Fault) async throws {
        let a = elector("a"), b = elector("b")
        let workCancelled = TestBox(false)
        let aRunning = TestBox(true)
        let runA = Task {
            defer { aRunning.withLock { $0 = false } }
            try await a.run {
                await Gate().wait()
                workCancelled.withLock { $0 = true }
            }
        }
        await step(idle: 1, until: { await a.isLeader }, limit: .seconds(1))
        let runB = Task { try await b.run { await Gate().wait() } }
        await step(idle: 2, until: { false }, limit: .seconds(5))

        // a can no longer reach the API server; b can.
        await lease.setFault(fault, for: "a")
        let lastRenewal = try #require(await lease.writes.last { $0.identity == "a" }?.at)
        await step(idle: { aRunning.value ? 2 : 1 }, until: { await b.isLeader }, limit: .seconds(40))
        #expect(await b.isLeader)
        await #expect(throws: LeaderElectionError.self) { try await runA.value }
        #expect(workCancelled.value)
        let lost = try #require(log.time(of: "a", .lost))
        let takeover = try #require(log.time(of: "b", .started))
        // a gives up within the renew deadline of its last renewal (plus one retry period to notice);
        // b waits a full lease duration after the last renewal it saw.
        #expect(lost <= lastRenewal + .seconds(2) + .seconds(10) + .milliseconds(200))
        #expect(takeover >= lastRenewal + .seconds(15))
        #expect(lost < takeover)
        #expect(log.overlaps == 0)
        runB.cancel()
        _ = try? await runB.value
    }
}
