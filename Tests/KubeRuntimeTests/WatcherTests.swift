// Watcher state machine against a scripted source and a manual clock: paging, resume after a drop,
// bookmarks, relist on 410 (deletions noticed by the store), back-off and its reset.

import Foundation
import KubeCore
import Testing
@testable import KubeRuntime

/// A compact description of watcher events, for comparisons.
func describe(_ event: WatcherEvent<Widget>) -> String {
    switch event {
    case .initStarted: "init"
    case .initApply(let w): "init:\(w.name)@\(w.metadata.resourceVersion ?? "")"
    case .initDone: "done"
    case .applied(let w): "apply:\(w.name)@\(w.metadata.resourceVersion ?? "")"
    case .deleted(let w): "delete:\(w.name)@\(w.metadata.resourceVersion ?? "")"
    }
}

struct WatcherTests {
    let clock = ManualClock()
    let source = ScriptedListWatch<Widget>()

    /// Jitter pinned to the middle, so delays are exactly 800 ms, 1.6 s, ...
    func makeWatcher(pageSize: Int = 500) -> Watcher<Widget> {
        Watcher(source: source, configuration: .init(pageSize: pageSize, backoff: RetryBackoff(random: { 0.5 })), clock: clock)
    }

    func next(_ watcher: Watcher<Widget>, _ n: Int) async throws -> [String] {
        var out: [String] = []
        for _ in 0..<n { out.append(describe(try await watcher.next())) }
        return out
    }

    /// Gets the next event while the watcher is expected to back off once: waits for its sleep, checks the
    /// requested delay, and advances the clock by it.
    func nextAfterBackoff(_ watcher: Watcher<Widget>, expecting delay: Duration) async throws -> String {
        let task = Task { try await watcher.next() }
        await clock.waitForSleepers(1)
        let requested = clock.sleepDeadlines.first.map { $0 - clock.elapsed }
        #expect(requested == delay)
        clock.advance(by: delay)
        return describe(try await task.value)
    }

    /// Advances the clock to each sleeper's deadline until `done`; returns the delays slept.
    func drive(until done: @Sendable () -> Bool) async -> [Duration] {
        var delays: [Duration] = []
        while !done() {
            let sleeping = await eventually(timeout: .seconds(2)) { clock.sleeperCount > 0 || done() }
            guard sleeping, !done(), let deadline = clock.sleepDeadlines.first else { break }
            delays.append(deadline - clock.elapsed)
            clock.advance(by: deadline - clock.elapsed)
        }
        return delays
    }

    @Test func listsInPagesThenWatchesFromTheListVersion() async throws {
        source.addList([Widget("a", rv: "3"), Widget("b", rv: "5")], resourceVersion: "10", continueToken: "page2")
        source.addList([Widget("c", rv: "7")], resourceVersion: "10")
        source.addWatch([.event(.added(Widget("d", rv: "11")))])
        let watcher = makeWatcher(pageSize: 2)
        #expect(try await next(watcher, 6) == ["init", "init:a@3", "init:b@5", "init:c@7", "done", "apply:d@11"])
        #expect(source.listCalls == [.init(limit: 2, continueToken: nil), .init(limit: 2, continueToken: "page2")])
        #expect(source.watchCalls == ["10"])
        #expect(await watcher.phase == .watching(resourceVersion: "11"))
    }

    @Test func resumesFromTheLastSeenVersionAfterADroppedConnection() async throws {
        source.addList([Widget("a", rv: "3")], resourceVersion: "10")
        source.addWatch([
            .event(.added(Widget("b", rv: "11"))),
            .event(.modified(Widget("a", rv: "12"))),
            .fail(URLError(.networkConnectionLost)),
        ])
        source.addWatch([.event(.deleted(Widget("b", rv: "13")))])
        let watcher = makeWatcher()
        #expect(try await next(watcher, 5) == ["init", "init:a@3", "done", "apply:b@11", "apply:a@12"])
        #expect(try await nextAfterBackoff(watcher, expecting: .milliseconds(800)) == "delete:b@13")
        // No relist: the second watch starts right after the last event seen.
        #expect(source.listCalls.count == 1)
        #expect(source.watchCalls == ["10", "12"])
    }

