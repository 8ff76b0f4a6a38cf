// YAMLScalarResolver: what a YAML scalar means, decided the way kubectl decides it.
//
// kubectl and sigs.k8s.io/yaml read YAML with go-yaml v2 (YAML 1.1 flavoured) and then convert the result to
// JSON. This file reproduces go-yaml v2's `resolve` (resolve.go) spelling for spelling, so a manifest means
// the same thing here as it does to kubectl: `yes`/`on`/`y` are booleans, `0777` is octal, `1_000` is 1000,
// `2024-01-02` is a timestamp (serialised to JSON as RFC 3339), and a quoted scalar is always a string.

import Foundation

/// A resolved YAML scalar, before it becomes JSON.
enum YAMLScalar: Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    /// An integer above `Int64.max` (go-yaml returns a uint64).
    case uint(UInt64)
    case float(Double)
    case string(String)
    /// A timestamp, already in the text Go's encoding/json writes for a time.Time (RFC 3339, nanoseconds trimmed).
    case timestamp(String)
}

enum YAMLTag {
    static let prefix = "tag:yaml.org,2002:"
    static let str = prefix + "str"
    static let bool = prefix + "bool"
    static let int = prefix + "int"
    static let float = prefix + "float"
    static let null = prefix + "null"
    static let timestamp = prefix + "timestamp"
    static let binary = prefix + "binary"
    static let merge = prefix + "merge"

    /// `!!str` for `tag:yaml.org,2002:str`, for messages.
    static func short(_ tag: String) -> String {
        tag.hasPrefix(prefix) ? "!!" + tag.dropFirst(prefix.count) : tag
    }
}

enum YAMLScalarResolver {
    struct TagMismatch: Error {
        var message: String
    }

    /// Resolves a scalar event. `tag` is the explicit tag (nil when none); `plainImplicit` is libyaml's flag,
    /// true for an untagged plain scalar and false for a quoted one.
    static func resolve(value: String, tag: String?, plainImplicit: Bool) throws -> YAMLScalar {
        guard let tag, !tag.isEmpty else {
            // Quoted scalars are strings; only plain ones are resolved.
            return plainImplicit ? implicit(value, allowTimestamp: true) : .string(value)
        }
        switch tag {
        case YAMLTag.str:
            return .string(value)
        case YAMLTag.binary:
            let compact = value.filter { !$0.isWhitespace }
            guard let data = Data(base64Encoded: compact) else {
                throw TagMismatch(message: "!!binary value contains invalid base64 data")
            }
            return .string(String(decoding: data, as: UTF8.self))
        case YAMLTag.bool, YAMLTag.int, YAMLTag.float, YAMLTag.null, YAMLTag.timestamp:
            let resolved = implicit(value, allowTimestamp: tag == YAMLTag.timestamp)
            if resolvedTag(resolved) == tag { return resolved }
            // go-yaml lets an integer through as a float when the tag asks for one.
            if tag == YAMLTag.float, case .int(let i) = resolved { return .float(Double(i)) }
            throw TagMismatch(
                message: "cannot decode \(YAMLTag.short(resolvedTag(resolved))) `\(value)` as a \(YAMLTag.short(tag))")
        default:
            // Unknown and local tags (`!foo`, `!`) leave the text as a string, as go-yaml does.
            return .string(value)
        }
    }

    private static func resolvedTag(_ s: YAMLScalar) -> String {
        switch s {
        case .null: return YAMLTag.null
        case .bool: return YAMLTag.bool
        case .int, .uint: return YAMLTag.int
        case .float: return YAMLTag.float
        case .string: return YAMLTag.str
        case .timestamp: return YAMLTag.timestamp
        }
    }

    // go-yaml v2 resolve.go: the exact spellings it maps.
    private static let table: [String: YAMLScalar] = {
        var t: [String: YAMLScalar] = [:]
        for s in ["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"] { t[s] = .bool(true) }
        for s in ["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"] { t[s] = .bool(false) }
        for s in ["", "~", "null", "Null", "NULL"] { t[s] = .null }
        for s in [".nan", ".NaN", ".NAN"] { t[s] = .float(.nan) }
        for s in [".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"] { t[s] = .float(.infinity) }
        for s in ["-.inf", "-.Inf", "-.INF"] { t[s] = .float(-.infinity) }
        return t
    }()

    private enum Hint { case none, sign, digit, map, dot }

