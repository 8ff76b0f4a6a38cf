// Work queue: de-duplication, one worker per key, per-key back-off, the overall bucket, delays, shutdown.

import Foundation
import Synchronization
import Testing
@testable import KubeRuntime

struct WorkQueueTests {
    func makeQueue(clock: ManualClock, bucket: (rate: Double, burst: Int)? = nil,
                   registry: MetricsRegistry? = nil) -> WorkQueue<String> {
        WorkQueue(.init(name: "test", bucket: bucket), clock: clock, metrics: registry)
    }

    @Test func deduplicatesKeysWaitingToRun() async {
        let queue = makeQueue(clock: ManualClock())
        queue.add("a")
        queue.add("b")
        queue.add("a")
        queue.add("a")
        #expect(queue.depth == 2)
        #expect(await queue.get() == "a")
        #expect(await queue.get() == "b")
        #expect(queue.depth == 0)
    }

    @Test func keyAddedWhileProcessingRunsAgainOnlyAfterDone() async {
        let queue = makeQueue(clock: ManualClock())
        queue.add("a")
        #expect(await queue.get() == "a")
        queue.add("a")
        queue.add("a")
        // Not handed to another worker while the first has it.
        #expect(queue.depth == 0)
        queue.add("b")
        #expect(await queue.get() == "b")
        queue.done("a")
        #expect(queue.depth == 1)
        #expect(await queue.get() == "a")
        queue.done("a")
        queue.done("b")
        #expect(queue.depth == 0 && queue.processingCount == 0)
    }

