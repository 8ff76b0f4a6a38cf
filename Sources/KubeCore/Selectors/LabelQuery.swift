// LabelQuery: the label selector string syntax that `?labelSelector=` carries (apimachinery labels.Parse):
// `a=b,a==b,c!=d,e in (x,y),f notin (z),g,!h,n>3`. Parsing follows apimachinery's lexer and parser,
// requirements are validated as labels.NewRequirement does, and printing is apimachinery's String().

public struct LabelQueryError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    /// The selector text.
    public var selector: String
    /// Byte offset of the token that failed.
    public var offset: Int

    public var description: String { "unable to parse label selector \"\(selector)\" at offset \(offset): \(message)" }
}

public struct LabelQuery: Sendable, Hashable, CustomStringConvertible {
    public enum Operator: String, Sendable, Hashable {
        case equals = "="
        case doubleEquals = "=="
        case notEquals = "!="
        case `in` = "in"
        case notIn = "notin"
        case exists = "exists"
        case doesNotExist = "!"
        case greaterThan = "gt"
        case lessThan = "lt"
    }

    public struct Requirement: Sendable, Hashable, CustomStringConvertible {
        public var key: String
        public var `operator`: Operator
        /// Sorted and unique, as apimachinery keeps them.
        public private(set) var values: [String]

        /// A validated requirement (labels.NewRequirement): key and values must be valid labels; `in`/`notin`
        /// need values, equality needs exactly one, exists/doesNotExist none, `gt`/`lt` one integer.
        public init(key: String, operator op: Operator, values: [String] = []) throws(LabelQueryError) {
            func fail(_ message: String) -> LabelQueryError {
                LabelQueryError(message: message, selector: key, offset: 0)
            }
            let keyErrors = LabelValidation.keyErrors(key)
            if !keyErrors.isEmpty { throw fail("key \"\(key)\": \(keyErrors.joined(separator: "; "))") }
            let unique = Array(Set(values)).sorted()
            switch op {
            case .in, .notIn:
                if unique.isEmpty { throw fail("for 'in', 'notin' operators, values set can't be empty") }
            case .equals, .doubleEquals, .notEquals:
                if unique.count != 1 { throw fail("exact-match compatibility requires one single value") }
            case .exists, .doesNotExist:
                if !unique.isEmpty { throw fail("values set must be empty for exists and does not exist") }
            case .greaterThan, .lessThan:
                if unique.count != 1 { throw fail("for 'Gt', 'Lt' operators, exactly one value is required") }
                if Int64(unique[0]) == nil {
                    throw fail("for 'Gt', 'Lt' operators, the value must be an integer")
                }
            }
            if op != .greaterThan, op != .lessThan {
                for v in unique {
                    let errors = LabelValidation.valueErrors(v)
                    if !errors.isEmpty { throw fail("values[\(v)]: \(errors.joined(separator: "; "))") }
                }
            }
            self.key = key
            self.operator = op
            self.values = unique
        }

        public func matches(_ labels: [String: String]) -> Bool {
            let value = labels[key]
            switch self.operator {
            case .in, .equals, .doubleEquals:
                guard let value else { return false }
                return values.contains(value)
            case .notIn, .notEquals:
                guard let value else { return true }
                return !values.contains(value)
            case .exists: return value != nil
            case .doesNotExist: return value == nil
            case .greaterThan, .lessThan:
                guard let value, let have = Int64(value), let bound = values.first.flatMap({ Int64($0) }) else { return false }
                return self.operator == .greaterThan ? have > bound : have < bound
            }
        }

        public var description: String {
            switch self.operator {
            case .exists: return key
            case .doesNotExist: return "!" + key
            case .equals: return "\(key)=\(values.first ?? "")"
            case .doubleEquals: return "\(key)==\(values.first ?? "")"
            case .notEquals: return "\(key)!=\(values.first ?? "")"
            case .in: return "\(key) in (\(values.joined(separator: ",")))"
            case .notIn: return "\(key) notin (\(values.joined(separator: ",")))"
            case .greaterThan: return "\(key)>\(values.first ?? "")"
            case .lessThan: return "\(key)<\(values.first ?? "")"
            }
        }
    }

    /// Sorted by key (stable), as apimachinery sorts them.
    public private(set) var requirements: [Requirement]

