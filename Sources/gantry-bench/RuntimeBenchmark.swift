// `gantry-bench runtime`: KubeRuntime's costs — queue + dispatch overhead per no-op reconcile, the rate at
// which a watcher-fed store absorbs Pod events (CPU time of this process only: the API server is a child
// process), and the resident memory of a process caching 10,000 Pods.
//
//   gantry-bench runtime [--part queue|store|memory]... [--runs R] [--events N] [--pods P]
//   gantry-bench runtime --serve --pods P --events N       API server side (internal)
//   gantry-bench runtime --cache --port X [--keep-managed-fields]   caching process (internal): prints RSS

import Dispatch
import Foundation
import HTTPServer
import KubeClient
import KubeCore
import KubeRuntime
import Synchronization

enum RuntimeBenchmark {
    static func run(_ args: [String]) throws {
        if Bench.flag("serve", in: args) { return try PodServer.serve(args) }
        if Bench.flag("cache", in: args) { return try cacheProcess(args) }
        let parts = Bench.options("part", in: args)
        let runs = Int(Bench.option("runs", in: args) ?? "") ?? 5
        let all = parts.isEmpty
        if all || parts.contains("queue") { try queue(args, runs: runs) }
        if all || parts.contains("store") { try store(args, runs: runs) }
        if all || parts.contains("memory") { try memory(args, runs: runs) }
        if parts.contains("decode") { try decode(args, runs: runs) }
        if all || parts.contains("overhead") { try overhead(args, runs: runs) }
    }

