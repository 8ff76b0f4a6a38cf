// JSONParser: strict RFC 8259 parsing of bytes into `JSONValue`.
//
// Input comes from the network, so every error is a thrown `JSONSyntaxError` with its position, nesting is
// bounded (a deep document must not overflow the stack), and invalid UTF-8 inside strings is replaced with
// U+FFFD the way Go's encoding/json does rather than rejected.

import Foundation

public struct JSONSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    /// Byte offset from the start of the input.
    public var offset: Int
    /// 1-based line and column (column counts bytes).
    public var line: Int
    public var column: Int

    public var description: String { "invalid JSON at line \(line), column \(column): \(message)" }
}

public enum JSONParser {
    /// Nesting deeper than this is rejected. Kubernetes objects nest a few dozen levels at most.
    public static let maximumDepth = 512

    public static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        try bytes.withUnsafeBufferPointer { try parse($0) }
    }

    public static func parse(_ data: Data) throws -> JSONValue {
        try data.withUnsafeBytes { raw in
            try parse(UnsafeBufferPointer(start: raw.baseAddress?.assumingMemoryBound(to: UInt8.self), count: raw.count))
        }
    }

    public static func parse(_ text: String) throws -> JSONValue {
        var text = text
        return try text.withUTF8 { try parse($0) }
    }

    public static func parse(_ buffer: UnsafeBufferPointer<UInt8>) throws -> JSONValue {
        var reader = Reader(buffer: buffer)
        defer {
            reader.values.destroy()
            reader.members.destroy()
        }
        reader.skipWhitespace()
        let value = try reader.parseValue(depth: 0)
        reader.skipWhitespace()
        if reader.position < buffer.count {
            throw reader.error("unexpected content after the top-level value")
        }
        return value
    }
}

private struct Reader {
    let buffer: UnsafeBufferPointer<UInt8>
    var position = 0
    // Containers collect their members on these shared stacks and move them out once, at their exact
    // size, instead of growing a fresh array per object.
    var values = MoveStack<JSONValue>(capacity: 64)
    var members = MoveStack<JSONObject.Entry>(capacity: 64)
    let interner = StringInterner.current

    init(buffer: UnsafeBufferPointer<UInt8>) { self.buffer = buffer }

