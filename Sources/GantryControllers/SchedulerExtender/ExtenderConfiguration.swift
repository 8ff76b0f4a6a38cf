// The extender's settings from flags and environment (flags win): where it listens, how it reaches the API
// server, reservation TTL, thermal staleness, log level. Parsing is strict: an unknown flag or a bad value is an
// error with the flag's name, never a silent default.

import Foundation
import GantryScheduling
import KubeRuntime

public struct ExtenderConfiguration: Sendable, Equatable {
    public var host = "0.0.0.0"
    public var port = 8888
    /// Port for /healthz, /readyz and /metrics on `probeHost`; 0 serves them only on the verbs' port.
    public var probePort = 8081
    public var probeHost = "0.0.0.0"
    /// Path the verbs live under: kube-scheduler's `urlPrefix` is `http://<host>:<port><pathPrefix>`.
    public var pathPrefix = "/gantry"
    /// Kubeconfig file; nil searches KUBECONFIG, the in-cluster service account, then ~/.kube/config.
    public var kubeconfig: String?
    public var context: String?
    /// Seconds a gang's reservations hold devices for members not yet bound.
    public var reservationTTL: Double = 120
    /// Seconds after which a temperature counts as unknown, for pools that set no `staleAfterSeconds`.
    public var thermalStaleAfter: Double = 120
    public var logLevel: LogLevel = .info
    public var logFormat: LogFormat = .logfmt
    /// Largest request body accepted (413 beyond); NodeLists of 5,000 nodes (nodeCacheCapable: false) fit.
    public var maxBodyBytes = 64 << 20
    /// Decisions kept for /debug/pods.
    public var decisionsKept = 2048
    /// Score policies and weights for nodes outside any ResourcePool (pools set their own in `spec.policy`).
    public var defaultProfile = ScoringProfile.gantryDefault

    public init() {}

