// LeaderElector: Lease-based leader election after client-go's tools/leaderelection.
//
// Safety rests on local durations, never on comparing clocks: a candidate takes a lease over only after it
// has seen the record unchanged for a full lease duration (15 s) on its own clock, while the leader gives up
// when it has not renewed within the renew deadline (10 s). Every call is bounded by a deadline, so a hung
// request cannot keep a leader leading past that point.

import Foundation
import KubeCore

public struct LeaderElectionConfiguration: Sendable {
    /// This candidate's identity (pod name plus a random suffix is usual).
    public var identity: String
    /// How long a lease stays valid without renewal, as observed by the others.
    public var leaseDuration: Duration
    /// How long the leader keeps trying to renew before it gives up leadership.
    public var renewDeadline: Duration
    /// Pause between attempts to acquire or renew.
    public var retryPeriod: Duration
    /// Write an empty holder when leading ends gracefully, so another candidate takes over at once.
    public var releaseOnStop: Bool

    public static let jitterFactor = 1.2

    public init(identity: String, leaseDuration: Duration = .seconds(15), renewDeadline: Duration = .seconds(10),
                retryPeriod: Duration = .seconds(2), releaseOnStop: Bool = true) {
        self.identity = identity
        self.leaseDuration = leaseDuration
        self.renewDeadline = renewDeadline
        self.retryPeriod = retryPeriod
        self.releaseOnStop = releaseOnStop
    }

    /// client-go's invariants: lease > renew deadline > 1.2 × retry period, all positive, identity set.
    public func validate() throws(LeaderElectionError) {
        func fail(_ m: String) -> LeaderElectionError { .invalidConfiguration(m) }
        guard !identity.isEmpty else { throw fail("identity must not be empty") }
        guard leaseDuration > .zero, renewDeadline > .zero, retryPeriod > .zero else {
            throw fail("lease duration, renew deadline and retry period must be positive")
        }
        guard leaseDuration > renewDeadline else {
            throw fail("lease duration (\(leaseDuration)) must be greater than renew deadline (\(renewDeadline))")
        }
        guard renewDeadline > retryPeriod * Self.jitterFactor else {
            throw fail("renew deadline (\(renewDeadline)) must be greater than \(Self.jitterFactor) × retry period (\(retryPeriod))")
        }
    }
}

public enum LeaderElectionError: Error, Equatable, CustomStringConvertible {
    case invalidConfiguration(String)
    /// The leader could not renew within the renew deadline; the process must stop its controllers and exit.
    case leadershipLost(identity: String, lease: String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let m): "invalid leader election configuration: \(m)"
        case .leadershipLost(let id, let lease): "\(id) lost leadership of lease \(lease)"
        }
    }
}

/// A change of this candidate's leadership.
public enum LeadershipChange: Sendable, Equatable {
    case started
    /// Leading ended as asked (the work returned, or the task was cancelled).
    case stopped
    /// The lease could not be renewed in time: another candidate may lead soon, so stop at once.
    case lost
}

