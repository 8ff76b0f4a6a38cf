// Manager: probes and metrics, graceful stop finishing in-flight reconciles, the grace period, a forced stop,
// and controllers gated on leader election with the lease released on stop.

import Foundation
import HTTPServer
import KubeCore
import Testing
@testable import KubeRuntime

struct ManagerTests {
    func quietConfiguration(_ name: String = "test", grace: Duration = .seconds(30),
                            leaderElection: (lock: any LeaseLock, configuration: LeaderElectionConfiguration)? = nil,
                            probes: HTTPServer.Configuration? = nil) -> ManagerConfiguration {
        ManagerConfiguration(name: name, gracePeriod: grace, leaderElection: leaderElection, exitOnLeadershipLoss: false,
                             handleSignals: false, probes: probes)
    }

    @Test func probesReportLivenessReadinessAndMetrics() async throws {
        let source = ScriptedListWatch<Widget>()
        let listGate = Gate()
        let informer = Informer(source: GatedList(source, gate: listGate))
        source.addList([Widget("w")], resourceVersion: "1")
        source.addWatch([.hang])
        let manager = Manager(quietConfiguration(probes: .init(host: "127.0.0.1", port: 0)),
                              logger: Logger(label: "t", sink: .discarding))
        await manager.add(informer)
        try await whileRunning([ClosureRunnable(name: "manager") { try await manager.run() }]) {
            #expect(await eventually { await manager.probePort != nil })
            let port = try #require(await manager.probePort)
            #expect(try await LoopbackHTTP.get(port: port, path: "/healthz").status == 200)
            let notReady = try await LoopbackHTTP.get(port: port, path: "/readyz?verbose")
            #expect(notReady.status == 500)
            #expect(notReady.body.contains("[-]informer:widgets.test.gantry.dev failed"))
            listGate.open()
            #expect(await eventually { (try? await LoopbackHTTP.get(port: port, path: "/readyz").status) == 200 })
            #expect(try await LoopbackHTTP.get(port: port, path: "/readyz?verbose").body.contains("[+]informer:widgets.test.gantry.dev ok"))
            let metrics = try await LoopbackHTTP.get(port: port, path: "/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
            let parsed = try PrometheusText.parse(metrics.body)
            #expect((parsed.value("process_resident_memory_bytes") ?? 0) > 0)
            #expect(parsed.value("leader_election_master_status", ["name": "test"]) == 1)
            #expect(try await LoopbackHTTP.get(port: port, path: "/nope").status == 404)
            // The handler is the same without sockets.
            #expect(await manager.httpHandler(HTTPRequest(method: .get, target: "/healthz")).status == 200)
        }
    }

    @Test func gracefulStopFinishesReconcilesInFlightAndStartsNoNewOnes() async throws {
        let source = ScriptedListWatch<Widget>()
        source.addList([Widget("slow")], resourceVersion: "1")
        let moreEvents = Gate()
        source.addWatch([.failWhenOpened(moreEvents)])
        let informer = Informer(source: source)
        let started = Gate(), release = Gate()
        let log = Recorder<String>()
        let controller = Controller(name: "slow", for: informer) { key in
            log.append("start \(key.name)")
            started.open()
            await release.wait()
            log.append(Task.isCancelled ? "cancelled \(key.name)" : "finished \(key.name)")
            return .done
        }
        let manager = Manager(quietConfiguration(), logger: Logger(label: "t", sink: .discarding))
        await manager.add(informer)
        await manager.add(controller)
        let run = Task {
            try await manager.run()
            log.append("manager stopped")
        }
        await started.wait()
        manager.requestShutdown(reason: "test")
        #expect(await eventually { controller.queue.isShuttingDown })
        controller.enqueue(ObjectKey("default/other"))  // too late: not started
        release.open()
        try await run.value
        #expect(log.values == ["start slow", "finished slow", "manager stopped"])
    }

    @Test func reconcilesStillRunningWhenTheGracePeriodEndsAreCancelled() async throws {
        let clock = ManualClock()
        let source = ScriptedListWatch<Widget>()
        source.addList([Widget("stuck")], resourceVersion: "1")
        source.addWatch([.hang])
        let informer = Informer(source: source, clock: clock)
        let started = Gate()
        let outcome = Recorder<Bool>()
        let controller = Controller(name: "stuck", for: informer, clock: clock) { _ in
            started.open()
            await Gate().wait()  // ignores the graceful request; only cancellation ends it
            outcome.append(Task.isCancelled)
            return .done
        }
        let manager = Manager(quietConfiguration(grace: .seconds(30)), logger: Logger(label: "t", sink: .discarding), clock: clock)
        await manager.add(informer)
        await manager.add(controller)
        let run = Task { try await manager.run() }
        await started.wait()
        manager.requestShutdown()
        await clock.waitForSleepers(1)  // the grace period timer
        #expect(clock.sleepDeadlines.first == clock.elapsed + .seconds(30))
        clock.advance(by: .seconds(30))
        await #expect(throws: ManagerError.self) { try await run.value }
        #expect(outcome.values == [true])
    }

    @Test func aSecondStopRequestForcesTheStop() async throws {
        let source = ScriptedListWatch<Widget>()
        source.addList([Widget("stuck")], resourceVersion: "1")
        source.addWatch([.hang])
        let informer = Informer(source: source)
        let started = Gate()
        let controller = Controller(name: "stuck", for: informer) { _ in
            started.open()
            await Gate().wait()
            return .done
        }
        let manager = Manager(quietConfiguration(), logger: Logger(label: "t", sink: .discarding))
        await manager.add(informer)
        await manager.add(controller)
        let run = Task { try await manager.run() }
        await started.wait()
        manager.requestShutdown(reason: "first")
        manager.requestShutdown(reason: "second")
        do {
            try await run.value
            Issue.record("expected a forced stop")
        } catch let error as ManagerError {
            #expect("\(error)".contains("second request"))
        }
    }

    @Test func controllersRunOnlyWhileLeadingAndTheLeaseIsReleasedOnStop() async throws {
        let clock = ManualClock()
        let lease = InMemoryLease(clock: clock)
        // Another candidate holds the lease.
        _ = try await lease.create("other", LeaderElectionRecord(holderIdentity: "other", leaseDurationSeconds: 15))
        let source = ScriptedListWatch<Widget>()
        source.addList([Widget("w")], resourceVersion: "1")
        source.addWatch([.hang])
        let informer = Informer(source: source, clock: clock)
        let reconciled = Recorder<String>()
        let controller = Controller(name: "c", for: informer, clock: clock) { key in
            reconciled.append(key.name)
            return .done
        }
        let election = LeaderElectionConfiguration(identity: "me")
        let manager = Manager(quietConfiguration(leaderElection: (lease.lock(for: "me"), election)),
                              logger: Logger(label: "t", sink: .discarding), clock: clock)
        await manager.add(informer)
        await manager.add(controller)
        let run = Task { try await manager.run() }

        // Standby: the cache fills, nothing is reconciled while "other" holds a fresh lease.
        #expect(await eventually { informer.hasSynced })
        for _ in 0..<10 {
            await clock.waitForSleepers(1)
            clock.advance(by: .seconds(1))
        }
        #expect(reconciled.count == 0)
        // "other" stopped renewing; after the lease duration we take over and reconcile.
        for _ in 0..<20 where reconciled.count == 0 {
            _ = await eventually { clock.sleeperCount >= 1 }
            clock.advance(by: .seconds(1))
            _ = await eventually(timeout: .milliseconds(50)) { reconciled.count > 0 }
        }
        #expect(reconciled.values == ["w"])
        #expect(await lease.record?.holderIdentity == "me")

        manager.requestShutdown()
        try await run.value
        #expect(await lease.record?.holderIdentity == "")
    }
}

extension ManagerTests {
    @Test func losingTheLeaseStopsTheControllersAndFailsTheRun() async throws {
        let clock = ManualClock()
        let lease = InMemoryLease(clock: clock)
        let source = ScriptedListWatch<Widget>()
        source.addList([Widget("w")], resourceVersion: "1")
        source.addWatch([.hang])
        let informer = Informer(source: source, clock: clock)
        let inFlight = Gate()
        let cancelled = TestBox(false)
        let controller = Controller(name: "c", for: informer, clock: clock, metrics: nil) { _ in
            inFlight.open()
            await Gate().wait()
            cancelled.withLock { $0 = Task.isCancelled }
            return .done
        }
        let election = LeaderElectionConfiguration(identity: "me")
        let manager = Manager(quietConfiguration(leaderElection: (lease.lock(for: "me"), election)),
                              logger: Logger(label: "t", sink: .discarding), clock: clock)
        await manager.add(informer)
        await manager.add(controller)
        let run = Task { try await manager.run() }
        await inFlight.wait()
        await lease.setFault(.fail, for: "me")
        // Renewals fail from now on; within the renew deadline the manager gives up.
        let failed = TestBox(false)
        let watcher = Task {
            do { try await run.value } catch { failed.withLock { $0 = error is LeaderElectionError } }
        }
        for _ in 0..<200 where !failed.value {
            _ = await eventually(timeout: .milliseconds(200)) { clock.sleeperCount > 0 || failed.value }
            clock.advance(by: .milliseconds(500))
        }
        await watcher.value
        #expect(failed.value)
        #expect(cancelled.value)
        #expect(clock.elapsed <= .seconds(13))
    }
}

/// Holds the first list call until the gate opens (to observe "not ready").
struct GatedList<Object: KubeResource>: ListWatchSource {
    let base: ScriptedListWatch<Object>
    let gate: Gate
    init(_ base: ScriptedListWatch<Object>, gate: Gate) {
        self.base = base
        self.gate = gate
    }

    func list(limit: Int, continueToken: String?) async throws -> KubeList<Object> {
        await gate.wait()
        return try await base.list(limit: limit, continueToken: continueToken)
    }

    func watch(resourceVersion: String, timeoutSeconds: Int, allowBookmarks: Bool) async throws -> any WatchConnection<Object> {
        try await base.watch(resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, allowBookmarks: allowBookmarks)
    }
}