    public init(requirements: [Requirement] = []) {
        self.requirements = requirements.enumerated().sorted {
            $0.element.key != $1.element.key ? $0.element.key < $1.element.key : $0.offset < $1.offset
        }.map(\.element)
    }

    /// Every object matches the empty query.
    public static let everything = LabelQuery()

    public var isEmpty: Bool { requirements.isEmpty }

    /// Labels that must equal a value (`matchLabels` of a selector): `a=b,c=d`.
    public init(matching labels: [String: String]) throws(LabelQueryError) {
        var requirements: [Requirement] = []
        for (k, v) in labels.sorted(by: { $0.key < $1.key }) {
            requirements.append(try Requirement(key: k, operator: .equals, values: [v]))
        }
        self.init(requirements: requirements)
    }

    /// Parses the string syntax; an empty string selects everything.
    public init(_ text: String) throws(LabelQueryError) {
        var parser = Parser(text: text)
        self.init(requirements: try parser.parse())
    }

    /// All requirements hold.
    public func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { $0.matches(labels) }
    }

    /// Matches an object's `metadata.labels` (missing labels are no labels).
    public func matches(_ meta: ObjectMeta) -> Bool { matches(meta.labels ?? [:]) }

    /// The canonical string form; empty for `everything`.
    public var description: String { requirements.map(\.description).joined(separator: ",") }

    public func adding(_ requirement: Requirement) -> LabelQuery { LabelQuery(requirements: requirements + [requirement]) }
}

extension LabelQuery {
    private enum Token: Equatable {
        case identifier(String)
        case notExists  // "!"
        case equals, doubleEquals, notEquals, greaterThan, lessThan
        case openParen, closeParen, comma
        case end
        case invalid(String)

        var literal: String {
            switch self {
            case .identifier(let s): return s
            case .notExists: return "!"
            case .equals: return "="
            case .doubleEquals: return "=="
            case .notEquals: return "!="
            case .greaterThan: return ">"
            case .lessThan: return "<"
            case .openParen: return "("
            case .closeParen: return ")"
            case .comma: return ","
            case .end: return "end of string"
            case .invalid(let s): return s
            }
        }
    }

    private struct Parser {
        let text: String
        let bytes: [UInt8]
        var tokens: [(Token, Int)] = []
        var index = 0

        init(text: String) {
            self.text = text
            self.bytes = Array(text.utf8)
        }

        static func isWhitespace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0A }

        static func isSpecial(_ c: UInt8) -> Bool {
            switch c {
            case UInt8(ascii: "="), UInt8(ascii: "!"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: ","),
                UInt8(ascii: ">"), UInt8(ascii: "<"):
                return true
            default: return false
            }
        }

        mutating func lex() {
            var i = 0
            while true {
                while i < bytes.count, Self.isWhitespace(bytes[i]) { i += 1 }
                guard i < bytes.count else {
                    tokens.append((.end, i))
                    return
                }
                let start = i
                let c = bytes[i]
                if Self.isSpecial(c) {
                    let next: UInt8? = i + 1 < bytes.count ? bytes[i + 1] : nil
                    switch (c, next) {
                    case (UInt8(ascii: "!"), UInt8(ascii: "=")?): tokens.append((.notEquals, start)); i += 2
                    case (UInt8(ascii: "="), UInt8(ascii: "=")?): tokens.append((.doubleEquals, start)); i += 2
                    case (UInt8(ascii: "!"), _): tokens.append((.notExists, start)); i += 1
                    case (UInt8(ascii: "="), _): tokens.append((.equals, start)); i += 1
                    case (UInt8(ascii: "("), _): tokens.append((.openParen, start)); i += 1
                    case (UInt8(ascii: ")"), _): tokens.append((.closeParen, start)); i += 1
                    case (UInt8(ascii: ","), _): tokens.append((.comma, start)); i += 1
                    case (UInt8(ascii: ">"), _): tokens.append((.greaterThan, start)); i += 1
                    default: tokens.append((.lessThan, start)); i += 1
                    }
                    continue
                }
                while i < bytes.count, !Self.isWhitespace(bytes[i]), !Self.isSpecial(bytes[i]) { i += 1 }
                tokens.append((.identifier(String(decoding: bytes[start..<i], as: UTF8.self)), start))
            }
        }

        func peek() -> (Token, Int) { tokens[min(index, tokens.count - 1)] }

