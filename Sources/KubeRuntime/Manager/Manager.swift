// Manager: runs a controller process — informers, controllers, leader election, the probes/metrics server
// and any other service — in one structured task group, and stops it gracefully on SIGTERM/SIGINT.
//
// Order on a graceful stop: controllers stop taking keys and finish the reconciles in flight, the lease is
// released, then everything else is cancelled; if that takes longer than the grace period (30 s), the rest
// is cancelled and `run` fails. A lost lease ends the process at once (controller-runtime does the same):
// another replica may already be leading.

import Foundation
import HTTPServer
import KubeCore

public struct ManagerConfiguration: Sendable {
    /// Names the process in logs.
    public var name: String
    /// Budget for a graceful stop, from the signal to the last service ending.
    public var gracePeriod: Duration
    /// Leader election for the controllers (services marked as needing it); nil runs them at once.
    public var leaderElection: (lock: any LeaseLock, configuration: LeaderElectionConfiguration)?
    /// Exit the process with status 1 the moment leadership is lost (production); tests turn it off and get
    /// `LeaderElectionError.leadershipLost` from `run` instead.
    public var exitOnLeadershipLoss: Bool
    /// Turn SIGTERM and SIGINT into a graceful stop (a second signal forces the stop).
    public var handleSignals: Bool
    /// Where `/healthz`, `/readyz` and `/metrics` are served (port 0: any free port, see `probePort`); nil
    /// serves nothing (the handler is still available as `httpHandler`).
    public var probes: HTTPServer.Configuration?

    public init(name: String, gracePeriod: Duration = .seconds(30),
                leaderElection: (lock: any LeaseLock, configuration: LeaderElectionConfiguration)? = nil,
                exitOnLeadershipLoss: Bool = true, handleSignals: Bool = true,
                probes: HTTPServer.Configuration? = HTTPServer.Configuration(host: "0.0.0.0", port: 8081)) {
        self.name = name
        self.gracePeriod = gracePeriod
        self.leaderElection = leaderElection
        self.exitOnLeadershipLoss = exitOnLeadershipLoss
        self.handleSignals = handleSignals
        self.probes = probes
    }
}

public enum ManagerError: Error, CustomStringConvertible {
    case alreadyStarted
    case gracePeriodExceeded(Duration)
    case serviceExited(String)
    case forcedStop

    public var description: String {
        switch self {
        case .forcedStop: "stop forced by a second request; work in flight was cancelled"
        case .alreadyStarted: "the manager runs only once"
        case .gracePeriodExceeded(let d): "services did not stop within the grace period of \(d)"
        case .serviceExited(let name): "service \(name) stopped unexpectedly"
        }
    }
}

