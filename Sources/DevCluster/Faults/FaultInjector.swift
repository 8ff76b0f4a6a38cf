// FaultInjector: seeded, reproducible misbehaviour of the API server, set by flags or at run time
// (PUT /devcluster/faults): added latency, a share of requests failing with 500 or 429, injected write
// conflicts, watches dropped after a number of events or at once, expired resource versions, and restarts
// that drop every connection and refuse requests briefly while keeping the stored state.

import Foundation
import HTTPServer
import KubeCore
import Synchronization

public struct FaultConfig: Sendable, Equatable {
    public var seed: UInt64 = 1
    /// Added to every request, in seconds.
    public var latency: Double = 0
    /// Share of requests answered 500 InternalError (0...1).
    public var errorRate: Double = 0
    /// Share of requests answered 429 TooManyRequests with Retry-After (0...1).
    public var throttleRate: Double = 0
    /// Share of writes (PUT, PATCH) answered 409 Conflict (0...1).
    public var conflictRate: Double = 0
    /// Share of watch requests whose stream is dropped (after a random short delay).
    public var watchDropRate: Double = 0
    /// Every this many seconds (0 = never): drop all watches, expire the watch history, restart the server.
    public var dropWatchesEvery: Double = 0
    public var expireEvery: Double = 0
    public var restartEvery: Double = 0

    public init() {}

    public var json: JSONValue {
        ["seed": .int(Int64(bitPattern: seed)), "latency": .double(latency), "errorRate": .double(errorRate),
         "throttleRate": .double(throttleRate), "conflictRate": .double(conflictRate), "watchDropRate": .double(watchDropRate),
         "dropWatchesEvery": .double(dropWatchesEvery), "expireEvery": .double(expireEvery), "restartEvery": .double(restartEvery)]
    }

    /// Applies the fields present in `value`; rejects unknown fields and out-of-range shares.
    public mutating func merge(_ value: JSONValue) throws {
        guard let o = value.objectValue else { throw APIError.badRequest("fault configuration must be an object") }
        for (k, v) in o {
            func share() throws -> Double {
                guard let d = v.doubleValue, d >= 0, d <= 1 else { throw APIError.badRequest("\(k) must be a number between 0 and 1") }
                return d
            }
            switch k {
            case "seed":
                guard let i = v.intValue else { throw APIError.badRequest("seed must be an integer") }
                seed = UInt64(bitPattern: i)
            case "latency":
                guard let d = v.doubleValue, d >= 0, d <= 60 else { throw APIError.badRequest("latency must be between 0 and 60 seconds") }
                latency = d
            case "errorRate": errorRate = try share()
            case "throttleRate": throttleRate = try share()
            case "conflictRate": conflictRate = try share()
            case "watchDropRate": watchDropRate = try share()
            case "dropWatchesEvery", "expireEvery", "restartEvery":
                guard let d = v.doubleValue, d.isFinite, d == 0 || (d >= 0.1 && d <= 86_400) else {
                    throw APIError.badRequest("\(k) must be 0 (off) or 0.1...86400 seconds")
                }
                switch k {
                case "dropWatchesEvery": dropWatchesEvery = d
                case "expireEvery": expireEvery = d
                default: restartEvery = d
                }
            default: throw APIError.badRequest("unknown fault \"\(k)\"")
            }
        }
    }
}

/// SplitMix64: small, fast and the same sequence for the same seed on every platform.
struct SeededRandom: Sendable {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

public final class FaultInjector: Sendable {
    private struct State {
        var config: FaultConfig
        var random: SeededRandom
        var restartingUntil: Date?
        var counts: [String: Int] = [:]
    }
    private let state: Mutex<State>

    public init(_ config: FaultConfig = FaultConfig()) {
        state = Mutex(State(config: config, random: SeededRandom(state: config.seed)))
    }

    public var config: FaultConfig { state.withLock { $0.config } }

    /// Replaces the configuration and restarts the random sequence from its seed.
    public func configure(_ config: FaultConfig) {
        state.withLock { s in
            s.config = config
            s.random = SeededRandom(state: config.seed)
        }
    }

    /// How many times each fault fired ("error", "throttle", "conflict", "watchDrop", "restart").
    public var counts: [String: Int] { state.withLock { $0.counts } }

    private func draw(_ share: KeyPath<FaultConfig, Double>, _ name: String) -> Bool {
        state.withLock { s in
            let p = s.config[keyPath: share]
            guard p > 0 else { return false }
            let hit = s.random.unit() < p
            if hit { s.counts[name, default: 0] += 1 }
            return hit
        }
    }

