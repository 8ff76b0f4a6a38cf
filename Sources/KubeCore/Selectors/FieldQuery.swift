// FieldQuery: the field selector syntax that `?fieldSelector=` carries (apimachinery fields.ParseSelector):
// `metadata.name=x,spec.nodeName!=y`, with `\,` `\=` `\\` escapes in values. Matching reads the fields from
// a JSON object by their dotted path; a missing field reads as "" (so `spec.nodeName=` finds unbound pods).

public struct FieldQueryError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var selector: String
    public var description: String { "invalid field selector \"\(selector)\": \(message)" }
}

public struct FieldQuery: Sendable, Hashable, CustomStringConvertible {
    public struct Term: Sendable, Hashable, CustomStringConvertible {
        public var field: String
        /// `=`/`==` when false, `!=` when true.
        public var negated: Bool
        public var value: String

        public init(field: String, negated: Bool = false, value: String) {
            self.field = field
            self.negated = negated
            self.value = value
        }

        public func matches(_ fieldValue: String?) -> Bool {
            // A field that is not a scalar equals nothing.
            guard let fieldValue else { return negated }
            return (fieldValue == value) != negated
        }

        public var description: String { "\(field)\(negated ? "!=" : "=")\(FieldQuery.escape(value))" }
    }

    /// Sorted by their text, as apimachinery sorts them.
    public private(set) var terms: [Term]

    public init(terms: [Term] = []) {
        self.terms = terms.sorted { $0.description < $1.description }
    }

    public static let everything = FieldQuery()
    public var isEmpty: Bool { terms.isEmpty }

    /// Parses the string syntax; an empty string selects everything.
    public init(_ text: String) throws(FieldQueryError) {
        var terms: [Term] = []
        for part in Self.splitTerms(text) where !part.isEmpty {
            guard let (lhs, op, rhs) = Self.splitTerm(part) else {
                throw FieldQueryError(message: "can't understand '\(part)'", selector: text)
            }
            guard let value = Self.unescape(rhs) else {
                throw FieldQueryError(
                    message: "invalid value '\(rhs)': '\\', ',' and '=' must be escaped with '\\'", selector: text)
            }
            terms.append(Term(field: lhs, negated: op == "!=", value: value))
        }
        self.init(terms: terms)
    }

    /// Matches a flat set of fields (what apimachinery's per-resource field functions produce).
    public func matches(_ fields: [String: String]) -> Bool {
        terms.allSatisfy { $0.matches(fields[$0.field] ?? "") }
    }

    /// Matches an object, reading each field by its dotted path (`metadata.name`, `spec.nodeName`).
    public func matches(_ object: JSONValue) -> Bool {
        terms.allSatisfy { $0.matches(Self.field($0.field, of: object)) }
    }

    /// The value of a dotted path as text: strings as they are, numbers and booleans as JSON writes them,
    /// missing or null as "", objects and arrays as nil.
    public static func field(_ path: String, of object: JSONValue) -> String? {
        var current: JSONValue? = object
        for key in path.split(separator: ".", omittingEmptySubsequences: false) {
            current = current?[String(key)]
            if current == nil { return "" }
        }
        switch current {
        case nil, .null?: return ""
        case .string(let s)?: return s
        case .bool(let b)?: return b ? "true" : "false"
        case .int(let i)?: return String(i)
        case .double?: return current.map { JSONWriter.string($0) }
        case .array?, .object?: return nil
        }
    }

    public var description: String { terms.map(\.description).joined(separator: ",") }

    // MARK: - Syntax

    /// Splits on commas not preceded by a backslash; escapes stay in place for `unescape`.
    static func splitTerms(_ s: String) -> [String] {
        guard !s.isEmpty else { return [] }
        var terms: [String] = []
        var current: [UInt8] = []
        var escaped = false
        for c in s.utf8 {
            if escaped {
                escaped = false
            } else if c == UInt8(ascii: "\\") {
                escaped = true
            } else if c == UInt8(ascii: ",") {
                terms.append(String(decoding: current, as: UTF8.self))
                current.removeAll()
                continue
            }
            current.append(c)
        }
        terms.append(String(decoding: current, as: UTF8.self))
        return terms
    }

    /// The first `!=`, `==` or `=` (in that order of preference at each position) splits field and value.
    static func splitTerm(_ term: String) -> (String, String, String)? {
        let b = Array(term.utf8)
        for i in b.indices {
            for op in ["!=", "==", "="] {
                let o = Array(op.utf8)
                if i + o.count <= b.count, Array(b[i..<(i + o.count)]) == o {
                    return (String(decoding: b[..<i], as: UTF8.self), op,
                            String(decoding: b[(i + o.count)...], as: UTF8.self))
                }
            }
        }
        return nil
    }

    static func unescape(_ s: String) -> String? {
        var out: [UInt8] = []
        var escaped = false
        for c in s.utf8 {
            if escaped {
                guard c == UInt8(ascii: "\\") || c == UInt8(ascii: ",") || c == UInt8(ascii: "=") else { return nil }
                out.append(c)
                escaped = false
            } else if c == UInt8(ascii: "\\") {
                escaped = true
            } else if c == UInt8(ascii: ",") || c == UInt8(ascii: "=") {
                return nil  // unescaped separators are not allowed in a value
            } else {
                out.append(c)
            }
        }
        return escaped ? nil : String(decoding: out, as: UTF8.self)
    }

    /// Escapes `\`, `,` and `=` in a value so it survives `init(_:)`.
    public static func escape(_ s: String) -> String {
        var out = ""
        for ch in s {
            if ch == "\\" || ch == "," || ch == "=" { out.append("\\") }
            out.append(ch)
        }
        return out
    }
}