    @Test func followsBookmarksAndResumesAfterANormalEndWithoutBackingOff() async throws {
        source.addList([], resourceVersion: "10")
        source.addWatch([.event(.bookmark(resourceVersion: "50")), .end])
        source.addWatch([.event(.added(Widget("x", rv: "51")))])
        let watcher = makeWatcher()
        #expect(try await next(watcher, 3) == ["init", "done", "apply:x@51"])
        #expect(source.watchCalls == ["10", "50"])
        #expect(clock.elapsed == .zero)
    }

    @Test func relistsOnExpiryAndTheStoreNoticesDeletionsFromWhileDisconnected() async throws {
        source.addList([Widget("a", rv: "1"), Widget("b", rv: "2"), Widget("c", rv: "3")], resourceVersion: "10")
        source.addWatch([.fail(URLError(.networkConnectionLost))])
        // While disconnected, b was deleted and c changed; the old version has been compacted away.
        source.addWatchFailure(Status.gone())
        source.addList([Widget("a", rv: "1"), Widget("c", rv: "30")], resourceVersion: "40")
        source.addWatch([.event(.error(Status.gone())), .end])
        source.addList([Widget("a", rv: "1"), Widget("c", rv: "30")], resourceVersion: "60")
        source.addWatch([.hang])

        let informer = Informer(source: source, configuration: .init(backoff: RetryBackoff(random: { 0.5 })), clock: clock)
        let seen = Recorder<String>()
        informer.subscribe { change in
            switch change {
            case .added(let w): seen.append("added:\(w.name)")
            case .updated(_, let w): seen.append("updated:\(w.name)@\(w.metadata.resourceVersion ?? "")")
            case .deleted(let w): seen.append("deleted:\(w.name)")
            }
        }
        let run = Task { try await informer.run() }
        // Back-offs: after the drop, then before each relist: both times the version that expired was the
        // one just listed, with no progress since (a server in that state must not be hammered with lists).
        let delays = await drive(until: { source.listCalls.count == 3 && source.watchCalls.count == 4 })
        #expect(delays == [.milliseconds(800), .milliseconds(1600), .milliseconds(3200)])
        run.cancel()
        _ = try? await run.value

        #expect(source.watchCalls == ["10", "10", "40", "60"])
        // Within one list the order of changes is unspecified.
        #expect(seen.count == 5)
        #expect(Set(seen.values.prefix(3)) == ["added:a", "added:b", "added:c"])
        #expect(Set(seen.values.dropFirst(3)) == ["deleted:b", "updated:c@30"])
        #expect(Set(informer.store.keys.map(\.name)) == ["a", "c"])
        #expect(informer.store.get(ObjectKey("default/c"))?.metadata.resourceVersion == "30")
    }

    @Test func anExpiredContinueTokenRestartsTheList() async throws {
        source.addList([Widget("a", rv: "1")], resourceVersion: "10", continueToken: "t1")
        source.addListFailure(Status.gone("continue token expired"))
        source.addList([Widget("a", rv: "1"), Widget("b", rv: "2")], resourceVersion: "20")
        source.addWatch([.hang])
        let watcher = makeWatcher(pageSize: 1)
        #expect(try await next(watcher, 6) == ["init", "init:a@1", "init", "init:a@1", "init:b@2", "done"])
        #expect(source.listCalls.map(\.continueToken) == [nil, "t1", nil])
    }

