// `gantry-bench watch`: watch decoding throughput of ~2 KB Pod events through the real client (libcurl,
// framing, JSON parse, typed decode) from an HTTPServer in a separate process, so the client's CPU time
// (getrusage of this process: the curl thread plus the task pool) is measured alone. Also: peak RSS while
// streaming (bounded buffering) and the RSS of an idle client process.
//
//   gantry-bench watch [--events N] [--runs R] [--mode dynamic|typed]   client side; spawns the server
//   gantry-bench watch --serve --events N          server side (internal)
//   gantry-bench watch --idle-client --port P      idle client (internal): prints its RSS

import Foundation
import Glibc
import HTTPServer
import KubeClient
import KubeCore

enum WatchBenchmark {
    static func run(_ args: [String]) throws {
        if Bench.flag("serve", in: args) { return try serve(args) }
        if Bench.flag("idle-client", in: args) { return try blocking { try await idleClient(args) } }

        let events = Int(Bench.option("events", in: args) ?? "") ?? 200_000
        let runs = Int(Bench.option("runs", in: args) ?? "") ?? 5
        let server = try ServerProcess(arguments: ["watch", "--serve", "--events", String(events)])
        defer { server.stop() }
        let rssAtStart = memory("VmRSS")
        let client = try KubeClient(configuration: ClientConfiguration(server: "http://127.0.0.1:\(server.port)"))
        print("this process at start: \(rssAtStart) MiB RSS")
        print("client pid \(getpid()), server pid \(server.pid) on port \(server.port); \(events) events per run, \(runs) runs (median)")
        print("event size: \(PodEvents.lines[0].count) bytes")

        let modes = Bench.option("mode", in: args).map { [$0] } ?? ["dynamic", "typed"]
        for mode in modes {
            var wallRates: [Double] = []
            var cpuRates: [Double] = []
            for _ in 0..<runs {
                let (wall, cpu, count) = try blocking { () async throws -> (Double, Double, Int) in
                    let cpu0 = cpuSeconds()
                    let t0 = Bench.now()
                    var count = 0
                    if mode == "typed" {
                        for try await event in try await client.watch(Pod.self) where event.object != nil { count += 1 }
                    } else {
                        for try await event in try await client.watch(Pod.descriptor) where event.object != nil { count += 1 }
                    }
                    return (Bench.now() - t0, cpuSeconds() - cpu0, count)
                }
                guard count == events else { throw BenchError("received \(count) of \(events) events") }
                wallRates.append(Double(count) / wall)
                cpuRates.append(Double(count) / cpu)
            }
            print("\(mode): \(Int(Bench.median(wallRates))) events/s wall, \(Int(Bench.median(cpuRates))) events per "
                  + "client CPU-second (runs: \(cpuRates.map { String(Int($0)) }.joined(separator: ", ")))")
        }
        // The same decoding without sockets or libcurl: what the transport adds is the difference.
        let synthetic = KubeClient(transport: SyntheticWatchTransport(events: events))
        for mode in modes {
            let rates = try Bench.repeated(runs) {
                try blocking { () async throws -> Double in
                    let cpu0 = cpuSeconds()
                    var count = 0
                    if mode == "typed" {
                        for try await event in try await synthetic.watch(Pod.self) where event.object != nil { count += 1 }
                    } else {
                        for try await event in try await synthetic.watch(Pod.descriptor) where event.object != nil { count += 1 }
                    }
                    return Double(count) / (cpuSeconds() - cpu0)
                }
            }
            print("\(mode), in-process stream (no socket, no libcurl): \(Int(Bench.median(rates))) events per CPU-second")
        }
        print("this process after streaming \(2 * runs * events) events: peak RSS \(memory("VmHWM")) MiB, "
              + "now \(memory("VmRSS")) MiB (private \(memory("RssAnon")) MiB)")

        let idle = try ServerProcess(arguments: ["watch", "--idle-client", "--port", String(server.port)])
        defer { idle.stop() }
        print("idle client process (one request done, one watch open), VmRSS: \(idle.firstLine)")
    }

    // MARK: - Server process