    private static func hint(_ first: UInt8) -> Hint {
        switch first {
        case UInt8(ascii: "+"), UInt8(ascii: "-"): return .sign
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return .digit
        case UInt8(ascii: "."): return .dot
        default:
            return "yYnNtTfFoO~".utf8.contains(first) ? .map : .none
        }
    }

    /// go-yaml v2 `resolve("", in)`: the type of an untagged plain scalar.
    static func implicit(_ text: String, allowTimestamp: Bool) -> YAMLScalar {
        let bytes = Array(text.utf8)
        // The first byte decides which checks apply, exactly as go-yaml's resolveTable does; "" is null.
        let h: Hint = bytes.first.map(hint) ?? .map
        guard h != .none else { return .string(text) }
        // ("<<" is in go-yaml's map too, but '<' has no hint so it never resolves there: merge keys are
        // recognised by the reader from the plain text instead.)
        if let known = table[text] { return known }
        switch h {
        case .none, .map:
            return .string(text)
        case .dot:
            if let d = GoNumber.parseFloatStartingWithDot(bytes) { return .float(d) }
            return .string(text)
        case .digit, .sign:
            if allowTimestamp, let ts = YAMLTimestamp.parse(bytes) { return .timestamp(ts) }
            let plain = bytes.filter { $0 != UInt8(ascii: "_") }
            if let i = GoNumber.parseInt(plain) { return .int(i) }
            if let u = GoNumber.parseUint(plain) { return .uint(u) }
            if GoNumber.isYAMLStyleFloat(plain), let d = Double(String(decoding: plain, as: UTF8.self)), d.isFinite {
                return .float(d)
            }
            return .string(text)
        }
    }

    /// Strings that must be quoted when written so they read back as strings: anything a plain scalar
    /// would resolve to another type, the merge key `<<`, and YAML 1.1 base-60 numbers (`1:20`) that other
    /// YAML 1.1 readers take for integers (go-yaml quotes them for the same reason).
    static func needsQuotes(_ s: String) -> Bool {
        if s == "<<" || implicit(s, allowTimestamp: true) != .string(s) { return true }
        return isBase60(s)
    }

    private static func isBase60(_ s: String) -> Bool {
        // [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?
        var b = Array(s.utf8)[...]
        if let f = b.first, f == UInt8(ascii: "+") || f == UInt8(ascii: "-") { b = b.dropFirst() }
        guard let first = b.first, isDigit(first) else { return false }
        var i = b.startIndex
        while i < b.endIndex, isDigit(b[i]) || b[i] == UInt8(ascii: "_") { i += 1 }
        var groups = 0
        while i < b.endIndex, b[i] == UInt8(ascii: ":") {
            i += 1
            let start = i
            while i < b.endIndex, isDigit(b[i]), i - start < 2 { i += 1 }
            guard i > start else { return false }
            if i - start == 2, b[start] > UInt8(ascii: "5") { return false }
            groups += 1
        }
        guard groups > 0 else { return false }
        if i < b.endIndex, b[i] == UInt8(ascii: ".") {
            i += 1
            while i < b.endIndex, isDigit(b[i]) || b[i] == UInt8(ascii: "_") { i += 1 }
        }
        return i == b.endIndex
    }

    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
}

