// `gantry-bench runtime`: KubeRuntime's costs — queue + dispatch overhead per no-op reconcile, the rate at
// which a watcher-fed store absorbs Pod events, and the memory of a cache of 10,000 Pods.

import Dispatch
import Foundation
import KubeCore
import KubeRuntime
import Synchronization

enum RuntimeBenchmark {
    static func run(_ args: [String]) throws {
        let parts = Bench.options("part", in: args)
        let runs = Int(Bench.option("runs", in: args) ?? "") ?? 5
        let all = parts.isEmpty
        if all || parts.contains("queue") { try queue(args, runs: runs) }
    }

    /// Runs async work from the main thread (not part of the cooperative pool, so it may block).
    static func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let result = LockedResult<T>()
        let done = DispatchSemaphore(value: 0)
        Task {
            do {
                result.set(.success(try await body()))
            } catch {
                result.set(.failure(error))
            }
            done.signal()
        }
        done.wait()
        return try result.get()
    }

    // MARK: Queue and dispatch

    /// Keys enqueued in bulk to a running controller with a no-op reconcile: wall time per reconcile is the
    /// queue + dispatch overhead (metrics on, as in production). Also one key at a time (enqueue, wait for
    /// the reconcile, repeat): the latency of a single hand-off through the queue to a worker.
    static func queue(_ args: [String], runs: Int) throws {
        let n = Int(Bench.option("keys", in: args) ?? "") ?? 100_000
        let pingPongs = Int(Bench.option("pingpongs", in: args) ?? "") ?? 20_000
        var bulk: [Double] = []
        var single: [Double] = []
        for _ in 0..<runs {
            let (b, s) = try blocking { await queueRun(keys: n, pingPongs: pingPongs) }
            bulk.append(b)
            single.append(s)
        }
        print("queue + dispatch, no-op reconcile, 1 worker, metrics on (median of \(runs) runs)")
        print("  bulk: \(n) distinct keys: \(Bench.format(Bench.median(bulk) * 1e6, 2)) µs per reconcile "
            + "(\(Int(1 / Bench.median(bulk))) reconciles/s)")
        print("  one at a time: \(pingPongs) round trips: \(Bench.format(Bench.median(single) * 1e6, 2)) µs per reconcile")
    }

    static func queueRun(keys n: Int, pingPongs: Int) async -> (Double, Double) {
        let informer = Informer(source: EmptySource<ConfigMapLike>())
        let counter = ReconcileCounter()
        let registry = MetricsRegistry()
        let controller = Controller(name: "bench", for: informer, metrics: registry) { _ in
            counter.increment()
            return .done
        }
        let keys = (0..<n).map { ObjectKey(namespace: "bench", name: "k\($0)") }
        return await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await informer.run() }
            group.addTask { try await controller.run() }
            await counter.waitFor(0)
            controller.enqueue(ObjectKey(namespace: "bench", name: "warm-up"))
            await counter.waitFor(1)

            let t0 = Bench.now()
            for key in keys { controller.enqueue(key) }
            await counter.waitFor(1 + n)
            let bulk = (Bench.now() - t0) / Double(n)

            let t1 = Bench.now()
            for i in 0..<pingPongs {
                controller.enqueue(keys[i % n])
                await counter.waitFor(1 + n + i + 1)
            }
            let single = (Bench.now() - t1) / Double(pingPongs)
            group.cancelAll()
            return (bulk, single)
        }
    }
}

/// Counts reconciles; `waitFor(k)` returns once k have happened.
final class ReconcileCounter: Sendable {
    private let state = Mutex<(count: Int, waiters: [(Int, CheckedContinuation<Void, Never>)])>((0, []))

    func increment() {
        let ready = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.count += 1
            var ready: [CheckedContinuation<Void, Never>] = []
            s.waiters.removeAll { w in
                if w.0 <= s.count { ready.append(w.1); return true }
                return false
            }
            return ready
        }
        for c in ready { c.resume() }
    }

    func waitFor(_ target: Int) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if s.count >= target { return true }
                s.waiters.append((target, c))
                return false
            }
            if now { c.resume() }
        }
    }
}

final class LockedResult<T: Sendable>: Sendable {
    private let value = Mutex<Result<T, any Error>?>(nil)
    func set(_ r: Result<T, any Error>) { value.withLock { $0 = r } }
    func get() throws -> T { try value.withLock { $0 }!.get() }
}

/// A minimal kind for benchmarks that need no fields.
struct ConfigMapLike: KubeResource {
    static let descriptor = ResourceDescriptor(group: "", version: "v1", kind: "ConfigMap", plural: "configmaps", namespaced: true)
    var metadata: ObjectMeta
    var unknownFields: UnknownFields? = nil
}

/// Lists nothing and keeps the watch open until cancelled.
struct EmptySource<Object: KubeResource>: ListWatchSource {
    func list(limit: Int, continueToken: String?) async throws -> KubeList<Object> {
        KubeList(metadata: ListMeta(resourceVersion: "1"), items: [])
    }

    func watch(resourceVersion: String, timeoutSeconds: Int, allowBookmarks: Bool) async throws -> any WatchConnection<Object> {
        IdleConnection<Object>()
    }
}

struct IdleConnection<Object: Sendable>: WatchConnection {
    func next() async throws -> ListWatchEvent<Object>? {
        while true { try await Task.sleep(for: .seconds(3600)) }
    }
}