    /// Called before each external request: waits, or fails it, as configured.
    func beforeRequest(_ request: HTTPRequest) async throws {
        if request.path == "/devcluster/faults" { return }
        let (latency, restarting) = state.withLock { s in (s.config.latency, s.restartingUntil.map { $0 > Date() } ?? false) }
        if restarting {
            throw APIError(code: 503, reason: "ServiceUnavailable", message: "the server is currently unable to handle the request")
        }
        if latency > 0 { await Pause.sleep(latency) }
        if draw(\.errorRate, "error") { throw APIError.internalError("injected fault") }
        if draw(\.throttleRate, "throttle") { throw APIError.tooManyRequests(retryAfter: 1) }
        if request.method == .put || request.method == .patch, RequestInfo(path: request.path)?.name != nil,
           draw(\.conflictRate, "conflict") {
            throw APIError(code: 409, reason: "Conflict",
                           message: "Operation cannot be fulfilled: the object has been modified; please apply your changes to the latest version and try again (injected)",
                           details: StatusDetails())
        }
    }

    /// Decides at watch start whether this stream will be dropped, and drops it after a short delay.
    func registerWatch(_ watcher: Watcher, store: ObjectStore) {
        guard draw(\.watchDropRate, "watchDrop") else { return }
        let delay = state.withLock { s in 0.05 + s.random.unit() * 0.5 }
        Task.detached {
            await Pause.sleep(delay)
            store.removeWatcher(watcher)
        }
    }

    func count(_ name: String) { state.withLock { $0.counts[name, default: 0] += 1 } }

    /// Marks the server as restarting: requests get 503 until `until`.
    func beginRestart(for seconds: Double) {
        state.withLock { s in
            s.restartingUntil = Date().addingTimeInterval(seconds)
            s.counts["restart", default: 0] += 1
        }
    }
}

extension APIServer {
    /// Fires the periodic faults (`dropWatchesEvery`, `expireEvery`, `restartEvery`) while the server lives.
    func startFaultClock() {
        Task.detached { [weak self] in
            var last: [String: Date] = [:]
            while true {
                await Pause.sleep(0.1)
                guard let self else { return }
                let c = self.faults.config
                let now = Date()
                for (name, every) in [("dropWatches", c.dropWatchesEvery), ("expire", c.expireEvery), ("restart", c.restartEvery)] {
                    guard every > 0 else {
                        last[name] = nil
                        continue
                    }
                    guard let previous = last[name] else {
                        last[name] = now
                        continue
                    }
                    guard now.timeIntervalSince(previous) >= every else { continue }
                    last[name] = now
                    switch name {
                    case "dropWatches":
                        self.faults.count(name)
                        self.dropWatches()
                    case "expire":
                        self.faults.count(name)
                        self.expireResourceVersions()
                    default: self.restart(downtime: 0.5)  // counted by the restart itself
                    }
                }
            }
        }
    }

    /// Drops every watch connection now; clients re-watch from their last resourceVersion.
    public func dropWatches() { store.closeAllWatchers() }

    /// Forgets the watch history: resuming from any earlier version gets 410 Expired.
    public func expireResourceVersions() { store.expireHistory() }

    /// A restart that keeps the stored state: open watches end and requests get 503 for `downtime` seconds.
    public func restart(downtime: Double = 0.5) {
        faults.beginRestart(for: downtime)
        store.closeAllWatchers()
        // On a socket (DevClusterServer) the listener and its connections go down too.
        restartHook.withLock { $0 }?(downtime)
    }

    func setRestartHook(_ hook: @escaping @Sendable (Double) -> Void) { restartHook.withLock { $0 = hook } }

    /// GET shows the fault configuration and counts; PUT/PATCH changes it; POST with an action
    /// (`dropWatches`, `expire`, `restart`) triggers a one-off fault.
    func faultControl(_ request: HTTPRequest) async throws -> HTTPResponse {
        switch request.method {
        case .get:
            var doc = faults.config.json
            doc["counts"] = .object(JSONObject(faults.counts.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.int(Int64($0.value))) }))
            return Self.json(doc)
        case .put, .patch:
            let body: JSONValue
            do { body = try JSONParser.parse(request.body) } catch { throw APIError.badRequest("invalid JSON: \(error)") }
            var config = request.method == .put ? FaultConfig() : faults.config
            try config.merge(body)
            faults.configure(config)
            return Self.json(config.json)
        case .post:
            switch request.query("action") ?? "" {
            case "dropWatches": dropWatches()
            case "expire": expireResourceVersions()
            case "restart":
                let downtime = Double(request.query("downtime") ?? "") ?? 0.5
                guard downtime.isFinite, downtime >= 0, downtime <= 60 else { throw APIError.badRequest("downtime must be 0...60 seconds") }
                restart(downtime: downtime)
            default: throw APIError.badRequest("action must be one of dropWatches, expire, restart")
            }
            return Self.json(["status": "Success"])
        default:
            throw APIError.methodNotAllowed("use GET, PUT, PATCH or POST")
        }
    }
}
