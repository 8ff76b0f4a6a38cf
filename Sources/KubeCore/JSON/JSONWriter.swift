// JSONWriter: `JSONValue` to UTF-8 JSON text, compact by default, keys in the object's order.

import Foundation

public enum JSONWriter {
    public struct Options: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// Two-space indentation and newlines, for humans.
        public static let prettyPrinted = Options(rawValue: 1)
        /// Object keys sorted bytewise (Go's encoding/json sorts map keys this way).
        public static let sortedKeys = Options(rawValue: 2)
    }

    public static func write(_ value: JSONValue, options: Options = []) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, into: &out, options: options)
        return out
    }

    public static func write(_ value: JSONValue, into out: inout [UInt8], options: Options = []) {
        append(value, to: &out, options: options, indent: 0)
    }

    public static func string(_ value: JSONValue, options: Options = []) -> String {
        String(decoding: write(value, options: options), as: UTF8.self)
    }

    public static func data(_ value: JSONValue, options: Options = []) -> Data {
        Data(write(value, options: options))
    }

    private static func newline(_ out: inout [UInt8], indent: Int) {
        out.append(0x0A)
        for _ in 0..<indent { out.append(0x20); out.append(0x20) }
    }

    private static func append(_ value: JSONValue, to out: inout [UInt8], options: Options, indent: Int) {
        switch value {
        case .null: out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
        case .bool(let b): out.append(contentsOf: b ? Array("true".utf8) : Array("false".utf8))
        case .int(let i): appendInteger(i, to: &out)
        case .double(let d): appendDouble(d, to: &out)
        case .string(let s): appendString(s, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            if items.isEmpty {
                out.append(UInt8(ascii: "]"))
                return
            }
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                if options.contains(.prettyPrinted) { newline(&out, indent: indent + 1) }
                append(item, to: &out, options: options, indent: indent + 1)
            }
            if options.contains(.prettyPrinted) { newline(&out, indent: indent) }
            out.append(UInt8(ascii: "]"))
        case .object(var object):
            out.append(UInt8(ascii: "{"))
            if object.isEmpty {
                out.append(UInt8(ascii: "}"))
                return
            }
            if options.contains(.sortedKeys) { object.sortKeys() }
            var first = true
            for (k, v) in object {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                if options.contains(.prettyPrinted) { newline(&out, indent: indent + 1) }
                appendString(k, to: &out)
                out.append(UInt8(ascii: ":"))
                if options.contains(.prettyPrinted) { out.append(0x20) }
                append(v, to: &out, options: options, indent: indent + 1)
            }
            if options.contains(.prettyPrinted) { newline(&out, indent: indent) }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func appendInteger(_ value: Int64, to out: inout [UInt8]) {
        if value == 0 {
            out.append(UInt8(ascii: "0"))
            return
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = value.magnitude
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buf in
            while n > 0 {
                buf[count] = UInt8(n % 10) + 48
                n /= 10
                count += 1
            }
            if value < 0 { out.append(UInt8(ascii: "-")) }
            for i in stride(from: count - 1, through: 0, by: -1) { out.append(buf[i]) }
        }
    }

    static func appendDouble(_ value: Double, to out: inout [UInt8]) {
        guard value.isFinite else {
            // Not representable in JSON; encoders reject these before they get here.
            out.append(contentsOf: Array("null".utf8))
            return
        }
        if value.rounded() == value, abs(value) < 1e15 {
            appendInteger(Int64(value), to: &out)
            return
        }
        out.append(contentsOf: Array(value.description.utf8))
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    static func appendString(_ string: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = string
        s.withUTF8 { bytes in
            var runStart = 0
            for i in 0..<bytes.count {
                let c = bytes[i]
                guard c < 0x20 || c == 0x22 || c == 0x5C else { continue }
                if runStart < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i])) }
                runStart = i + 1
                switch c {
                case 0x22: out.append(contentsOf: [0x5C, 0x22])
                case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
                case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
                case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
                case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
                case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
                case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
                default:
                    out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(c >> 4)], hex[Int(c & 0xF)]])
                }
            }
            if runStart < bytes.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count])) }
        }
        out.append(UInt8(ascii: "\""))
    }
}
