// Controller: triggers (primary, owned through the controller reference, mapped), predicates, error back-off,
// terminal errors, requeue-after, metrics.

import Foundation
import KubeCore
import Testing
@testable import KubeRuntime

/// Runs the services until `body` returns, then cancels them.
func whileRunning(_ services: [any Runnable], _ body: () async throws -> Void) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for service in services { group.addTask { try await service.run() } }
        do {
            try await body()
        } catch {
            group.cancelAll()
            throw error
        }
        group.cancelAll()
        while !group.isEmpty { _ = try? await group.next() }
    }
}

struct ControllerTests {
    static func owner(_ name: String, controller: Bool = true, apiVersion: String = "test.gantry.dev/v1",
                      kind: String = "Widget") -> OwnerReference {
        OwnerReference(apiVersion: apiVersion, kind: kind, name: name, uid: "uid-\(name)", controller: controller)
    }

    @Test func ownedObjectsMapToTheirControllerOwner() {
        typealias C = Controller<Widget>
        #expect(C.ownerKeys(of: .added(Part("p", owners: [Self.owner("w1")]))) == [ObjectKey("default/w1")])
        // Another version of the same group still maps; another group or kind does not.
        #expect(C.ownerKeys(of: .added(Part("p", owners: [Self.owner("w1", apiVersion: "test.gantry.dev/v2")]))).count == 1)
        #expect(C.ownerKeys(of: .added(Part("p", owners: [Self.owner("w1", apiVersion: "other.dev/v1")]))).isEmpty)
        #expect(C.ownerKeys(of: .added(Part("p", owners: [Self.owner("w1", kind: "Gadget")]))).isEmpty)
        // Only the controller reference counts.
        #expect(C.ownerKeys(of: .added(Part("p", owners: [Self.owner("w1", controller: false)]))).isEmpty)
        #expect(C.ownerKeys(of: .added(Part("p", owners: [Self.owner("w1", controller: false), Self.owner("w2")])))
            == [ObjectKey("default/w2")])
        // An update that moves the child to another owner triggers both.
        let moved = C.ownerKeys(of: .updated(old: Part("p", owners: [Self.owner("w1")]), new: Part("p", rv: "2", owners: [Self.owner("w2")])))
        #expect(Set(moved) == [ObjectKey("default/w1"), ObjectKey("default/w2")])
        // The owner is looked up in the child's namespace.
        #expect(C.ownerKeys(of: .deleted(Part("p", namespace: "team-a", owners: [Self.owner("w1")]))) == [ObjectKey("team-a/w1")])
    }

    @Test func triggersFromPrimaryOwnedAndMappedKindsReconcileKeys() async throws {
        let widgets = ScriptedListWatch<Widget>()
        widgets.addList([Widget("w1"), Widget("w2")], resourceVersion: "10")
        let widgetEvents = Gate()
        widgets.addWatch([.failWhenOpened(widgetEvents)])
        let parts = ScriptedListWatch<Part>()
        parts.addList([Part("p1", owners: [Self.owner("w1")])], resourceVersion: "20")
        let partEvents = Gate()
        parts.addWatch([
            .failWhenOpened(partEvents),
        ])
        let gadgets = ScriptedListWatch<Part>()
        gadgets.addList([], resourceVersion: "1")
        gadgets.addWatch([.event(.added(Part("g1")))])

        let widgetInformer = Informer(source: widgets)
        let partInformer = Informer(name: "parts", source: parts)
        let gadgetInformer = Informer(name: "gadgets", source: gadgets)
        let reconciled = Recorder<String>()
        let controller = Controller(name: "widgets", for: widgetInformer) { key in
            reconciled.append(key.description)
            return .done
        }
        controller.owns(partInformer)
        controller.watches(gadgetInformer) { gadget in [ObjectKey(namespace: "default", name: "w-for-\(gadget.name)")] }

        try await whileRunning([widgetInformer, partInformer, gadgetInformer, controller]) {
            // Start: every cached primary object once (deduplicated with the informer's own adds), plus the
            // owner of the listed part and the key mapped from the gadget.
            #expect(await eventually { Set(reconciled.values) == ["default/w1", "default/w2", "default/w-for-g1"] })
            #expect(await eventually { controller.queue.depth == 0 && controller.queue.processingCount == 0 })
        }
        #expect(reconciled.values.filter { $0 == "default/w2" }.count <= 2)
    }

    @Test func predicatesFilterUpdatesButNotCreationsOrDeletions() async throws {
        let widgets = ScriptedListWatch<Widget>()
        widgets.addList([Widget("w", rv: "1", generation: 1)], resourceVersion: "1")
        var statusOnly = Widget("w", rv: "2", generation: 1)
        statusOnly.status = Widget.WidgetStatus(observedSize: 1)
        widgets.addWatch([
            .event(.modified(statusOnly)),
            .event(.modified(Widget("w", rv: "3", generation: 2))),
            .event(.added(Widget("v", rv: "4"))),
            .event(.deleted(Widget("v", rv: "5"))),
        ])
        let informer = Informer(source: widgets)
        let triggers = Recorder<String>()
        let controller = Controller(name: "c", for: informer, predicates: [.generationChanged]) { _ in .done }
        // Observe what the predicate lets through by subscribing after the controller with the same rule.
        informer.subscribe { change in
            if Predicate.passes(change, [.generationChanged]) {
                triggers.append("\(change.object.name)@\(change.object.metadata.resourceVersion ?? "")")
            }
        }
        try await whileRunning([informer]) {
            #expect(await eventually { triggers.count == 4 })
        }
        #expect(triggers.values == ["w@1", "w@3", "v@4", "v@4"])
        #expect(controller.queue.depth >= 1)
        #expect(Predicate<Widget>.labelsChanged.updateMatters(Widget("a"), Widget("a", labels: ["x": "1"])))
        #expect(!Predicate<Widget>.annotationsChanged.updateMatters(Widget("a"), Widget("a", labels: ["x": "1"])))
        #expect(Predicate<Widget>.any([.generationChanged, .labelsChanged]).updateMatters(Widget("a"), Widget("a", labels: ["x": "1"])))
    }

    @Test func errorsRetryWithBackoffTerminalErrorsDoNotAndRequeueAfterSchedules() async throws {
        struct Flaky: Error {}
        let clock = ManualClock()
        let widgets = ScriptedListWatch<Widget>()
        widgets.addList([Widget("flaky"), Widget("broken"), Widget("periodic")], resourceVersion: "1")
        widgets.addWatch([.hang])
        let informer = Informer(source: widgets, clock: clock)
        let attempts = TestBox<[String: Int]>([:])
        let registry = MetricsRegistry()
        let controller = Controller(name: "retry", for: informer, options: .init(retryBucket: nil), clock: clock,
                                    metrics: registry) { key in
            let n = attempts.withLock { a -> Int in
                a[key.name, default: 0] += 1
                return a[key.name]!
            }
            switch key.name {
            case "flaky" where n < 3: throw Flaky()
            case "broken": throw TerminalError(Flaky())
            case "periodic": return .requeue(after: .seconds(30))
            default: return .done
            }
        }
        let queue = controller.queue
        try await whileRunning([informer, controller]) {
            #expect(await eventually { attempts.value.count == 3 && queue.processingCount == 0 })
            #expect(queue.failures(ObjectKey("default/flaky")) == 1)
            #expect(queue.deadline(of: ObjectKey("default/flaky")) == clock.now.advanced(by: .milliseconds(5)))
            #expect(queue.deadline(of: ObjectKey("default/broken")) == nil)
            #expect(queue.failures(ObjectKey("default/broken")) == 0)
            #expect(queue.deadline(of: ObjectKey("default/periodic")) == clock.now.advanced(by: .seconds(30)))

            clock.advance(by: .milliseconds(5))
            #expect(await eventually { attempts.value["flaky"] == 2 && queue.processingCount == 0 })
            #expect(queue.deadline(of: ObjectKey("default/flaky")) == clock.now.advanced(by: .milliseconds(10)))
            clock.advance(by: .milliseconds(10))
            #expect(await eventually { attempts.value["flaky"] == 3 && queue.processingCount == 0 })
            // Success forgets the failures and schedules nothing.
            #expect(queue.failures(ObjectKey("default/flaky")) == 0)
            #expect(queue.deadline(of: ObjectKey("default/flaky")) == nil)

            clock.advance(by: .seconds(30))
            #expect(await eventually { attempts.value["periodic"] == 2 })
            #expect(attempts.value["broken"] == 1)
        }
        let metrics = try PrometheusText.parse(registry.exposition())
        #expect(metrics.value("controller_runtime_reconcile_total", ["controller": "retry", "result": "error"]) == 3)
        #expect(metrics.value("controller_runtime_reconcile_total", ["controller": "retry", "result": "success"]) == 1)
        #expect(metrics.value("controller_runtime_reconcile_total", ["controller": "retry", "result": "requeue_after"]) == 2)
        #expect(metrics.value("controller_runtime_reconcile_errors_total", ["controller": "retry"]) == 3)
        #expect(metrics.value("controller_runtime_terminal_reconcile_errors_total", ["controller": "retry"]) == 1)
        #expect(metrics.value("controller_runtime_max_concurrent_reconciles", ["controller": "retry"]) == 1)
        #expect(metrics.value("controller_runtime_active_workers", ["controller": "retry"]) == 0)
        #expect(metrics.value("controller_runtime_reconcile_time_seconds_count", ["controller": "retry"]) == 6)
    }

    @Test func workersNeverReconcileOneKeyConcurrently() async throws {
        let widgets = ScriptedListWatch<Widget>()
        widgets.addList((0..<5).map { Widget("w\($0)") }, resourceVersion: "1")
        widgets.addWatch((0..<300).map { i in .event(.modified(Widget("w\(i % 5)", rv: "\(i + 2)"))) } + [.hang])
        let informer = Informer(source: widgets)
        let running = TestBox<Set<String>>([])
        let overlaps = TestBox(0)
        let total = TestBox(0)
        let controller = Controller(name: "conc", for: informer, options: .init(workers: 4)) { key in
            if running.withLock({ !$0.insert(key.name).inserted }) { overlaps.withLock { $0 += 1 } }
            await Task.yield()
            running.withLock { _ = $0.remove(key.name) }
            total.withLock { $0 += 1 }
            return .done
        }
        try await whileRunning([informer, controller]) {
            #expect(await eventually { informer.store.get(ObjectKey("default/w4"))?.metadata.resourceVersion == "301" })
            #expect(await eventually { controller.queue.depth == 0 && controller.queue.processingCount == 0 })
        }
        #expect(overlaps.value == 0)
        #expect(total.value >= 5)
    }

    @Test func periodicResyncEnqueuesEveryCachedObject() async throws {
        let clock = ManualClock()
        let widgets = ScriptedListWatch<Widget>()
        widgets.addList([Widget("a"), Widget("b")], resourceVersion: "1")
        widgets.addWatch([.hang])
        let informer = Informer(source: widgets, clock: clock)
        let reconciled = Recorder<String>()
        let controller = Controller(name: "resync", for: informer, options: .init(resyncPeriod: .seconds(600)), clock: clock,
                                    metrics: nil) { key in
            reconciled.append(key.name)
            return .done
        }
        try await whileRunning([informer, controller]) {
            #expect(await eventually { reconciled.count == 2 })
            await clock.waitForSleepers(1)  // the resync timer (600 s ± 10 %)
            #expect(reconciled.count == 2)
            clock.advance(by: .seconds(660))
            #expect(await eventually { reconciled.count == 4 })
        }
        #expect(Set(reconciled.values.suffix(2)) == ["a", "b"])
    }

    @Test func cacheSyncTimeoutFailsTheController() async throws {
        let clock = ManualClock()
        let widgets = ScriptedListWatch<Widget>()  // never answers the list
        let informer = Informer(source: widgets, clock: clock)
        let controller = Controller(name: "stuck", for: informer, options: .init(cacheSyncTimeout: .seconds(5)), clock: clock) { _ in .done }
        let run = Task { try await controller.run() }
        await clock.waitForSleepers(1)
        clock.advance(by: .seconds(5))
        await #expect(throws: ControllerError.self) { try await run.value }
    }
}