public actor LeaderElector {
    private enum State {
        case idle
        case campaigning
        case leading(since: ContinuousClock.Instant)
        case stopped
    }

    public let configuration: LeaderElectionConfiguration
    private let lock: any LeaseLock
    private let clock: any RuntimeClock
    private let logger: Logger
    private let random: @Sendable () -> Double
    private let onChange: @Sendable (LeadershipChange) -> Void

    private var state: State = .idle
    /// The record as last read or written, and when (on our clock) it was first seen in that form.
    private var observedRecord: LeaderElectionRecord?
    private var observedVersion: String?
    private var observedTime: ContinuousClock.Instant?

    /// - Parameter onChange: called synchronously when this candidate starts or stops leading; on `.lost` the
    ///   manager exits the process from here, before waiting for anything.
    public init(lock: any LeaseLock, configuration: LeaderElectionConfiguration, clock: any RuntimeClock = SystemClock(),
                logger: Logger = Logger(label: "leader-election", sink: .discarding),
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
                onChange: @escaping @Sendable (LeadershipChange) -> Void = { _ in }) {
        self.lock = lock
        self.configuration = configuration
        self.clock = clock
        self.logger = logger.with(["lease": lock.description, "identity": configuration.identity])
        self.random = random
        self.onChange = onChange
    }

    public var isLeader: Bool {
        if case .leading = state { return true }
        return false
    }

    /// Campaigns until elected, then runs `work` while renewing the lease.
    ///
    /// - Returns when `work` returns; the lease is then released (if `releaseOnStop`).
    /// - Throws `LeaderElectionError.leadershipLost` when renewal fails (after cancelling `work`), the error
    ///   `work` threw (after releasing), or `CancellationError` when cancelled (no release: a cancelled process
    ///   may not be able to reach the API; the lease then expires).
    public func run(_ work: @escaping @Sendable () async throws -> Void) async throws {
        try configuration.validate()
        guard case .idle = state else { preconditionFailure("LeaderElector.run called twice") }
        state = .campaigning
        logger.info("campaigning")
        do {
            try await acquire()
        } catch {
            state = .stopped
            throw error
        }
        state = .leading(since: clock.now)
        logger.info("became leader")
        onChange(.started)

        enum Outcome: Sendable {
            case workReturned(Result<Void, any Error>)
            case lost
            case renewCancelled
        }
        let outcome = await withTaskGroup(of: Outcome.self) { group -> Outcome in
            group.addTask {
                do { try await work(); return .workReturned(.success(())) } catch { return .workReturned(.failure(error)) }
            }
            group.addTask {
                do { try await self.renewUntilFailure(); return .lost } catch { return .renewCancelled }
            }
            let first = await group.next() ?? .renewCancelled
            if case .lost = first { self.stepDown(lost: true) }
            group.cancelAll()
            while await group.next() != nil {}
            return first
        }
        switch outcome {
        case .lost:
            throw LeaderElectionError.leadershipLost(identity: configuration.identity, lease: lock.description)
        case .renewCancelled:
            stepDown()
            throw CancellationError()
        case .workReturned(let result):
            if Task.isCancelled {
                stepDown()
                throw CancellationError()
            }
            if configuration.releaseOnStop { await release() }
            stepDown()
            try result.get()
        }
    }

    private func stepDown(lost: Bool = false) {
        guard case .leading = state else { return }
        state = .stopped
        if lost { logger.error("leadership lost") } else { logger.info("stopped leading") }
        onChange(lost ? .lost : .stopped)
    }

    // MARK: Acquiring and renewing

    private func acquire() async throws {
        while true {
            if await tryAcquireOrRenew() { return }
            // client-go's JitterUntil: retry × [1, 1 + 1.2).
            try await clock.sleep(for: configuration.retryPeriod * (1 + LeaderElectionConfiguration.jitterFactor * random()))
        }
    }

    /// Renews every retry period; returns when a renewal could not succeed before the renew deadline.
    private func renewUntilFailure() async throws {
        while true {
            try await clock.sleep(for: configuration.retryPeriod)
            let deadline = clock.now.advanced(by: configuration.renewDeadline)
            var renewed = false
            while !renewed {
                renewed = await tryAcquireOrRenew(deadline: deadline)
                if renewed { break }
                if clock.now >= deadline { break }
                try await clock.sleep(until: min(deadline, clock.now.advanced(by: configuration.retryPeriod)))
                if clock.now >= deadline { break }
            }
            guard renewed else {
                logger.error("failed to renew lease within the renew deadline")
                return
            }
        }
    }

    /// One attempt (client-go `tryAcquireOrRenew`): creates the lease, renews it if we hold it, or takes it
    /// over when its holder has let it lapse. False on any failure, conflict included.
    private func tryAcquireOrRenew(deadline: ContinuousClock.Instant? = nil) async -> Bool {
        // A single request may take at most half the renew deadline (at least 1 s), as in controller-runtime.
        let perCall = max(configuration.renewDeadline / 2, .seconds(1))
        let cap = clock.now.advanced(by: perCall)
        let callDeadline = deadline.map { min($0, cap) } ?? cap
        let lock = self.lock
        let identity = configuration.identity
        let leaseSeconds = Int((configuration.leaseDuration.inSeconds).rounded(.up))
        do {
            let current = try await clock.withDeadline(callDeadline) { try await lock.get() }
            let now = clock.now
            let wallNow = MicroTime(clock.wallTime)
            guard let current else {
                let record = LeaderElectionRecord(holderIdentity: identity, leaseDurationSeconds: leaseSeconds,
                                                  acquireTime: wallNow, renewTime: wallNow, leaseTransitions: 0)
                let version = try await clock.withDeadline(callDeadline) { try await lock.create(record) }
                observe(record, version: version, at: now)
                return true
            }
            if current.record != observedRecord {
                observe(current.record, version: current.version, at: now)
            }
            let holder = current.record.holderIdentity ?? ""
            let validFor = Duration.seconds(current.record.leaseDurationSeconds ?? leaseSeconds)
            if !holder.isEmpty, holder != identity, let seen = observedTime, seen.advanced(by: validFor) > now {
                return false
            }
            var record = LeaderElectionRecord(holderIdentity: identity, leaseDurationSeconds: leaseSeconds,
                                              acquireTime: wallNow, renewTime: wallNow,
                                              leaseTransitions: current.record.leaseTransitions ?? 0)
            if holder == identity {
                record.acquireTime = current.record.acquireTime ?? wallNow
            } else {
                record.leaseTransitions = (current.record.leaseTransitions ?? 0) + 1
            }
            let proposed = record
            let version = try await clock.withDeadline(callDeadline) { try await lock.update(proposed, version: current.version) }
            observe(proposed, version: version, at: now)
            if holder != identity { logger.info("took over lease", ["previousHolder": holder.isEmpty ? "(released)" : holder]) }
            return true
        } catch {
            logger.debug("lease attempt failed", ["error": error])
            return false
        }
    }

    private func observe(_ record: LeaderElectionRecord, version: String, at now: ContinuousClock.Instant) {
        observedRecord = record
        observedVersion = version
        observedTime = now
    }

    /// Gives the lease up: an empty holder lets the next candidate take over without waiting for expiry.
    private func release() async {
        guard let record = observedRecord, let version = observedVersion, record.holderIdentity == configuration.identity
        else { return }
        let wallNow = MicroTime(clock.wallTime)
        let released = LeaderElectionRecord(holderIdentity: "", leaseDurationSeconds: 1, acquireTime: wallNow,
                                            renewTime: wallNow, leaseTransitions: record.leaseTransitions)
        let lock = self.lock
        do {
            let v = try await clock.withDeadline(clock.now.advanced(by: max(configuration.renewDeadline / 2, .seconds(1)))) {
                try await lock.update(released, version: version)
            }
            observe(released, version: v, at: clock.now)
            logger.info("released lease")
        } catch {
            logger.warning("could not release lease; it will expire", ["error": error])
        }
    }
}