        mutating func next() -> (Token, Int) {
            let t = peek()
            if index < tokens.count - 1 { index += 1 }
            return t
        }

        func error(_ message: String, at offset: Int) -> LabelQueryError {
            LabelQueryError(message: message, selector: text, offset: offset)
        }

        mutating func parse() throws(LabelQueryError) -> [Requirement] {
            lex()
            var requirements: [Requirement] = []
            while true {
                let (token, offset) = peek()
                switch token {
                case .end:
                    return requirements
                case .identifier, .notExists:
                    requirements.append(try requirement())
                    let (after, at) = next()
                    switch after {
                    case .end: return requirements
                    case .comma:
                        let (following, fat) = peek()
                        switch following {
                        case .identifier, .notExists: continue
                        default: throw error("found '\(following.literal)', expected: identifier after ','", at: fat)
                        }
                    default:
                        throw error("found '\(after.literal)', expected: ',' or 'end of string'", at: at)
                    }
                default:
                    throw error("found '\(token.literal)', expected: !, identifier, or 'end of string'", at: offset)
                }
            }
        }

        mutating func requirement() throws(LabelQueryError) -> Requirement {
            var (token, offset) = next()
            var op: Operator? = nil
            if token == .notExists {
                op = .doesNotExist
                (token, offset) = next()
            }
            guard case .identifier(let key) = token else {
                throw error("found '\(token.literal)', expected: identifier", at: offset)
            }
            let keyOffset = offset
            if op == nil, [.end, .comma].contains(peek().0) { op = .exists }
            if let op {
                return try make(key, op, [], at: keyOffset)
            }
            let (opToken, opOffset) = next()
            let parsed: Operator
            switch opToken {
            case .identifier("in"): parsed = .in
            case .identifier("notin"): parsed = .notIn
            case .equals: parsed = .equals
            case .doubleEquals: parsed = .doubleEquals
            case .notEquals: parsed = .notEquals
            case .greaterThan: parsed = .greaterThan
            case .lessThan: parsed = .lessThan
            default:
                throw error("found '\(opToken.literal)', expected: in, notin, =, ==, !=, gt, lt", at: opOffset)
            }
            let values = parsed == .in || parsed == .notIn ? try valueSet() : try exactValue()
            return try make(key, parsed, values, at: keyOffset)
        }

        func make(_ key: String, _ op: Operator, _ values: [String], at offset: Int) throws(LabelQueryError) -> Requirement {
            do {
                return try Requirement(key: key, operator: op, values: values)
            } catch {
                throw self.error(error.message, at: offset)
            }
        }

        mutating func exactValue() throws(LabelQueryError) -> [String] {
            let (token, offset) = peek()
            switch token {
            case .end, .comma: return [""]
            case .identifier(let v):
                _ = next()
                return [v]
            default: throw error("found '\(token.literal)', expected: identifier", at: offset)
            }
        }

        mutating func valueSet() throws(LabelQueryError) -> [String] {
            let (open, openOffset) = next()
            guard open == .openParen else { throw error("found '\(open.literal)' expected: '('", at: openOffset) }
            let (first, firstOffset) = peek()
            switch first {
            case .closeParen:
                _ = next()
                return [""]  // "()" is one empty value, as in apimachinery
            case .identifier, .comma:
                var values: [String] = []
                loop: while true {
                    let (token, offset) = next()
                    switch token {
                    case .identifier(let v):
                        values.append(v)
                        let (after, afterOffset) = peek()
                        switch after {
                        case .comma: continue loop
                        case .closeParen: break loop
                        default: throw error("found '\(after.literal)', expected: ',' or ')'", at: afterOffset)
                        }
                    case .comma:
                        // "(,", ",)" and ",," each stand for an empty value.
                        if values.isEmpty { values.append("") }
                        let (after, _) = peek()
                        if after == .closeParen {
                            values.append("")
                            break loop
                        }
                        if after == .comma {
                            _ = next()
                            values.append("")
                        }
                    default:
                        throw error("found '\(token.literal)', expected: ',', or identifier", at: offset)
                    }
                }
                let (close, closeOffset) = next()
                guard close == .closeParen else { throw error("found '\(close.literal)', expected: ')'", at: closeOffset) }
                return values
            default:
                throw error("found '\(first.literal)', expected: ',', ')' or identifier", at: firstOffset)
            }
        }
    }
}