    /// The runtime's own cost per event, without I/O or decoding: pre-decoded Pods (unique versions) through
    /// the watcher, the store (three indexes) and a subscriber that enqueues into a work queue.
    static func overhead(_ args: [String], runs: Int) throws {
        let events = Int(Bench.option("events", in: args) ?? "") ?? 200_000
        let template = try JSONValueDecoder().decode(Pod.self, from: PodServer.pod(0, version: 1))
        let pods: [Pod] = (0..<10_000).map { i in
            var pod = template
            pod.metadata.name = "trainer-worker-\(i)"
            pod.metadata.managedFields = nil
            return pod
        }
        var rates: [Double] = []
        for _ in 0..<runs {
            rates.append(try blocking { () async throws -> Double in
                let counter = ReconcileCounter()
                let source = PreDecodedSource(pods: pods, counter: counter)
                let store = Store<Pod>(indexes: [.nodeName { $0.spec?.nodeName }, .ownerUID, .label("app")])
                let informer = Informer(source: source, store: store)
                let queue = WorkQueue<ObjectKey>(.init(name: "overhead"))
                informer.subscribe { queue.add($0.object.key) }
                return await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await informer.run() }
                    await informer.waitUntilSynced()
                    let cpu0 = WatchBenchmark.cpuSeconds()
                    await counter.waitFor(events)
                    let cpu = WatchBenchmark.cpuSeconds() - cpu0
                    group.cancelAll()
                    return Double(events) / cpu
                }
            })
        }
        print("runtime overhead, pre-decoded Pods (watcher + store with 3 indexes + subscriber enqueueing): "
              + "\(Int(Bench.median(rates))) events per CPU-second (\(Bench.format(1e6 / Bench.median(rates), 1)) µs/event; "
              + "runs: \(rates.map { String(Int($0)) }.joined(separator: ", ")))")
    }

    /// Where an event's time goes on one thread: JSON parse, typed decode, store apply.
    static func decode(_ args: [String], runs: Int) throws {
        let n = Int(Bench.option("events", in: args) ?? "") ?? 20_000
        let bytes = (0..<n).map { PodServer.pod($0 % 10_000, version: $0 + 2) }
        var values: [JSONValue] = []
        let parse = try Bench.repeated(runs) {
            let t = Bench.now()
            values = try bytes.map { try JSONParser.parse($0) }
            return Double(n) / (Bench.now() - t)
        }
        var pods: [Pod] = []
        let typed = try Bench.repeated(runs) {
            let t = Bench.now()
            pods = try values.map { try JSONValueDecoder().decode(Pod.self, from: $0) }
            return Double(n) / (Bench.now() - t)
        }
        let apply = Bench.repeated(runs) {
            let store = Store<Pod>(indexes: [.nodeName { $0.spec?.nodeName }, .ownerUID, .label("app")])
            let t = Bench.now()
            for pod in pods { store.apply(.applied(pod)) }
            return Double(n) / (Bench.now() - t)
        }
        print("inline sizes (bytes): Pod \(MemoryLayout<Pod>.size), PodSpec \(MemoryLayout<PodSpec>.size), "
              + "PodStatus \(MemoryLayout<PodStatus>.size), Container \(MemoryLayout<Container>.size), "
              + "ObjectMeta \(MemoryLayout<ObjectMeta>.size)")
        print("per event, one thread: parse \(Int(Bench.median(parse)))/s, typed Pod decode \(Int(Bench.median(typed)))/s, "
              + "store apply (3 indexes) \(Int(Bench.median(apply)))/s")
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

extension RuntimeBenchmark {
    // MARK: Store fed by a watcher

    /// An informer over the real client (libcurl, framing, JSON parse, typed Pod decode), its watcher and a
    /// store with three indexes, fed by a child API server process: events per CPU-second of this process.
    static func store(_ args: [String], runs: Int) throws {
        let events = Int(Bench.option("events", in: args) ?? "") ?? 200_000
        let pods = Int(Bench.option("pods", in: args) ?? "") ?? 10_000
        let server = try ServerProcess(arguments: ["runtime", "--serve", "--pods", String(pods), "--events", String(events)])
        defer { server.stop() }
        let client = try KubeClient(configuration: ClientConfiguration(server: "http://127.0.0.1:\(server.port)"))
        print("watcher-fed store: \(pods) Pods listed, then \(events) watch events of ~3 KB (unique versions) per run, "
              + "store indexed by owner and label (and node where modelled); median of \(runs) runs")
        for model in ["core/v1 Pod (typed, unknown fields kept)", "lean Pod projection", "PartialObjectMetadata<Pod>"] {
            var cpuRates: [Double] = []
            var wallRates: [Double] = []
            for _ in 0..<runs {
                let (cpu, wall) = try blocking { () async throws -> (Double, Double) in
                    switch model.first {
                    case "c": try await storeRun(Pod.self, client: client, events: events, node: { $0.spec?.nodeName })
                    case "l": try await storeRun(LeanPod.self, client: client, events: events, node: { $0.spec?.nodeName })
                    default: try await storeRun(PartialObjectMetadata<Pod>.self, client: client, events: events, node: nil)
                    }
                }
                cpuRates.append(Double(events) / cpu)
                wallRates.append(Double(events) / wall)
            }
            print("  \(model): \(Int(Bench.median(cpuRates))) events per CPU-second of this process, "
                  + "\(Int(Bench.median(wallRates))) events/s wall (runs: \(cpuRates.map { String(Int($0)) }.joined(separator: ", ")))")
        }
    }

    static func storeRun<Object: KubeResource>(_ type: Object.Type, client: KubeClient, events: Int,
                                               node: (@Sendable (Object) -> String?)?) async throws -> (Double, Double) {
        let counter = ReconcileCounter()
        let source = CountingSource(base: ClientListWatch<Object>(client: client, namespace: "bench"), counter: counter)
        var indexes: [StoreIndex<Object>] = [.ownerUID, .label("app")]
        if let node { indexes.append(.nodeName(node)) }
        let store = Store<Object>(indexes: indexes)
        let informer = Informer(source: source, store: store)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await informer.run() }
            await informer.waitUntilSynced()
            let cpu0 = WatchBenchmark.cpuSeconds()
            let t0 = Bench.now()
            await counter.waitFor(events)
            let result = (WatchBenchmark.cpuSeconds() - cpu0, Bench.now() - t0)
            group.cancelAll()
            guard store.count > 0 else { throw BenchError("empty store") }
            return result
        }
    }

    // MARK: Memory of a cache

    /// A fresh process lists and caches the Pods through an informer; its RSS is compared with the budget
    /// 20 MB + 1.5 × the Pods' JSON size (as served, managedFields included).
    static func memory(_ args: [String], runs: Int) throws {
        let pods = Int(Bench.option("pods", in: args) ?? "") ?? 10_000
        let server = try ServerProcess(arguments: ["runtime", "--serve", "--pods", String(pods), "--events", "0"])
        defer { server.stop() }
        let jsonBytes = Double(PodServer.podJSON.reduce(0) { $0 + $1.count }) * Double(pods) / Double(PodServer.podJSON.count)
        let budget = 20 * 1_048_576 + 1.5 * jsonBytes
        print("cache of \(pods) Pods: JSON as served \(Bench.format(jsonBytes / 1_048_576, 1)) MiB "
              + "(\(Int(jsonBytes) / pods) bytes each, managedFields included); budget 20 MiB + 1.5 × JSON = "
              + "\(Bench.format(budget / 1_048_576, 1)) MiB")
        for (model, keep) in [("pod", true), ("pod", false), ("lean", false), ("metadata", false)] {
            var rss: [Double] = []
            var lines: [String] = []
            for _ in 0..<runs {
                var arguments = ["runtime", "--cache", "--port", String(server.port), "--pods", String(pods), "--model", model]
                if keep { arguments.append("--keep-managed-fields") }
                let child = try ServerProcess(arguments: arguments)
                child.stop()
                lines.append(child.firstLine)
                rss.append(Double(child.firstLine.split(separator: " ").first ?? "") ?? .nan)
            }
            let median = Bench.median(rss)
            let name = ["pod": "core/v1 Pod", "lean": "lean Pod projection", "metadata": "PartialObjectMetadata<Pod>"][model] ?? model
            print("  \(name), \(keep ? "keeping managedFields" : "managedFields stripped"): RSS \(Bench.format(median, 1)) MiB "
                  + "(\(median * 1_048_576 <= budget ? "within" : "OVER") budget); last run: \(lines.last ?? "")")
        }
    }

    /// Child process: caches the Pods, prints "RSS-MiB details", exits.
    static func cacheProcess(_ args: [String]) throws {
        let port = Int(Bench.option("port", in: args) ?? "") ?? 0
        let pods = Int(Bench.option("pods", in: args) ?? "") ?? 10_000
        let keep = Bench.flag("keep-managed-fields", in: args)
        let model = Bench.option("model", in: args) ?? "pod"
        let atStart = WatchBenchmark.memory("VmRSS")
        let line = try blocking { () async throws -> String in
            let client = try KubeClient(configuration: ClientConfiguration(server: "http://127.0.0.1:\(port)"))
            switch model {
            case "lean": return try await cache(LeanPod.self, client: client, pods: pods, keep: keep, atStart: atStart)
            case "metadata":
                return try await cache(PartialObjectMetadata<Pod>.self, client: client, pods: pods, keep: keep, atStart: atStart)
            default: return try await cache(Pod.self, client: client, pods: pods, keep: keep, atStart: atStart)
            }
        }
        print(line)
        fflush(nil)
    }

    static func cache<Object: KubeResource>(_ type: Object.Type, client: KubeClient, pods: Int, keep: Bool,
                                            atStart: String) async throws -> String {
            let store = Store<Object>(indexes: [.ownerUID, .label("app")], transform: keep ? nil : Store.stripManagedFields)
            let informer = Informer<Object>(client: client, namespace: "bench", store: store)
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await informer.run() }
                await informer.waitUntilSynced()
                guard store.count == pods else { throw BenchError("cached \(store.count) of \(pods) pods") }
                let untrimmed = WatchBenchmark.memory("VmRSS")
                // Freed list buffers stay in malloc's arenas until trimmed; measure what the cache itself holds.
                if let trim = dlsym(nil, "malloc_trim") {
                    _ = unsafeBitCast(trim, to: (@convention(c) (Int) -> Int32).self)(0)
                }
                let rss = WatchBenchmark.memory("VmRSS")
                group.cancelAll()
                return "\(rss) MiB (private \(WatchBenchmark.memory("RssAnon")) MiB; before malloc_trim \(untrimmed) MiB, "
                    + "peak \(WatchBenchmark.memory("VmHWM")) MiB, at start \(atStart) MiB)"
            }
    }
}