/// The parts of Go's strconv that go-yaml relies on.
enum GoNumber {
    /// strconv.ParseInt(s, 0, 64): optional sign, then 0x / 0o / 0b / leading-0 octal / decimal.
    static func parseInt(_ s: [UInt8]) -> Int64? {
        var b = s[...]
        var negative = false
        if let f = b.first, f == UInt8(ascii: "+") || f == UInt8(ascii: "-") {
            negative = f == UInt8(ascii: "-")
            b = b.dropFirst()
        }
        guard let magnitude = parseUnsigned(b) else { return nil }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    /// strconv.ParseUint(s, 0, 64): no sign allowed.
    static func parseUint(_ s: [UInt8]) -> UInt64? { parseUnsigned(s[...]) }

    private static func parseUnsigned(_ s: ArraySlice<UInt8>) -> UInt64? {
        var b = s
        guard !b.isEmpty else { return nil }
        var base: UInt64 = 10
        if b.count >= 2, b[b.startIndex] == UInt8(ascii: "0") {
            switch b[b.startIndex + 1] | 0x20 {
            case UInt8(ascii: "x"): base = 16; b = b.dropFirst(2)
            case UInt8(ascii: "o"): base = 8; b = b.dropFirst(2)
            case UInt8(ascii: "b"): base = 2; b = b.dropFirst(2)
            default: base = 8; b = b.dropFirst(1)
            }
            guard !b.isEmpty else { return nil }
        }
        var v: UInt64 = 0
        for c in b {
            let d: UInt64
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt64(c - 48)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt64(c - 87)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt64(c - 55)
            default: return nil
            }
            guard d < base else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: base)
            let (a, o2) = m.addingReportingOverflow(d)
            if o1 || o2 { return nil }
            v = a
        }
        return v
    }

    /// go-yaml's `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
    static func isYAMLStyleFloat(_ s: [UInt8]) -> Bool {
        var i = 0
        let n = s.count
        func digits() -> Int {
            let start = i
            while i < n, YAMLScalarResolver.isDigit(s[i]) { i += 1 }
            return i - start
        }
        if i < n, s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-") { i += 1 }
        if i < n, s[i] == UInt8(ascii: ".") {
            i += 1
            guard digits() > 0 else { return false }
        } else {
            guard digits() > 0 else { return false }
            if i < n, s[i] == UInt8(ascii: ".") {
                i += 1
                _ = digits()
            }
        }
        if i < n, s[i] == UInt8(ascii: "e") || s[i] == UInt8(ascii: "E") {
            i += 1
            if i < n, s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { return false }
        }
        return i == n
    }

    /// strconv.ParseFloat for a text starting with '.': `.5`, `.5e3`, with Go's digit-separator underscores.
    static func parseFloatStartingWithDot(_ s: [UInt8]) -> Double? {
        // Underscores must sit between digits (Go's underscoreOK); then they are ignored.
        var previous: UInt8 = 0
        for c in s {
            if c == UInt8(ascii: "_") {
                guard YAMLScalarResolver.isDigit(previous) else { return nil }
            } else if previous == UInt8(ascii: "_"), !YAMLScalarResolver.isDigit(c) {
                return nil
            }
            previous = c
        }
        guard previous != UInt8(ascii: "_") else { return nil }
        let plain = s.filter { $0 != UInt8(ascii: "_") }
        guard isYAMLStyleFloat(plain), plain.first == UInt8(ascii: ".") else { return nil }
        guard let d = Double(String(decoding: plain, as: UTF8.self)), d.isFinite else { return nil }
        return d
    }

    /// strconv.FormatFloat(v, 'g', -1, 32): how sigs.k8s.io/yaml turns a float map key into a JSON key.
    static func formatFloat32G(_ value: Double) -> String {
        if value.isNaN { return ".nan" }
        if value.isInfinite { return value > 0 ? ".inf" : "-.inf" }
        let f = Float(value)
        if f == 0 { return f.sign == .minus ? "-0" : "0" }
        // Swift prints the shortest round-trip digits; take them apart into digits and a decimal point position.
        var text = f.magnitude.description
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...]) ?? 0
            text = String(text[..<e])
        }
        var intPart = text
        var fracPart = ""
        if let dot = text.firstIndex(of: ".") {
            intPart = String(text[..<dot])
            fracPart = String(text[text.index(after: dot)...])
        }
        var digits = Array((intPart + fracPart).utf8)
        var point = intPart.count + exponent  // digits before the decimal point
        while digits.first == UInt8(ascii: "0"), digits.count > 1 {
            digits.removeFirst()
            point -= 1
        }
        while digits.last == UInt8(ascii: "0"), digits.count > 1 { digits.removeLast() }
        let sign = f < 0 ? "-" : ""
        let x = point - 1
        let d = String(decoding: digits, as: UTF8.self)
        if x < -4 || x >= 6 {
            // %e with the shortest digits and at least two exponent digits.
            var mantissa = String(d.prefix(1))
            if digits.count > 1 { mantissa += "." + d.dropFirst() }
            let e = abs(x) < 10 ? "0\(abs(x))" : "\(abs(x))"
            return sign + mantissa + "e" + (x < 0 ? "-" : "+") + e
        }
        if point <= 0 { return sign + "0." + String(repeating: "0", count: -point) + d }
        if point >= digits.count { return sign + d + String(repeating: "0", count: point - digits.count) }
        return sign + d.prefix(point) + "." + d.dropFirst(point)
    }
}