    static func serve(_ args: [String]) throws {
        let events = Int(Bench.option("events", in: args) ?? "") ?? 200_000
        let server = try HTTPServer(configuration: HTTPServer.Configuration(port: 0)) { request in
            if request.path.hasSuffix("/idlers") {
                // Keeps an idle watch open until the client goes away.
                return HTTPResponse(status: 200, headers: ["Content-Type": "application/json"], body: .stream { writer in
                    try await writer.write(Array("\n".utf8))
                    while true {
                        try await Task.sleep(for: .seconds(1))
                        try await writer.write(Array("\n".utf8))
                    }
                })
            }
            if request.query("watch") == nil {
                return .json(Array(#"{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":[]}"#.utf8))
            }
            return HTTPResponse(status: 200, headers: ["Content-Type": "application/json"], body: .stream { writer in
                var sent = 0
                while sent < events {
                    let n = min(PodEvents.batchSize, events - sent)
                    try await writer.write(n == PodEvents.batchSize ? PodEvents.batch(sent) : PodEvents.lines(from: sent, count: n))
                    sent += n
                }
            })
        }
        print(server.port)
        fflush(nil)
        try blocking {
            // Runs until the parent closes our stdin (or kills us).
            Thread.detachNewThread {
                while let line = readLine(), !line.isEmpty {}
                server.shutdown(gracePeriod: .zero)
            }
            try await server.run()
        }
    }

    // MARK: - Idle client process

    static func idleClient(_ args: [String]) async throws {
        let port = Int(Bench.option("port", in: args) ?? "") ?? 0
        let atStart = memory("VmRSS")
        let client = try KubeClient(configuration: ClientConfiguration(server: "http://127.0.0.1:\(port)"))
        let afterInit = memory("VmRSS")
        _ = try await client.list(Pod.self)
        let afterRequest = memory("VmRSS")
        let idlers = ResourceDescriptor(group: "", version: "v1", kind: "Idler", plural: "idlers", namespaced: true)
        let watch = try await client.watch(idlers)
        let reader = Task { for try await _ in watch {} }
        try await Task.sleep(for: .seconds(2))
        print("\(memory("VmRSS")) MiB (private \(memory("RssAnon")), shared libraries \(memory("RssFile"))); at start "
              + "\(atStart), client created \(afterInit), after a request \(afterRequest)")
        fflush(nil)
        reader.cancel()
    }

    // MARK: - Helpers

    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }

    /// A `/proc/self/status` field in MiB.
    static func memory(_ field: String) -> String {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }),
              let kb = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) else { return "?" }
        return Bench.format(kb / 1024, 1)
    }

    /// Runs async work from the main thread (not a pool thread) and waits for it.
    static func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Task {
            do { box.set(.success(try await body())) } catch { box.set(.failure(error)) }
            done.signal()
        }
        done.wait()
        return try box.get()
    }
}

private final class ResultBox<T: Sendable>: @unchecked Sendable {
    // @unchecked: written once before the semaphore signal, read after the wait.
    private var result: Result<T, any Error>?
    func set(_ r: Result<T, any Error>) { result = r }
    func get() throws -> T {
        guard let result else { throw BenchError("no result") }
        return try result.get()
    }
}

/// A child `gantry-bench` process; its first output line is read at start (the port, or a figure).
final class ServerProcess {
    let process = Process()
    private let input = Pipe()
    let firstLine: String

    init(arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = input
        try process.run()
        var line = [UInt8]()
        while true {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            guard let b = byte.first, b != UInt8(ascii: "\n") else { break }
            line.append(b)
        }
        firstLine = String(decoding: line, as: UTF8.self)
    }

    var pid: Int32 { process.processIdentifier }
    var port: Int { Int(firstLine) ?? 0 }

    func stop() {
        try? input.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}

/// Pre-encoded watch events: the JSON benchmark's ~2 KB Pod, with distinct names and resourceVersions.
enum PodEvents {
    static let distinct = 1024
    static let batchSize = 64

    static let lines: [[UInt8]] = {
        guard let template = try? JSONParser.parse(Array(JSONBenchmark.samplePodEvent.utf8)) else { return [] }
        return (0..<distinct).map { i in
            var event = template
            event.set(.string("trainer-worker-\(i)"), at: ["object", "metadata", "name"])
            event.set(.string(String(1_000_000 + i)), at: ["object", "metadata", "resourceVersion"])
            return JSONWriter.write(event) + [UInt8(ascii: "\n")]
        }
    }()

    /// Batches of `batchSize` consecutive events, cycling through the distinct ones.
    static let batches: [[UInt8]] = stride(from: 0, to: distinct, by: batchSize).map { lines(from: $0, count: batchSize) }

    static func batch(_ index: Int) -> [UInt8] { batches[(index / batchSize) % batches.count] }

    static func lines(from start: Int, count: Int) -> [UInt8] {
        var out: [UInt8] = []
        for i in start..<(start + count) { out += lines[i % distinct] }
        return out
    }
}

/// A transport whose watch streams produce pre-encoded Pod events in 128 KiB chunks on demand.
struct SyntheticWatchTransport: KubeTransport {
    let events: Int

    func send(_ request: TransportRequest) async throws -> TransportResponse {
        TransportResponse(status: 404)
    }

    func openStream(_ request: TransportRequest, options: StreamOptions) async throws -> any ResponseStream {
        SyntheticStream(events: events)
    }

    final class SyntheticStream: ResponseStream, @unchecked Sendable {
        // @unchecked: read by one consumer at a time, as ResponseStream requires.
        private var sent = 0
        private let events: Int
        init(events: Int) { self.events = events }
        var status: Int { 200 }
        var headers: HeaderFields { HeaderFields() }
        func next() async throws -> [UInt8]? {
            guard sent < events else { return nil }
            let n = min(PodEvents.batchSize, events - sent)
            defer { sent += n }
            return n == PodEvents.batchSize ? PodEvents.batch(sent) : PodEvents.lines(from: sent, count: n)
        }
        func close() { sent = events }
    }
}
