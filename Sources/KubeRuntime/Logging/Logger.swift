// Logger: structured logs as logfmt or JSON lines on stderr, one line per record, without a package.
//
// A `Logger` is a cheap value (label, level, fixed fields, sink) passed down and refined with `with(...)`.
// Each line is written with a single write(2), so lines from many threads never interleave.

import Foundation
import Synchronization

public enum LogLevel: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    case trace, debug, info, warning, error

    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }

    public var description: String {
        switch self {
        case .trace: "trace"
        case .debug: "debug"
        case .info: "info"
        case .warning: "warning"
        case .error: "error"
        }
    }

    /// Parses "trace", "debug", "info", "warn"/"warning", "error" (any case).
    public init?(name: String) {
        switch name.lowercased() {
        case "trace": self = .trace
        case "debug": self = .debug
        case "info": self = .info
        case "warn", "warning": self = .warning
        case "error": self = .error
        default: return nil
        }
    }
}

public enum LogFormat: String, Sendable {
    /// `time=… level=info logger=… msg="…" key=value`
    case logfmt
    /// `{"time":"…","level":"info","logger":"…","msg":"…","key":"value"}`
    case json
}

/// Where formatted lines go. `standardError` in processes; `collecting` in tests.
public struct LogSink: Sendable {
    public let write: @Sendable (_ line: String) -> Void

    public init(write: @escaping @Sendable (_ line: String) -> Void) { self.write = write }

    public static let standardError = LogSink { line in
        var bytes = Array(line.utf8)
        bytes.append(0x0A)
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(2, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { if n < 0 && errno == EINTR { continue }; return }
                offset += n
            }
        }
    }

    /// Keeps lines in memory (for tests).
    public static func collecting(into lines: LogLines) -> LogSink { LogSink { lines.append($0) } }

    public static let discarding = LogSink { _ in }
}

/// Lines captured by `LogSink.collecting`.
public final class LogLines: Sendable {
    private let storage = Mutex<[String]>([])
    public init() {}
    public func append(_ line: String) { storage.withLock { $0.append(line) } }
    public var all: [String] { storage.withLock { $0 } }
}

public struct Logger: Sendable {
    public var label: String
    public var level: LogLevel
    public var format: LogFormat
    /// Fields added to every line, in order.
    public var fields: [(String, String)]
    public var sink: LogSink
    /// Timestamps; injectable so tests get stable output.
    public var clock: @Sendable () -> Date

    public init(label: String, level: LogLevel = .info, format: LogFormat = .logfmt, sink: LogSink = .standardError,
                clock: @escaping @Sendable () -> Date = { Date() }) {
        self.label = label
        self.level = level
        self.format = format
        self.fields = []
        self.sink = sink
        self.clock = clock
    }

    /// Level and format from `GANTRY_LOG_LEVEL` and `GANTRY_LOG_FORMAT` (logfmt | json), else info/logfmt.
    public static func fromEnvironment(label: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> Logger {
        Logger(label: label, level: environment["GANTRY_LOG_LEVEL"].flatMap(LogLevel.init(name:)) ?? .info,
               format: environment["GANTRY_LOG_FORMAT"].flatMap(LogFormat.init(rawValue:)) ?? .logfmt)
    }

    /// A logger with extra fixed fields (e.g. `controller`, `key`).
    public func with(_ extra: KeyValuePairs<String, any Sendable>) -> Logger {
        var copy = self
        for (k, v) in extra { copy.fields.append((k, String(describing: v))) }
        return copy
    }

    public func with(label: String) -> Logger {
        var copy = self
        copy.label = label
        return copy
    }

    public func isEnabled(_ level: LogLevel) -> Bool { level >= self.level }

    public func log(_ level: LogLevel, _ message: @autoclosure () -> String, _ extra: KeyValuePairs<String, any Sendable> = [:]) {
        guard level >= self.level else { return }
        var all = fields
        for (k, v) in extra { all.append((k, String(describing: v))) }
        sink.write(render(level: level, message: message(), fields: all))
    }

    public func trace(_ message: @autoclosure () -> String, _ extra: KeyValuePairs<String, any Sendable> = [:]) {
        log(.trace, message(), extra)
    }
    public func debug(_ message: @autoclosure () -> String, _ extra: KeyValuePairs<String, any Sendable> = [:]) {
        log(.debug, message(), extra)
    }
    public func info(_ message: @autoclosure () -> String, _ extra: KeyValuePairs<String, any Sendable> = [:]) {
        log(.info, message(), extra)
    }
    public func warning(_ message: @autoclosure () -> String, _ extra: KeyValuePairs<String, any Sendable> = [:]) {
        log(.warning, message(), extra)
    }
    public func error(_ message: @autoclosure () -> String, _ extra: KeyValuePairs<String, any Sendable> = [:]) {
        log(.error, message(), extra)
    }

    func render(level: LogLevel, message: String, fields: [(String, String)]) -> String {
        let time = Self.timestamp(clock())
        switch format {
        case .logfmt:
            var line = "time=\(time) level=\(level) logger=\(Self.logfmtValue(label)) msg=\(Self.logfmtValue(message))"
            for (k, v) in fields {
                line += " \(Self.logfmtKey(k))=\(Self.logfmtValue(v))"
            }
            return line
        case .json:
            var line = "{\"time\":\"\(time)\",\"level\":\"\(level)\",\"logger\":\(Self.jsonString(label)),\"msg\":\(Self.jsonString(message))"
            for (k, v) in fields {
                line += ",\(Self.jsonString(k)):\(Self.jsonString(v))"
            }
            return line + "}"
        }
    }

    /// RFC 3339 with milliseconds, UTC.
    static func timestamp(_ date: Date) -> String { LogTimestamp.format(date) }

    /// Keys: anything outside [A-Za-z0-9_.-/] becomes `_` (logfmt keys cannot be quoted).
    static func logfmtKey(_ key: String) -> String {
        var out = ""
        for scalar in key.unicodeScalars {
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "_", ".", "-", "/": out.unicodeScalars.append(scalar)
            default: out.append("_")
            }
        }
        return out.isEmpty ? "_" : out
    }

    /// Values are quoted when they contain spaces, `=`, quotes, control characters or are empty.
    static func logfmtValue(_ value: String) -> String {
        var needsQuotes = value.isEmpty
        for scalar in value.unicodeScalars where scalar == " " || scalar == "=" || scalar == "\"" || scalar.value < 0x20 || scalar == "\\" {
            needsQuotes = true
            break
        }
        guard needsQuotes else { return value }
        return jsonString(value)
    }

    static func jsonString(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                        + String(scalar.value, radix: 16)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

/// `2026-11-20T10:00:00.123Z`, formatted by hand (Foundation's formatters are slow and not Sendable).
enum LogTimestamp {
    static func format(_ date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var seconds = millis / 1000
        var ms = millis % 1000
        if ms < 0 { ms += 1000; seconds -= 1 }
        var days = seconds / 86_400
        var rem = seconds % 86_400
        if rem < 0 { rem += 86_400; days -= 1 }
        // civil_from_days (Howard Hinnant)
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        func pad(_ v: Int64, _ w: Int) -> String {
            let s = String(v)
            return s.count >= w ? s : String(repeating: "0", count: w - s.count) + s
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(rem / 3600, 2)):\(pad(rem % 3600 / 60, 2)):\(pad(rem % 60, 2)).\(pad(ms, 3))Z"
    }
}
