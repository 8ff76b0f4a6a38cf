// JSONPointer (RFC 6901): `/metadata/labels/gantry.dev~1gang` addresses a value inside a JSON document.
// Tokens are kept unescaped; `~1` is `/` and `~0` is `~` only in the text form.

public struct JSONPointer: Sendable, Hashable, CustomStringConvertible, ExpressibleByArrayLiteral {
    /// Reference tokens, unescaped. Empty for the whole document.
    public var tokens: [String]

    public init(tokens: [String]) { self.tokens = tokens }

    /// `["metadata", "labels", "gantry.dev/gang"]`: escaping is done for you.
    public init(arrayLiteral elements: String...) { tokens = elements }

    /// Parses the text form: "" (the whole document) or `/`-separated tokens.
    public init(_ text: String) throws(JSONPatchError) {
        if text.isEmpty {
            tokens = []
            return
        }
        guard text.utf8.first == UInt8(ascii: "/") else {
            throw JSONPatchError(.invalidPointer, "JSON pointer \"\(text)\" must be empty or start with '/'")
        }
        var tokens: [String] = []
        for raw in text.utf8.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            var out: [UInt8] = []
            var tilde = false
            for c in raw {
                if tilde {
                    switch c {
                    case UInt8(ascii: "0"): out.append(UInt8(ascii: "~"))
                    case UInt8(ascii: "1"): out.append(UInt8(ascii: "/"))
                    default: throw JSONPatchError(.invalidPointer, "JSON pointer \"\(text)\" has '~' not followed by 0 or 1")
                    }
                    tilde = false
                } else if c == UInt8(ascii: "~") {
                    tilde = true
                } else {
                    out.append(c)
                }
            }
            if tilde { throw JSONPatchError(.invalidPointer, "JSON pointer \"\(text)\" ends with '~'") }
            tokens.append(String(decoding: out, as: UTF8.self))
        }
        self.tokens = tokens
    }

    public var description: String {
        tokens.map { "/" + $0.replacingTilde() }.joined()
    }

    public func appending(_ token: String) -> JSONPointer { JSONPointer(tokens: tokens + [token]) }

    /// Whether `self` is `other` or lies inside it.
    public func hasPrefix(_ other: JSONPointer) -> Bool {
        tokens.count >= other.tokens.count && Array(tokens.prefix(other.tokens.count)) == other.tokens
    }

    /// The value it points at, if any.
    public func resolve(in document: JSONValue) -> JSONValue? {
        var current = document
        for token in tokens {
            switch current {
            case .object(let o):
                guard let v = o[token] else { return nil }
                current = v
            case .array(let a):
                guard let i = JSONPointer.arrayIndex(token), i < a.count else { return nil }
                current = a[i]
            default:
                return nil
            }
        }
        return current
    }

    /// An array index token: digits without leading zeros ("0" is fine, "01" and "-" are not).
    static func arrayIndex(_ token: String) -> Int? {
        let b = Array(token.utf8)
        guard !b.isEmpty, b.count <= 18, b.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        if b.count > 1, b[0] == UInt8(ascii: "0") { return nil }
        return Int(token)
    }
}

extension String {
    fileprivate func replacingTilde() -> String {
        guard utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) else { return self }
        var out = ""
        for ch in self {
            switch ch {
            case "~": out += "~0"
            case "/": out += "~1"
            default: out.append(ch)
            }
        }
        return out
    }
}

extension JSONPointer: Codable {
    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