    public static let usage = """
        usage: gantry-scheduler-extender [options]

          --host ADDR                 listen address (default 0.0.0.0)             GANTRY_EXTENDER_HOST
          --port N                    port for the verbs, /debug, probes and metrics (8888)
                                                                                   GANTRY_EXTENDER_PORT
          --probe-port N              /healthz, /readyz, /metrics on 0.0.0.0:N as well (8081; 0: off)
                                                                                   GANTRY_EXTENDER_PROBE_PORT
          --path-prefix PATH          path of the verbs, kube-scheduler's urlPrefix path (default /gantry)
                                                                                   GANTRY_EXTENDER_PATH_PREFIX
          --kubeconfig PATH           kubeconfig (default: KUBECONFIG, in-cluster, ~/.kube/config)
          --context NAME              kubeconfig context
          --reservation-ttl DURATION  how long gang reservations hold devices (default 2m)
                                                                                   GANTRY_RESERVATION_TTL
          --thermal-stale-after DURATION
                                      temperatures older than this are unknown, unless the pool says (2m)
                                                                                   GANTRY_THERMAL_STALE_AFTER
          --log-level LEVEL           trace, debug, info, warning, error (info)    GANTRY_LOG_LEVEL
          --log-format FORMAT         logfmt or json (logfmt)                      GANTRY_LOG_FORMAT
          --max-body-bytes N          largest request body (67108864)              GANTRY_EXTENDER_MAX_BODY_BYTES
          --decisions-kept N          pods whose last decision /debug/pods keeps (2048)
          --score-weights LIST        prioritize policies and weights for nodes outside any ResourcePool
                                      (default fragmentation=2,device-binpack=1,thermal-headroom=1,gang-affinity=1;
                                      also node-binpack, node-spread, device-spread)  GANTRY_SCORE_WEIGHTS
          -h, --help                  this text

        Durations are Go durations ("90s", "2m") or plain seconds.
        """

    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public var description: String
        public init(_ d: String) { description = d }
    }

    /// Environment first, then flags over it.
    public static func parse(arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> ExtenderConfiguration
    {
        var c = ExtenderConfiguration()
        let env: [(String, String)] = [
            ("GANTRY_EXTENDER_HOST", "host"), ("GANTRY_EXTENDER_PORT", "port"), ("GANTRY_EXTENDER_PROBE_PORT", "probe-port"), ("GANTRY_EXTENDER_PATH_PREFIX", "path-prefix"),
            ("GANTRY_RESERVATION_TTL", "reservation-ttl"), ("GANTRY_THERMAL_STALE_AFTER", "thermal-stale-after"),
            ("GANTRY_LOG_LEVEL", "log-level"), ("GANTRY_LOG_FORMAT", "log-format"),
            ("GANTRY_EXTENDER_MAX_BODY_BYTES", "max-body-bytes"), ("GANTRY_SCORE_WEIGHTS", "score-weights"),
        ]
        for (variable, flag) in env {
            if let v = environment[variable], !v.isEmpty { try c.set(flag, v, source: variable) }
        }
        var i = 0
        while i < arguments.count {
            var a = arguments[i]
            guard a.hasPrefix("-") else { throw Invalid("unexpected argument \(a)") }
            a = String(a.drop { $0 == "-" })
            if a == "h" || a == "help" { throw Invalid(usage) }
            var value: String
            if let eq = a.firstIndex(of: "=") {
                value = String(a[a.index(after: eq)...])
                a = String(a[..<eq])
            } else {
                guard i + 1 < arguments.count else { throw Invalid("--\(a) needs a value") }
                value = arguments[i + 1]
                i += 1
            }
            try c.set(a, value, source: "--\(a)")
            i += 1
        }
        return c
    }

    mutating func set(_ flag: String, _ value: String, source: String) throws {
        switch flag {
        case "host": host = value
        case "port":
            guard let n = Int(value), (0...65535).contains(n) else { throw Invalid("\(source): port must be 0...65535, got \(value)") }
            port = n
        case "probe-port":
            guard let n = Int(value), (0...65535).contains(n) else { throw Invalid("\(source): port must be 0...65535, got \(value)") }
            probePort = n
        case "path-prefix":
            var p = value
            while p.hasSuffix("/") { p.removeLast() }
            if !p.isEmpty && !p.hasPrefix("/") { p = "/" + p }
            pathPrefix = p
        case "kubeconfig": kubeconfig = value.isEmpty ? nil : value
        case "context": context = value.isEmpty ? nil : value
        case "reservation-ttl": reservationTTL = try Self.duration(value, source, minimum: 1)
        case "thermal-stale-after": thermalStaleAfter = try Self.duration(value, source, minimum: 1)
        case "log-level":
            guard let l = LogLevel(name: value) else { throw Invalid("\(source): unknown log level \(value)") }
            logLevel = l
        case "log-format":
            guard let f = LogFormat(rawValue: value) else { throw Invalid("\(source): log format must be logfmt or json, got \(value)") }
            logFormat = f
        case "max-body-bytes":
            guard let n = Int(value), n >= 1024 else { throw Invalid("\(source): must be an integer ≥ 1024, got \(value)") }
            maxBodyBytes = n
        case "decisions-kept":
            guard let n = Int(value), n >= 1, n <= 1_000_000 else { throw Invalid("\(source): must be 1...1000000, got \(value)") }
            decisionsKept = n
        case "score-weights":
            defaultProfile = try Self.profile(value, source)
        default:
            throw Invalid("unknown flag --\(flag)")
        }
    }

    /// `policy=weight,...` with the engine's policy names.
    static func profile(_ text: String, _ source: String) throws -> ScoringProfile {
        var weights: [ScorePolicy: Double] = [:]
        for part in text.split(separator: ",") {
            let kv = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2, let w = Double(kv[1]), w.isFinite, w >= 0, w <= 1000 else {
                throw Invalid("\(source): expected policy=weight with a weight in 0...1000, got \(part)")
            }
            guard let p = ScorePolicy(rawValue: kv[0]) else {
                throw Invalid("\(source): unknown score policy \(kv[0]) (\(ScorePolicy.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            weights[p] = w
        }
        let profile = ScoringProfile(weights)
        guard profile.totalWeight > 0 else { throw Invalid("\(source): at least one weight must be positive") }
        return profile
    }

    /// Go duration ("1m30s", "250ms") or plain seconds.
    static func duration(_ text: String, _ source: String, minimum: Double) throws -> Double {
        if let s = Double(text), s.isFinite, s >= minimum, s <= 86_400 * 365 { return s }
        var total = 0.0
        var number = ""
        var rest = Substring(text)
        guard !rest.isEmpty else { throw Invalid("\(source): empty duration") }
        while !rest.isEmpty {
            number = String(rest.prefix { $0.isNumber || $0 == "." })
            rest = rest.dropFirst(number.count)
            let unit = String(rest.prefix { !$0.isNumber && $0 != "." })
            rest = rest.dropFirst(unit.count)
            guard let n = Double(number) else { throw Invalid("\(source): invalid duration \(text)") }
            let scale: Double
            switch unit {
            case "ms": scale = 0.001
            case "s": scale = 1
            case "m": scale = 60
            case "h": scale = 3600
            default: throw Invalid("\(source): invalid duration \(text) (units ms, s, m, h)")
            }
            total += n * scale
        }
        guard total >= minimum, total <= 86_400 * 365 else { throw Invalid("\(source): duration \(text) out of range") }
        return total
    }
}