/// go-yaml v2's timestamp resolution: the four layouts it tries, and the RFC 3339 text Go's JSON encoder
/// then writes for the time.Time (what kubectl sends to the API server for an unquoted date).
enum YAMLTimestamp {
    static func parse(_ b: [UInt8]) -> String? {
        // Quick check, as go-yaml: exactly four digits then '-'.
        guard b.count >= 5, b[0...3].allSatisfy(YAMLScalarResolver.isDigit), b[4] == UInt8(ascii: "-") else {
            return nil
        }
        var i = 5
        func number(maxDigits: Int) -> Int? {
            let start = i
            var v = 0
            while i < b.count, i - start < maxDigits, YAMLScalarResolver.isDigit(b[i]) {
                v = v * 10 + Int(b[i] - 48)
                i += 1
            }
            return i > start ? v : nil
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        let year = Int(b[0] - 48) * 1000 + Int(b[1] - 48) * 100 + Int(b[2] - 48) * 10 + Int(b[3] - 48)
        guard let month = number(maxDigits: 2), expect(UInt8(ascii: "-")), let day = number(maxDigits: 2) else { return nil }
        guard (1...12).contains(month), day >= 1, day <= RFC3339.daysIn(month: Int64(month), year: Int64(year)) else {
            return nil
        }
        var hour = 0, minute = 0, second = 0, nanos = 0, fractionDigits = 0
        var offsetMinutes = 0
        if i == b.count {
            return format(year, month, day, 0, 0, 0, 0, 0, 0)
        }
        // "2006-1-2T15:4:5.999999999Z07:00", lower-case "t", or "2006-1-2 15:4:5.999999999" without a zone.
        let separator = b[i]
        guard separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t") || separator == UInt8(ascii: " ") else {
            return nil
        }
        i += 1
        guard let h = number(maxDigits: 2), expect(UInt8(ascii: ":")), let m = number(maxDigits: 2),
            expect(UInt8(ascii: ":")), let s = number(maxDigits: 2)
        else { return nil }
        guard h < 24, m < 60, s < 60 else { return nil }
        (hour, minute, second) = (h, m, s)
        if i + 1 < b.count, b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: ","), YAMLScalarResolver.isDigit(b[i + 1]) {
            i += 1
            while i < b.count, YAMLScalarResolver.isDigit(b[i]) {
                if fractionDigits < 9 {
                    nanos = nanos * 10 + Int(b[i] - 48)
                    fractionDigits += 1
                }
                i += 1
            }
            for _ in fractionDigits..<9 { nanos *= 10 }
        }
        if separator == UInt8(ascii: " ") {
            return i == b.count ? format(year, month, day, hour, minute, second, nanos, 0, 0) : nil
        }
        guard i < b.count else { return nil }
        if b[i] == UInt8(ascii: "Z") {
            i += 1
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            let negative = b[i] == UInt8(ascii: "-")
            i += 1
            guard i + 5 <= b.count, b[i...(i + 1)].allSatisfy(YAMLScalarResolver.isDigit), b[i + 2] == UInt8(ascii: ":"),
                b[(i + 3)...(i + 4)].allSatisfy(YAMLScalarResolver.isDigit)
            else { return nil }
            let oh = Int(b[i] - 48) * 10 + Int(b[i + 1] - 48)
            let om = Int(b[i + 3] - 48) * 10 + Int(b[i + 4] - 48)
            guard oh <= 24, om <= 60 else { return nil }
            offsetMinutes = (oh * 60 + om) * (negative ? -1 : 1)
            i += 5
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        return format(year, month, day, hour, minute, second, nanos, offsetMinutes, 1)
    }

    /// Go's RFC3339Nano layout: fraction without trailing zeros, `Z` for a zero offset.
    private static func format(
        _ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int, _ second: Int, _ nanos: Int,
        _ offsetMinutes: Int, _: Int
    ) -> String {
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
        }
        var out = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2))"
        if nanos > 0 {
            var frac = pad(nanos, 9)
            while frac.hasSuffix("0") { frac.removeLast() }
            out += "." + frac
        }
        if offsetMinutes == 0 {
            out += "Z"
        } else {
            let m = abs(offsetMinutes)
            out += (offsetMinutes < 0 ? "-" : "+") + pad(m / 60, 2) + ":" + pad(m % 60, 2)
        }
        return out
    }
}