    @Test func neverRunsOneKeyInTwoWorkersAtOnce() async {
        let queue = WorkQueue<Int>(.init(name: "stress"), clock: SystemClock())
        let running = TestBox<Set<Int>>([])
        let violations = TestBox(0)
        let runs = TestBox<[Int: Int]>([:])
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    while let key = await queue.get() {
                        let clash = running.withLock { !$0.insert(key).inserted }
                        if clash { violations.withLock { $0 += 1 } }
                        await Task.yield()
                        running.withLock { _ = $0.remove(key) }
                        runs.withLock { $0[key, default: 0] += 1 }
                        queue.done(key)
                    }
                }
            }
            group.addTask {
                for i in 0..<3000 {
                    queue.add(i % 7)
                    if i % 50 == 0 { await Task.yield() }
                }
                // Every key added after its last run started must run again: wait until all are idle.
                _ = await eventually { queue.depth == 0 && queue.processingCount == 0 }
                queue.shutDown()
            }
        }
        #expect(violations.withLock { $0 } == 0)
        #expect(runs.withLock { $0.keys.sorted() } == Array(0..<7))
    }

    @Test func perKeyBackoffDoublesFromFiveMillisecondsAndForgetResets() async {
        let clock = ManualClock()
        let queue = makeQueue(clock: clock)
        let start = clock.now
        queue.addRateLimited("a")
        #expect(queue.deadline(of: "a") == start.advanced(by: .milliseconds(5)))
        clock.advance(by: .milliseconds(4))
        #expect(queue.depth == 0)
        clock.advance(by: .milliseconds(1))
        #expect(queue.depth == 1)
        #expect(await queue.get() == "a")
        queue.addRateLimited("a")  // second failure, after the first retry was due
        queue.done("a")
        #expect(queue.failures("a") == 2)
        #expect(queue.deadline(of: "a") == clock.now.advanced(by: .milliseconds(10)))
        clock.advance(by: .milliseconds(10))
        #expect(await queue.get() == "a")
        queue.forget("a")
        queue.addRateLimited("a")
        queue.done("a")
        #expect(queue.failures("a") == 1)
        #expect(queue.deadline(of: "a") == clock.now.advanced(by: .milliseconds(5)))
    }

    @Test func backoffIsCappedAtTheMaximum() async {
        let clock = ManualClock()
        let queue = makeQueue(clock: clock)
        for failure in 1...25 {
            queue.addRateLimited("a")
            let delay = queue.deadline(of: "a")! - clock.now
            let expected = min(0.005 * pow(2, Double(failure - 1)), 1000)
            #expect(abs(delay.inSeconds - expected) < 1e-6, "failure \(failure): \(delay)")
            clock.advance(by: delay)
            #expect(await queue.get() == "a")
            queue.done("a")
        }
        #expect(queue.failures("a") == 25)
    }

    @Test func earlyTriggeredFailuresDoNotEscalateTheBackoff() async {
        // kubernetes#132805: events that run a failing key before its retry is due must not double its delay.
        let clock = ManualClock()
        let queue = makeQueue(clock: clock)
        queue.addRateLimited("a")
        clock.advance(by: .milliseconds(5))
        #expect(await queue.get() == "a")
        queue.addRateLimited("a")  // failure 2: retry due in 10 ms
        queue.done("a")
        let plannedRetry = queue.deadline(of: "a")
        #expect(queue.failures("a") == 2)
        for _ in 0..<5 {
            clock.advance(by: .milliseconds(1))
            queue.add("a")  // a watch event: runs at once
            #expect(await queue.get() == "a")
            queue.addRateLimited("a")  // fails again, before the planned retry
            queue.done("a")
        }
        #expect(queue.failures("a") == 2)
        #expect(queue.deadline(of: "a") == plannedRetry)
        clock.advance(by: .milliseconds(5))
        #expect(await queue.get() == "a")
        queue.addRateLimited("a")  // at the planned time: escalates
        queue.done("a")
        #expect(queue.failures("a") == 3)
    }

    @Test func tokenBucketSpreadsRetriesOfManyKeys() {
        let clock = ManualClock()
        let queue = makeQueue(clock: clock, bucket: (rate: 10, burst: 3))
        let start = clock.now
        for key in ["a", "b", "c", "d", "e"] { queue.addRateLimited(key) }
        // Three tokens at once (each key still waits its 5 ms), then one every 100 ms.
        #expect(queue.deadline(of: "a") == start.advanced(by: .milliseconds(5)))
        #expect(queue.deadline(of: "c") == start.advanced(by: .milliseconds(5)))
        #expect(queue.deadline(of: "d") == start.advanced(by: .milliseconds(100)))
        #expect(queue.deadline(of: "e") == start.advanced(by: .milliseconds(200)))
        clock.advance(by: .milliseconds(5))
        #expect(queue.depth == 3)
        clock.advance(by: .milliseconds(95))
        #expect(queue.depth == 4)
        clock.advance(by: .milliseconds(100))
        #expect(queue.depth == 5)
    }

    @Test func addAfterKeepsTheEarlierDeadlineAndAddSupersedesIt() async {
        let clock = ManualClock()
        let queue = makeQueue(clock: clock)
        let start = clock.now
        queue.addAfter("a", .seconds(10))
        queue.addAfter("a", .seconds(3))
        queue.addAfter("a", .seconds(20))
        #expect(queue.deadline(of: "a") == start.advanced(by: .seconds(3)))
        clock.advance(by: .seconds(3))
        #expect(queue.depth == 1)
        #expect(await queue.get() == "a")
        queue.done("a")

        queue.addAfter("b", .seconds(5))
        queue.add("b")
        #expect(queue.deadline(of: "b") == nil)
        #expect(await queue.get() == "b")
        queue.done("b")
        clock.advance(by: .seconds(5))
        #expect(queue.depth == 0)
    }

    @Test func delayedKeyIsHandedToAWaitingWorker() async {
        let clock = ManualClock()
        let queue = makeQueue(clock: clock)
        async let next = queue.get()
        queue.addAfter("x", .milliseconds(50))
        clock.advance(by: .milliseconds(50))
        let key = await next
        #expect(key == "x")
    }

    @Test func shutdownReleasesWaitersAndDrainWaitsForInFlightKeys() async {
        let queue = makeQueue(clock: ManualClock())
        queue.add("busy")
        #expect(await queue.get() == "busy")
        let waiting = Task { await queue.get() }
        let drained = TestBox(false)
        let drain = Task {
            await queue.shutDownWithDrain()
            drained.withLock { $0 = true }
        }
        #expect(await waiting.value == nil)
        #expect(drained.value == false)
        queue.add("late")
        #expect(queue.depth == 0)
        queue.done("busy")
        await drain.value
        #expect(drained.value)
        #expect(await queue.get() == nil)
    }

    @Test func cancelledGetReturnsNil() async {
        let queue = makeQueue(clock: ManualClock())
        let task = Task { await queue.get() }
        task.cancel()
        #expect(await task.value == nil)
        queue.add("a")
        #expect(queue.depth == 1)
    }

    @Test func reportsControllerRuntimeMetrics() async {
        let registry = MetricsRegistry()
        let clock = ManualClock()
        let queue = makeQueue(clock: clock, registry: registry)
        queue.add("a")
        queue.add("b")
        queue.addRateLimited("c")
        clock.advance(by: .milliseconds(2))
        #expect(await queue.get() == "a")
        clock.advance(by: .seconds(3))
        let text = registry.exposition()
        let samples = try! PrometheusText.parse(text)
        let labels = ["controller": "test", "name": "test"]
        #expect(samples.value("workqueue_adds_total", labels) == 3)
        #expect(samples.value("workqueue_retries_total", labels) == 1)
        #expect(samples.value("workqueue_depth", labels) == 2)
        #expect(samples.value("workqueue_longest_running_processor_seconds", labels) == 3)
        #expect(samples.value("workqueue_unfinished_work_seconds", labels) == 3)
        #expect(samples.value("workqueue_queue_duration_seconds_count", labels) == 1)
        queue.done("a")
        let after = try! PrometheusText.parse(registry.exposition())
        #expect(after.value("workqueue_work_duration_seconds_count", labels) == 1)
        #expect(after.value("workqueue_work_duration_seconds_sum", labels) == 3)
    }
}