/// What a controller that places or watches Pods typically reads, and nothing else: a read-only projection
/// (unmodelled fields are dropped, so it must never be written back with `update`).
struct LeanPod: KubeResource {
    static let descriptor = Pod.descriptor
    var metadata: ObjectMeta
    var spec: Spec?
    var status: Status?

    struct Spec: Codable, Sendable {
        var nodeName: String?
        var schedulerName: String?
        var priority: Int32?
        var containers: [Container]?
    }

    struct Container: Codable, Sendable {
        var name: String
        var resources: Resources?
    }

    struct Resources: Codable, Sendable {
        var requests: [String: String]?
        var limits: [String: String]?
    }

    struct Status: Codable, Sendable {
        var phase: String?
        var podIP: String?
    }
}

/// Lists nothing, then streams the given Pods round-robin as MODIFIED events with increasing versions.
struct PreDecodedSource: ListWatchSource {
    let pods: [Pod]
    let counter: ReconcileCounter

    func list(limit: Int, continueToken: String?) async throws -> KubeList<Pod> {
        KubeList(metadata: ListMeta(resourceVersion: "1"), items: [])
    }

    func watch(resourceVersion: String, timeoutSeconds: Int, allowBookmarks: Bool) async throws -> any WatchConnection<Pod> {
        Stream(pods: pods, counter: counter, start: Int(resourceVersion) ?? 1)
    }