    @Test func backsOffExponentiallyUpToThirtySeconds() async throws {
        for _ in 0..<8 { source.addListFailure(Status.internalError) }
        source.addList([], resourceVersion: "1")
        let watcher = makeWatcher()
        #expect(try await next(watcher, 1) == ["init"])
        let task = Task { try await watcher.next() }
        var delays: [Duration] = []
        for _ in 0..<8 {
            await clock.waitForSleepers(1)
            let delay = clock.sleepDeadlines[0] - clock.elapsed
            delays.append(delay)
            clock.advance(by: delay)
        }
        #expect(describe(try await task.value) == "done")
        #expect(delays == [.milliseconds(800), .milliseconds(1600), .milliseconds(3200), .milliseconds(6400),
                           .milliseconds(12800), .milliseconds(25600), .seconds(30), .seconds(30)])
    }

    @Test func backoffResetsOnlyAfterOneHundredTwentySecondsOfHealth() async throws {
        let drop1 = Gate(), drop2 = Gate(), drop3 = Gate()
        source.addListFailure(Status.internalError)
        source.addListFailure(Status.internalError)
        source.addList([], resourceVersion: "1")
        source.addWatch([.failWhenOpened(drop1)])
        source.addWatch([.failWhenOpened(drop2)])
        source.addWatch([.failWhenOpened(drop3)])
        source.addWatch([.event(.added(Widget("w", rv: "2")))])
        let watcher = makeWatcher()
        #expect(try await next(watcher, 1) == ["init"])
        // Two failed lists: 800 ms, 1.6 s.
        let listed = Task { try await watcher.next() }
        for delay in [Duration.milliseconds(800), .milliseconds(1600)] {
            await clock.waitForSleepers(1)
            #expect(clock.sleepDeadlines[0] - clock.elapsed == delay)
            clock.advance(by: delay)
        }
        #expect(describe(try await listed.value) == "done")

        // Healthy for only 10 s: the next failure continues the sequence (3.2 s).
        let task = Task { try await watcher.next() }
        #expect(await eventually { source.watchCalls.count == 1 })
        clock.advance(by: .seconds(10))
        drop1.open()
        await clock.waitForSleepers(1)
        #expect(clock.sleepDeadlines[0] - clock.elapsed == .milliseconds(3200))
        clock.advance(by: .milliseconds(3200))

        // Healthy for 121 s: the next failure starts again from 800 ms.
        #expect(await eventually { source.watchCalls.count == 2 })
        clock.advance(by: .seconds(121))
        drop2.open()
        await clock.waitForSleepers(1)
        #expect(clock.sleepDeadlines[0] - clock.elapsed == .milliseconds(800))
        clock.advance(by: .milliseconds(800))

        #expect(await eventually { source.watchCalls.count == 3 })
        drop3.open()
        await clock.waitForSleepers(1)
        #expect(clock.sleepDeadlines[0] - clock.elapsed == .milliseconds(1600))
        clock.advance(by: .milliseconds(1600))
        #expect(describe(try await task.value) == "apply:w@2")
    }

    @Test func aWatchThatClosesAtOnceWithoutEventsBacksOff() async throws {
        source.addList([], resourceVersion: "5")
        source.addWatch([.end])
        source.addWatch([.event(.added(Widget("w", rv: "6")))])
        let watcher = makeWatcher()
        #expect(try await next(watcher, 2) == ["init", "done"])
        #expect(try await nextAfterBackoff(watcher, expecting: .milliseconds(800)) == "apply:w@6")
    }

    @Test func anEventWithoutAVersionForcesARelist() async throws {
        source.addList([], resourceVersion: "5")
        source.addWatch([.event(.added(Widget("bad", rv: nil)))])
        source.addList([Widget("bad", rv: "7")], resourceVersion: "7")
        source.addWatch([.hang])
        let watcher = makeWatcher()
        #expect(try await next(watcher, 5) == ["init", "done", "init", "init:bad@7", "done"])
    }

    @Test func cancellationEndsTheWatcher() async throws {
        source.addList([], resourceVersion: "5")
        source.addWatch([.hang])
        let watcher = makeWatcher()
        _ = try await next(watcher, 2)
        let task = Task { try await watcher.next() }
        #expect(await eventually { source.watchCalls.count == 1 })
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
    }
}