public actor Manager {
    private enum State {
        case configuring
        case running
        case stopping
        case stopped
    }

    private struct Registration: Sendable {
        var service: any Runnable
        var needsLeader: Bool
    }

    public nonisolated let configuration: ManagerConfiguration
    public nonisolated let metrics: MetricsRegistry
    public nonisolated let logger: Logger
    private let clock: any RuntimeClock
    private var state: State = .configuring
    private var registrations: [Registration] = []
    /// The port the probes server listens on, once `run` has bound it.
    public private(set) var probePort: Int?
    private nonisolated let readyChecks = LockedBox<[(name: String, check: @Sendable () -> Bool)]>([])
    private let shutdownRequests: AsyncStream<String>
    private let shutdownContinuation: AsyncStream<String>.Continuation
    private nonisolated let leaderGauge: Gauge

    public init(_ configuration: ManagerConfiguration, metrics: MetricsRegistry = .shared,
                logger: Logger? = nil, clock: any RuntimeClock = SystemClock()) {
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger ?? Logger.fromEnvironment(label: configuration.name)
        self.clock = clock
        (shutdownRequests, shutdownContinuation) = AsyncStream.makeStream()
        ProcessMetrics.register(in: metrics)
        leaderGauge = metrics.gauge("leader_election_master_status",
                                    help: "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. 'name' is the string used to identify the lease.",
                                    labels: ["name"]).labels(configuration.leaderElection?.lock.description ?? configuration.name)
    }

    // MARK: Registration (before `run`)

    /// Runs the informer from the start (also while not leading, so a new leader starts with warm caches);
    /// `/readyz` fails until it has synced.
    public func add<O: KubeResource>(_ informer: Informer<O>) {
        register(informer, needsLeader: false)
        addReadyCheck("informer:\(informer.name)") { informer.hasSynced }
    }

    /// Runs the controller only while this process leads (always, without leader election).
    public func add<O: KubeResource>(_ controller: Controller<O>) {
        register(controller, needsLeader: true)
    }

    /// Runs any service (the probes server, an event recorder); `needsLeaderElection` services start when
    /// elected and stop first on shutdown.
    public func addRunnable(_ service: any Runnable, needsLeaderElection: Bool = false) {
        register(service, needsLeader: needsLeaderElection)
    }

    private func register(_ service: any Runnable, needsLeader: Bool) {
        precondition(state == .configuring, "services are added before the manager runs")
        registrations.append(Registration(service: service, needsLeader: needsLeader))
    }

    /// A named readiness condition for `/readyz` (e.g. "webhook certificates loaded").
    public nonisolated func addReadyCheck(_ name: String, _ check: @escaping @Sendable () -> Bool) {
        readyChecks.withLock { $0.append((name, check)) }
    }

    /// Asks for a graceful stop, as SIGTERM does; a second request forces it.
    public nonisolated func requestShutdown(reason: String = "requested") {
        shutdownContinuation.yield(reason)
    }

    // MARK: Probes and metrics

    /// `/healthz` (the process serves requests; never checks dependencies, so an API server outage does not
    /// restart every controller), `/readyz` (informers synced and ready checks pass; `?verbose` lists them),
    /// `/metrics` (Prometheus text 0.0.4). Serve it with the HTTP server.
    public nonisolated var httpHandler: HTTPHandler {
        { [readyChecks, metrics] request in
            switch request.path {
            case "/healthz", "/livez":
                return .text("ok")
            case "/readyz":
                let results = readyChecks.withLock { $0 }.map { ($0.name, $0.check()) }
                let ok = results.allSatisfy(\.1)
                if request.query("verbose") == nil {
                    return .text(ok ? "ok" : "not ready", status: ok ? 200 : 500)
                }
                var body = ""
                for (name, passed) in results { body += passed ? "[+]\(name) ok\n" : "[-]\(name) failed: not ready\n" }
                body += ok ? "readyz check passed\n" : "readyz check failed\n"
                return .text(body, status: ok ? 200 : 500)
            case "/metrics":
                return HTTPResponse(status: 200, contentType: MetricsRegistry.contentType, body: Array(metrics.exposition().utf8))
            default:
                return .text("not found", status: 404)
            }
        }
    }

    // MARK: Running

    private enum Outcome: Sendable {
        case serviceReturned(String)
        case leaderPartReturned
        case shutdownRequested(String)
        case requestsEnded
        case graceExpired
    }

    /// Runs every service until a graceful stop completes. Throws when a service fails, leadership is lost
    /// (with `exitOnLeadershipLoss` off), the grace period runs out or a second stop request forces the stop.
    public func run() async throws {
        guard state == .configuring else { throw ManagerError.alreadyStarted }
        state = .running
        defer { state = .stopped }
        let signals = configuration.handleSignals ? SignalSource() : nil
        defer { signals?.cancel() }
        var always = registrations.filter { !$0.needsLeader }.map(\.service)
        if let probes = configuration.probes {
            // Bound before anything starts, so a taken port fails the process at once.
            let server = try HTTPServer(configuration: probes, handler: httpHandler)
            probePort = server.port
            always.append(ClosureRunnable(name: "probes") { try await server.run() })
            logger.info("serving probes and metrics", ["address": "\(probes.host):\(server.port)"])
        }
        let leaderOnly = registrations.filter(\.needsLeader).map(\.service)
        let elector = makeElector()
        let requests = shutdownRequests
        let continuation = shutdownContinuation
        let stopGate = Gate()
        logger.info("starting", ["services": always.count, "leaderServices": leaderOnly.count])

        try await withThrowingTaskGroup(of: Outcome.self) { group in
            if let signals {
                group.addTask {
                    for await number in signals.signals { continuation.yield(number == SIGINT ? "SIGINT" : "SIGTERM") }
                    return .requestsEnded
                }
            }
            for service in always {
                group.addTask {
                    try await service.run()
                    return .serviceReturned(service.name)
                }
            }
            group.addTask {
                try await Self.runLeaderPart(leaderOnly, elector: elector, stopGate: stopGate)
                return .leaderPartReturned
            }
            group.addTask { await Self.nextRequest(requests) }

            var stopping = false
            var leaderPartDone = false
            while let outcome = try await group.next() {
                switch outcome {
                case .shutdownRequested(let reason):
                    if stopping {
                        logger.warning("second stop request; stopping now", ["reason": reason])
                        throw ManagerError.forcedStop
                    }
                    stopping = true
                    state = .stopping
                    logger.info("stopping gracefully", ["reason": reason, "gracePeriod": configuration.gracePeriod])
                    stopGate.open()
                    for service in leaderOnly { (service as? any GracefulRunnable)?.shutDownGracefully() }
                    let grace = configuration.gracePeriod
                    group.addTask { [clock] in
                        try? await clock.sleep(for: grace)
                        return .graceExpired
                    }
                    group.addTask { await Self.nextRequest(requests) }
                case .leaderPartReturned:
                    leaderPartDone = true
                case .serviceReturned(let name):
                    if !stopping {
                        logger.error("service stopped unexpectedly", ["service": name])
                        throw ManagerError.serviceExited(name)
                    }
                case .graceExpired:
                    if Task.isCancelled { break }
                    logger.error("grace period exceeded; cancelling the remaining services")
                    throw ManagerError.gracePeriodExceeded(configuration.gracePeriod)
                case .requestsEnded:
                    break
                }
                if stopping, leaderPartDone {
                    // Controllers are done and the lease is released: informers and servers can go.
                    group.cancelAll()
                    while !group.isEmpty { _ = try? await group.next() }
                    logger.info("stopped")
                    return
                }
            }
        }
    }

    private static func nextRequest(_ requests: AsyncStream<String>) async -> Outcome {
        var iterator = requests.makeAsyncIterator()
        if let reason = await iterator.next() { return .shutdownRequested(reason) }
        return .requestsEnded
    }

    /// `run`, logging the outcome, as a process exit status (0 after a graceful stop, 1 otherwise).
    public func runUntilStopped() async -> Int32 {
        do {
            try await run()
            return 0
        } catch {
            logger.error("stopped with an error", ["error": error])
            return 1
        }
    }

    private func makeElector() -> LeaderElector? {
        guard let election = configuration.leaderElection else {
            leaderGauge.set(1)
            return nil
        }
        let exitOnLoss = configuration.exitOnLeadershipLoss
        let logger = self.logger
        let gauge = leaderGauge
        return LeaderElector(lock: election.lock, configuration: election.configuration, clock: clock, logger: logger,
                             onChange: { change in
                                 gauge.set(change == .started ? 1 : 0)
                                 if change == .lost, exitOnLoss {
                                     logger.error("leadership lost; exiting so the process restarts clean")
                                     exit(1)
                                 }
                             })
    }

    /// Runs the leader-only services while leading (at once without an elector). On a stop request graceful
    /// services are asked to finish (by `run`), other services are cancelled, and a campaign not yet won ends.
    private static func runLeaderPart(_ services: [any Runnable], elector: LeaderElector?, stopGate: Gate) async throws {
        let work: @Sendable () async throws -> Void = {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for service in services {
                    if service is any GracefulRunnable {
                        group.addTask { try await service.run() }
                        continue
                    }
                    group.addTask {
                        try await withThrowingTaskGroup(of: Void.self) { inner in
                            inner.addTask { try await service.run() }
                            inner.addTask { await stopGate.wait() }
                            _ = try await inner.next()
                            inner.cancelAll()
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        guard let elector else { return try await work() }
        enum Step: Sendable { case finished, stopRequested }
        try await withThrowingTaskGroup(of: Step.self) { group in
            group.addTask {
                try await elector.run(work)
                return .finished
            }
            group.addTask {
                await stopGate.wait()
                return .stopRequested
            }
            switch try await group.next() {
            case .stopRequested where await !elector.isLeader:
                // Not elected yet: nothing to hand over, stop campaigning.
                group.cancelAll()
                while !group.isEmpty { _ = try? await group.next() }
            case .stopRequested:
                // Leading: the work finishes gracefully, then the elector releases the lease.
                _ = try await group.next()
            default:
                group.cancelAll()
            }
        }
    }
}