    final class Stream: WatchConnection {
        let pods: [Pod]
        let counter: ReconcileCounter
        let nextVersion: Mutex<Int>
        init(pods: [Pod], counter: ReconcileCounter, start: Int) {
            self.pods = pods
            self.counter = counter
            self.nextVersion = Mutex(start)
        }

        func next() async throws -> ListWatchEvent<Pod>? {
            let version = nextVersion.withLock { v -> Int in
                v += 1
                return v
            }
            var pod = pods[version % pods.count]
            pod.metadata.resourceVersion = String(version)
            counter.increment()
            return .modified(pod)
        }
    }
}

/// Counts the watch events a source delivers (so the benchmark knows when N have been absorbed).
struct CountingSource<Object: KubeResource>: ListWatchSource {
    let base: ClientListWatch<Object>
    let counter: ReconcileCounter

    func list(limit: Int, continueToken: String?) async throws -> KubeList<Object> {
        try await base.list(limit: limit, continueToken: continueToken)
    }

    func watch(resourceVersion: String, timeoutSeconds: Int, allowBookmarks: Bool) async throws -> any WatchConnection<Object> {
        Counting(base: try await base.watch(resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds,
                                            allowBookmarks: allowBookmarks), counter: counter)
    }

    func isExpired(_ error: any Error) -> Bool { base.isExpired(error) }

    struct Counting: WatchConnection {
        let base: any WatchConnection<Object>
        let counter: ReconcileCounter
        func next() async throws -> ListWatchEvent<Object>? {
            let event = try await base.next()
            // Counted before the store applies it; the waiter wakes on the next hop, after the apply.
            if event != nil { counter.increment() }
            return event
        }
    }
}

/// The API server side: a paged Pod list (with managedFields, as a real server sends) and a watch of N
/// MODIFIED events with unique resourceVersions cycling over the Pods.
enum PodServer {
    /// One Pod per distinct shape; pod i is `podJSON[i % count]` with its name and version digits set.
    static let podJSON: [[UInt8]] = {
        guard var template = try? JSONParser.parse(Array(JSONBenchmark.samplePodEvent.utf8))["object"] else { return [] }
        let managedFields: JSONValue = [
            ["manager": "kube-scheduler", "operation": "Update", "apiVersion": "v1", "time": "2026-11-20T10:00:01Z",
             "fieldsType": "FieldsV1", "fieldsV1": ["f:status": ["f:conditions": [".": [:], "k:{\"type\":\"PodScheduled\"}":
                ["f:lastTransitionTime": [:], "f:status": [:], "f:type": [:]]]]]],
            ["manager": "kubelet", "operation": "Update", "apiVersion": "v1", "time": "2026-11-20T10:00:05Z",
             "fieldsType": "FieldsV1", "subresource": "status", "fieldsV1": ["f:status": [
                "f:conditions": ["k:{\"type\":\"Ready\"}": [".": [:], "f:lastTransitionTime": [:], "f:status": [:], "f:type": [:]]],
                "f:containerStatuses": [:], "f:hostIP": [:], "f:phase": [:], "f:podIP": [:], "f:startTime": [:]]]],
            ["manager": "gantry-training-controller", "operation": "Update", "apiVersion": "v1", "time": "2026-11-20T10:00:00Z",
             "fieldsType": "FieldsV1", "fieldsV1": ["f:metadata": ["f:labels": [".": [:], "f:app": [:], "f:gantry.dev/gang": [:],
                "f:gantry.dev/quota": [:]], "f:ownerReferences": [".": [:], "k:{\"uid\":\"aa0b7a1e\"}": [:]]],
                "f:spec": ["f:containers": ["k:{\"name\":\"trainer\"}": [".": [:], "f:command": [:], "f:env": [:], "f:image": [:],
                "f:name": [:], "f:resources": [:], "f:volumeMounts": [:]]], "f:nodeSelector": [:], "f:priority": [:],
                "f:schedulerName": [:], "f:tolerations": [:], "f:volumes": [:]]]],
        ]
        template.set(managedFields, at: ["metadata", "managedFields"])
        template.set(.string("trainer-worker-00000"), at: ["metadata", "name"])
        template.set(.string("bench"), at: ["metadata", "namespace"])
        template.set(.string("0000000000"), at: ["metadata", "resourceVersion"])
        return [JSONWriter.write(template)]
    }()