    func error(_ message: String, at offset: Int? = nil) -> JSONSyntaxError {
        let offset = min(offset ?? position, buffer.count)
        var line = 1
        var column = 1
        for i in 0..<offset {
            if buffer[i] == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return JSONSyntaxError(message: message, offset: offset, line: line, column: column)
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while position < buffer.count {
            switch buffer[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    mutating func parseValue(depth: Int) throws -> JSONValue {
        guard position < buffer.count else { throw error("unexpected end of input") }
        switch buffer[position] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try parseNumber()
        default:
            throw error("unexpected character '\(printable(buffer[position]))'")
        }
    }

    private func printable(_ byte: UInt8) -> String {
        byte >= 0x20 && byte < 0x7F ? String(UnicodeScalar(byte)) : String(format: "\\x%02X", byte)
    }

    mutating func expectLiteral(_ literal: StaticString) throws {
        let n = literal.utf8CodeUnitCount
        guard position + n <= buffer.count else { throw error("unexpected end of input in literal") }
        let start = literal.utf8Start
        for i in 0..<n where buffer[position + i] != start[i] {
            throw error("invalid literal, expected \(literal)")
        }
        position += n
    }

    mutating func parseObject(depth: Int) throws -> JSONValue {
        guard depth <= JSONParser.maximumDepth else { throw error("nesting deeper than \(JSONParser.maximumDepth)") }
        position += 1  // {
        skipWhitespace()
        if position < buffer.count, buffer[position] == UInt8(ascii: "}") {
            position += 1
            return .object(JSONObject())
        }
        let base = members.count
        while true {
            skipWhitespace()
            guard position < buffer.count else { throw error("unexpected end of input in object") }
            guard buffer[position] == UInt8(ascii: "\"") else { throw error("expected a string key in object") }
            let key = try parseString()
            skipWhitespace()
            guard position < buffer.count, buffer[position] == UInt8(ascii: ":") else {
                throw error("expected ':' after object key")
            }
            position += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            members.push(JSONObject.Entry(key, value))
            skipWhitespace()
            guard position < buffer.count else { throw error("unexpected end of input in object") }
            let c = buffer[position]
            position += 1
            if c == UInt8(ascii: ",") { continue }
            if c == UInt8(ascii: "}") { break }
            throw error("expected ',' or '}' in object", at: position - 1)
        }
        let count = members.count - base
        if count > 24 {
            // Large object: let JSONObject's index de-duplicate (last wins, as in Go).
            var object = JSONObject()
            for e in members.popArray(from: base) { object[e.key] = e.value }
            return .object(object)
        }
        // Duplicate keys are rare: compare lengths pairwise and only then the keys.
        let m = members.base + base
        var duplicate = false
        outer: for i in 1..<max(count, 1) {
            let length = m[i].key.utf8.count
            for j in 0..<i where m[j].key.utf8.count == length && m[j].key == m[i].key {
                duplicate = true
                break outer
            }
        }
        var unique = members.popArray(from: base)
        if duplicate {
            // Last value wins, in the position of the first occurrence.
            var i = 1
            while i < unique.count {
                if let j = unique[..<i].firstIndex(where: { $0.key == unique[i].key }) {
                    unique[j].value = unique[i].value
                    unique.remove(at: i)
                } else {
                    i += 1
                }
            }
        }
        return .object(JSONObject(uniqueEntries: unique))
    }

    mutating func parseArray(depth: Int) throws -> JSONValue {
        guard depth <= JSONParser.maximumDepth else { throw error("nesting deeper than \(JSONParser.maximumDepth)") }
        position += 1  // [
        skipWhitespace()
        if position < buffer.count, buffer[position] == UInt8(ascii: "]") {
            position += 1
            return .array([])
        }
        let base = values.count
        while true {
            skipWhitespace()
            values.push(try parseValue(depth: depth))
            skipWhitespace()
            guard position < buffer.count else { throw error("unexpected end of input in array") }
            let c = buffer[position]
            position += 1
            if c == UInt8(ascii: ",") { continue }
            if c == UInt8(ascii: "]") { return .array(values.popArray(from: base)) }
            throw error("expected ',' or ']' in array", at: position - 1)
        }
    }

    mutating func parseString() throws -> String {
        position += 1  // opening quote
        let start = position
        // Fast path: no escapes. Skip eight plain bytes at a time, and jump straight to the first special
        // byte of a word (usually the closing quote) instead of walking to it.
        if let base = buffer.baseAddress {
            while position + 8 <= buffer.count {
                let special = Self.specialBytes(UnsafeRawPointer(base + position).loadUnaligned(as: UInt64.self))
                if special != 0 {
                    position += special.trailingZeroBitCount >> 3
                    break
                }
                position += 8
            }
        }
        while position < buffer.count {
            let c = buffer[position]
            if c == UInt8(ascii: "\"") {
                let length = position - start
                position += 1
                if length <= StringInterner.maximumLength, let base = buffer.baseAddress {
                    return interner.string(base + start, count: length, readable: buffer.count - start)
                }
                return String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<(start + length)]), as: UTF8.self)
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw error("control character in string") }
            position += 1
        }
        guard position < buffer.count else { throw error("unterminated string", at: start - 1) }
        // Slow path with escapes.
        var bytes = [UInt8](UnsafeBufferPointer(rebasing: buffer[start..<position]))
        while position < buffer.count {
            let c = buffer[position]
            if c == UInt8(ascii: "\"") {
                position += 1
                return String(decoding: bytes, as: UTF8.self)
            }
            if c < 0x20 { throw error("control character in string") }
            if c != UInt8(ascii: "\\") {
                bytes.append(c)
                position += 1
                continue
            }
            position += 1
            guard position < buffer.count else { break }
            let e = buffer[position]
            position += 1
            switch e {
            case UInt8(ascii: "\""): bytes.append(0x22)
            case UInt8(ascii: "\\"): bytes.append(0x5C)
            case UInt8(ascii: "/"): bytes.append(0x2F)
            case UInt8(ascii: "b"): bytes.append(0x08)
            case UInt8(ascii: "f"): bytes.append(0x0C)
            case UInt8(ascii: "n"): bytes.append(0x0A)
            case UInt8(ascii: "r"): bytes.append(0x0D)
            case UInt8(ascii: "t"): bytes.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try readHex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    // A high surrogate must be followed by \u low surrogate; otherwise it becomes U+FFFD.
                    if position + 6 <= buffer.count, buffer[position] == UInt8(ascii: "\\"),
                        buffer[position + 1] == UInt8(ascii: "u")
                    {
                        let save = position
                        position += 2
                        let low = try readHex4()
                        if (0xDC00...0xDFFF).contains(low) {
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            position = save
                            scalar = 0xFFFD
                        }
                    } else {
                        scalar = 0xFFFD
                    }
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    scalar = 0xFFFD
                }
                appendUTF8(scalar, to: &bytes)
            default:
                throw error("invalid escape '\\\(printable(e))' in string", at: position - 1)
            }
        }
        throw error("unterminated string", at: start - 1)
    }

    /// The high bit of each byte of `word` that is '"', '\\' or a control character (< 0x20), the bytes that
    /// end the fast scan. Higher bytes may be flagged spuriously (borrows), but the lowest flag is exact.
    @inline(__always)
    static func specialBytes(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func zeroBytes(_ v: UInt64) -> UInt64 { (v &- ones) & ~v & highs }
        let quote = zeroBytes(word ^ (ones &* 0x22))
        let backslash = zeroBytes(word ^ (ones &* 0x5C))
        // A byte < 0x20 has bits 5..7 clear; subtracting 0x20 from it borrows into bit 7.
        let control = (word &- (ones &* 0x20)) & ~word & highs
        return quote | backslash | control
    }

    mutating func readHex4() throws -> UInt32 {
        guard position + 4 <= buffer.count else { throw error("incomplete \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = buffer[position]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw error("invalid hex digit in \\u escape")
            }
            v = v << 4 | d
            position += 1
        }
        return v
    }

    func appendUTF8(_ scalar: UInt32, to bytes: inout [UInt8]) {
        let s = UnicodeScalar(scalar) ?? "\u{FFFD}"
        var buf: [UInt8] = []
        UTF8.encode(s) { buf.append($0) }
        bytes.append(contentsOf: buf)
    }

    mutating func parseNumber() throws -> JSONValue {
        let start = position
        var isInteger = true
        if buffer[position] == UInt8(ascii: "-") { position += 1 }
        guard position < buffer.count else { throw error("incomplete number", at: start) }
        if buffer[position] == UInt8(ascii: "0") {
            position += 1
        } else if (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(buffer[position]) {
            while position < buffer.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(buffer[position]) {
                position += 1
            }
        } else {
            throw error("invalid number", at: start)
        }
        if position < buffer.count, buffer[position] == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            let digits = position
            while position < buffer.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(buffer[position]) {
                position += 1
            }
            guard position > digits else { throw error("expected digits after decimal point") }
        }
        if position < buffer.count, buffer[position] == UInt8(ascii: "e") || buffer[position] == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if position < buffer.count, buffer[position] == UInt8(ascii: "+") || buffer[position] == UInt8(ascii: "-") {
                position += 1
            }
            let digits = position
            while position < buffer.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(buffer[position]) {
                position += 1
            }
            guard position > digits else { throw error("expected digits in exponent") }
        }
        let slice = UnsafeBufferPointer(rebasing: buffer[start..<position])
        if isInteger, slice.count <= 19 || (slice.count == 20 && slice[0] == UInt8(ascii: "-")) {
            var v: Int64 = 0
            var negative = false
            var overflow = false
            for c in slice {
                if c == UInt8(ascii: "-") {
                    negative = true
                    continue
                }
                let (m, o1) = v.multipliedReportingOverflow(by: 10)
                let (a, o2) = negative ? m.subtractingReportingOverflow(Int64(c - 48)) : m.addingReportingOverflow(Int64(c - 48))
                if o1 || o2 {
                    overflow = true
                    break
                }
                v = a
            }
            if !overflow { return .int(v) }
        }
        let text = String(decoding: slice, as: UTF8.self)
        guard let d = Double(text), d.isFinite else { throw error("number out of range", at: start) }
        return .double(d)
    }
}
