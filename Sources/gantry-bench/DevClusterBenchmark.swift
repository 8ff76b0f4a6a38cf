// `gantry-bench devcluster`: the dev cluster's targets. Object writes per second over loopback HTTP
// (client threads with keep-alive connections POSTing ConfigMaps), events per second each of 20
// concurrent watchers receives over HTTP, RSS with 100,000 stored Pods, and the start time of a
// 1,000-node fleet.

import DevCluster
import Dispatch
import Foundation
import Glibc
import HTTPServer
import KubeCore
import Synchronization

enum DevClusterBenchmark {
    static func run(_ args: [String]) throws {
        let runs = Int(Bench.option("runs", in: args) ?? "") ?? 3
        let connections = Int(Bench.option("connections", in: args) ?? "") ?? 8
        let seconds = Double(Bench.option("seconds", in: args) ?? "") ?? 3
        let watchers = Int(Bench.option("watchers", in: args) ?? "") ?? 20
        let events = Int(Bench.option("events", in: args) ?? "") ?? 20_000
        let objects = Int(Bench.option("objects", in: args) ?? "") ?? 100_000
        let nodes = Int(Bench.option("nodes", in: args) ?? "") ?? 1000
        let only = Bench.option("only", in: args)

        if only == nil || only == "fleet" {
            var times: [Double] = []
            for _ in 0..<runs { times.append(try fleetStart(nodes: nodes)) }
            print("fleet: \(nodes) nodes (8 devices each) registered and kubelet+scheduler started: median "
                  + "\(Bench.format(Bench.median(times), 3)) s (runs: \(times.map { Bench.format($0, 3) }.joined(separator: ", ")))")
        }
        if only == nil || only == "writes" {
            var rates: [Double] = []
            for _ in 0..<runs { rates.append(try writes(connections: connections, seconds: seconds)) }
            print("writes: \(connections) keep-alive connections creating ConfigMaps over loopback HTTP: median "
                  + "\(Int(Bench.median(rates))) writes/s (runs: \(rates.map { String(Int($0)) }.joined(separator: ", ")))")
        }
        if only == nil || only == "watch" {
            var rates: [Double] = []
            for _ in 0..<runs { rates.append(try watch(watchers: watchers, events: events)) }
            print("watch: \(watchers) concurrent HTTP watchers x \(events) events: median of the slowest watcher's rate "
                  + "\(Int(Bench.median(rates))) events/s per watcher (runs: \(rates.map { String(Int($0)) }.joined(separator: ", ")))")
        }
        if only == "handler" {
            // The API server's own cost per create, without HTTP (for profiling the write path).
            let api = APIServer()
            let n = 20_000
            let start = Bench.now()
            let done = DispatchSemaphore(value: 0)
            Task.detached {
                for i in 0..<n {
                    let body = Array(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm-\#(i)","labels":{"app":"bench"}},"data":{"key":"value"}}"#.utf8)
                    _ = await api.handle(HTTPRequest(method: .post, target: "/api/v1/namespaces/default/configmaps",
                                                     headers: ["Content-Type": "application/json"], body: body), bypassFaults: true)
                }
                done.signal()
            }
            done.wait()
            print("handler: \(Int(Double(n) / (Bench.now() - start))) creates/s in process")
        }
        if only == nil || only == "memory" {
            let (rss, seconds) = try memory(objects: objects)
            print("memory: \(objects) Pods stored: RSS \(rss) MiB (created in \(Bench.format(seconds, 1)) s)")
        }
    }

    static func server() throws -> (DevClusterServer, Task<Void, Error>) {
        let api = APIServer()
        let server = try DevClusterServer(api: api, port: 0)
        let task = Task { try await server.run() }
        usleep(50_000)
        return (server, task)
    }

    // MARK: Fleet

    static func fleetStart(nodes: Int) throws -> Double {
        let api = APIServer()
        let cluster = try SimulatedCluster(api: api, options: .init(nodes: nodes, devicesPerNode: 8, schedulerConfiguration: SchedulerConfiguration()))
        let start = Bench.now()
        let done = DispatchSemaphore(value: 0)
        let failure = Mutex<Error?>(nil)
        Task {
            do { try await cluster.start() } catch { failure.withLock { $0 = error } }
            done.signal()
        }
        done.wait()
        let elapsed = Bench.now() - start
        cluster.stop()
        if let e = failure.withLock({ $0 }) { throw e }
        guard api.store.count(StorageKey(group: "", resource: "nodes")) == nodes else { throw BenchError("nodes missing") }
        return elapsed
    }

    // MARK: Writes

    static func writes(connections: Int, seconds: Double) throws -> Double {
        let (server, task) = try server()
        defer {
            server.stop()
            task.cancel()
        }
        let group = DispatchGroup()
        let counts = Mutex([Int](repeating: 0, count: connections))
        let failed = Mutex(false)
        let deadline = Bench.now() + seconds
        let start = Bench.now()
        for c in 0..<connections {
            group.enter()
            Thread {
                defer { group.leave() }
                guard let fd = HTTPBenchmark.connectLoopback(port: server.port) else { failed.withLock { $0 = true }; return }
                defer { close(fd) }
                var reader = HTTPBenchmark.ResponseReader()
                var done = 0
                while Bench.now() < deadline {
                    let body = #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm-\#(c)-\#(done)","labels":{"app":"bench","shard":"\#(c)"}},"data":{"key":"value","size":"small"}}"#
                    let request = Array("POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8)
                    let sent = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    guard sent == request.count, reader.readResponses(fd, count: 1) else { failed.withLock { $0 = true }; break }
                    done += 1
                }
                counts.withLock { $0[c] = done }
            }.start()
        }
        group.wait()
        let elapsed = Bench.now() - start
        if failed.withLock({ $0 }) { throw BenchError("a write connection failed") }
        let total = counts.withLock { $0.reduce(0, +) }
        guard server.api.store.count(StorageKey(group: "", resource: "configmaps")) == total else {
            throw BenchError("stored objects do not match the writes acknowledged")
        }
        return Double(total) / elapsed
    }

    // MARK: Watch

    /// Opens `watchers` HTTP watches, writes `events` objects in process, and returns the rate of the slowest
    /// watcher (events received / time from the first write to its last event).
    static func watch(watchers: Int, events: Int) throws -> Double {
        let (server, task) = try server()
        defer {
            server.stop()
            task.cancel()
        }
        let rv = server.api.store.currentRV
        let ready = DispatchGroup()
        let finished = DispatchGroup()
        let ends = Mutex([Double](repeating: 0, count: watchers))
        let failed = Mutex(false)
        for w in 0..<watchers {
            ready.enter()
            finished.enter()
            Thread {
                defer { finished.leave() }
                guard let fd = HTTPBenchmark.connectLoopback(port: server.port) else {
                    failed.withLock { $0 = true }
                    ready.leave()
                    return
                }
                defer { close(fd) }
                let request = Array("GET /api/v1/namespaces/default/configmaps?watch=1&resourceVersion=\(rv) HTTP/1.1\r\nHost: bench\r\n\r\n".utf8)
                _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                ready.leave()
                var buffer = [UInt8](repeating: 0, count: 256 * 1024)
                var seen = 0
                var last: UInt8 = 0
                while seen < events {
                    let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                    if n <= 0 {
                        failed.withLock { $0 = true }
                        return
                    }
                    // Each event ends with "}\n"; chunk framing only has "\r\n".
                    for i in 0..<n {
                        let b = buffer[i]
                        if b == 0x0A && last == 0x7D { seen += 1 }
                        last = b
                    }
                }
                ends.withLock { $0[w] = Bench.now() }
            }.start()
        }
        ready.wait()
        usleep(200_000)  // let the watch requests reach the server
        guard server.api.store.watcherCount == watchers else { throw BenchError("watchers did not connect") }
        let start = Bench.now()
        let written = DispatchSemaphore(value: 0)
        let api = server.api
        Task.detached {
            for i in 0..<events {
                let body: JSONValue = ["apiVersion": "v1", "kind": "ConfigMap",
                                       "metadata": ["name": .string("w-\(i)"), "labels": ["app": "bench"]], "data": ["k": "v"]]
                _ = await api.handle(HTTPRequest(method: .post, target: "/api/v1/namespaces/default/configmaps",
                                                 headers: ["Content-Type": "application/json"], body: JSONWriter.write(body)),
                                     bypassFaults: true)
            }
            written.signal()
        }
        written.wait()
        finished.wait()
        if failed.withLock({ $0 }) { throw BenchError("a watch connection failed") }
        let slowest = ends.withLock { $0.max() ?? start }
        return Double(events) / (slowest - start)
    }

    // MARK: Memory

    static func memory(objects: Int) throws -> (String, Double) {
        let api = APIServer(store: ObjectStore(historyCapacity: 50_000))
        let start = Bench.now()
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            for i in 0..<objects {
                let pod: JSONValue = [
                    "apiVersion": "v1", "kind": "Pod",
                    "metadata": ["name": .string("pod-\(i)"), "labels": ["app": "bench", "gantry.dev/gang": .string("job-\(i / 8)")],
                                 "annotations": ["gantry.dev/quota": "team-a"]],
                    "spec": ["schedulerName": "gantry-scheduler", "priority": 100,
                             "containers": [["name": "worker", "image": "registry.example.com/train:1.0", "command": ["python", "train.py"],
                                             "resources": ["requests": ["cpu": "4", "memory": "16Gi", "gantry.dev/vgcu": "1"],
                                                           "limits": ["gantry.dev/vgcu": "1"]],
                                             "env": [["name": "RANK", "value": .string(String(i % 8))]]]]],
                ]
                _ = await api.handle(HTTPRequest(method: .post, target: "/api/v1/namespaces/default/pods",
                                                 headers: ["Content-Type": "application/json"], body: JSONWriter.write(pod)),
                                     bypassFaults: true)
            }
            done.signal()
        }
        done.wait()
        let elapsed = Bench.now() - start
        guard api.store.count(StorageKey(group: "", resource: "pods")) == objects else { throw BenchError("pods missing") }
        return (HTTPBenchmark.residentMiB(), elapsed)
    }
}