    /// Byte offsets of the name's and the version's digits in the template.
    static let nameDigits: Int = offset(of: "trainer-worker-00000") + "trainer-worker-".utf8.count
    static let versionDigits: Int = offset(of: "\"resourceVersion\":\"0000000000\"") + "\"resourceVersion\":\"".utf8.count

    static func offset(of text: String) -> Int {
        let needle = Array(text.utf8), hay = podJSON[0]
        for i in 0...(hay.count - needle.count) where Array(hay[i..<(i + needle.count)]) == needle { return i }
        return 0
    }

    static func write(_ value: Int, digits: Int, at offset: Int, into bytes: inout [UInt8]) {
        var v = value
        for i in stride(from: offset + digits - 1, through: offset, by: -1) {
            bytes[i] = UInt8(ascii: "0") + UInt8(v % 10)
            v /= 10
        }
    }

    static func pod(_ index: Int, version: Int) -> [UInt8] {
        var bytes = podJSON[0]
        write(index, digits: 5, at: nameDigits, into: &bytes)
        write(version, digits: 10, at: versionDigits, into: &bytes)
        return bytes
    }

    static func serve(_ args: [String]) throws {
        let pods = Int(Bench.option("pods", in: args) ?? "") ?? 10_000
        let events = Int(Bench.option("events", in: args) ?? "") ?? 200_000
        let server = try HTTPServer(configuration: HTTPServer.Configuration(port: 0)) { request in
            if request.query("watch") == nil {
                let offset = Int(request.query("continue") ?? "") ?? 0
                let limit = Int(request.query("limit") ?? "") ?? pods
                let end = min(pods, offset + limit)
                var body = Array(#"{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"1""#.utf8)
                if end < pods { body += Array(#","continue":"\#(end)""#.utf8) }
                body += Array(#"},"items":["#.utf8)
                for i in offset..<end {
                    if i > offset { body.append(UInt8(ascii: ",")) }
                    body += pod(i, version: 1)
                }
                body += Array("]}".utf8)
                return .json(body)
            }
            let from = Int(request.query("resourceVersion") ?? "") ?? 1
            return HTTPResponse(status: 200, headers: ["Content-Type": "application/json"], body: .stream { writer in
                var sent = 0
                var batch: [UInt8] = []
                let prefix = Array(#"{"type":"MODIFIED","object":"#.utf8)
                while sent < events {
                    batch.removeAll(keepingCapacity: true)
                    for _ in 0..<min(64, events - sent) {
                        let version = from + 1 + sent
                        batch += prefix
                        batch += pod(version % pods, version: version)
                        batch += Array("}\n".utf8)
                        sent += 1
                    }
                    try await writer.write(batch)
                }
            })
        }
        print(server.port)
        fflush(nil)
        try RuntimeBenchmark.blocking {
            Thread.detachNewThread {
                while let line = readLine(), !line.isEmpty {}
                server.shutdown(gracePeriod: .zero)
            }
            try await server.run()
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
