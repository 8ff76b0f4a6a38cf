// Label and field selectors as the API server parses and applies them (`labelSelector=app=x,tier in (a,b)`,
// `fieldSelector=spec.nodeName=n1,status.phase!=Failed`). Field selectors are limited to the fields each
// resource supports, as on the real server; anything else is a 400.

import KubeCore

struct LabelQuery: Sendable {
    enum Op: Sendable { case eq, neq, isIn, notIn, exists, notExists, gt, lt }
    struct Requirement: Sendable {
        var key: String
        var op: Op
        var values: [String]
    }
    var requirements: [Requirement] = []

    init(parsing text: String) throws {
        var i = text.startIndex
        func skipSpaces() { while i < text.endIndex, text[i] == " " { i = text.index(after: i) } }
        func fail(_ why: String) -> APIError {
            APIError.badRequest("unable to parse requirement: \(why)")
        }
        func word() -> String {
            skipSpaces()
            let start = i
            while i < text.endIndex, !" ,()=!<>".contains(text[i]) { i = text.index(after: i) }
            return String(text[start..<i])
        }
        while true {
            skipSpaces()
            if i == text.endIndex { break }
            var negate = false
            if text[i] == "!" {
                negate = true
                i = text.index(after: i)
            }
            let key = word()
            guard !key.isEmpty else { throw fail("found '\(text[i])', expected: identifier") }
            skipSpaces()
            if negate {
                requirements.append(Requirement(key: key, op: .notExists, values: []))
            } else if i == text.endIndex || text[i] == "," {
                requirements.append(Requirement(key: key, op: .exists, values: []))
            } else if text[i...].hasPrefix("==") || text[i...].hasPrefix("!=") {
                let op: Op = text[i] == "!" ? .neq : .eq
                i = text.index(i, offsetBy: 2)
                requirements.append(Requirement(key: key, op: op, values: [word()]))
            } else if text[i] == "=" || text[i] == ">" || text[i] == "<" {
                let op: Op = text[i] == "=" ? .eq : text[i] == ">" ? .gt : .lt
                i = text.index(after: i)
                let value = word()
                if op != .eq, Int64(value) == nil { throw fail("for 'Gt', 'Lt' operators, the value must be an integer") }
                requirements.append(Requirement(key: key, op: op, values: [value]))
            } else {
                let opWord = word()
                guard opWord == "in" || opWord == "notin" else {
                    throw fail("found '\(opWord)', expected: in, notin, =, ==, !=, gt, lt")
                }
                skipSpaces()
                guard i < text.endIndex, text[i] == "(" else { throw fail("found '\(opWord)', expected: '('") }
                i = text.index(after: i)
                var values: [String] = []
                while true {
                    let v = word()
                    if !v.isEmpty { values.append(v) }
                    skipSpaces()
                    guard i < text.endIndex else { throw fail("found '', expected: ')'") }
                    if text[i] == ")" { i = text.index(after: i); break }
                    guard text[i] == "," else { throw fail("found '\(text[i])', expected: ',' or ')'") }
                    i = text.index(after: i)
                }
                requirements.append(Requirement(key: key, op: opWord == "in" ? .isIn : .notIn, values: values))
            }
            skipSpaces()
            if i == text.endIndex { break }
            guard text[i] == "," else { throw fail("found '\(text[i])', expected: ',' or 'end of string'") }
            i = text.index(after: i)
        }
    }

    func matches(_ labels: JSONObject?) -> Bool {
        for r in requirements {
            let value = labels?[r.key]?.stringValue
            switch r.op {
            case .eq: if value != r.values.first { return false }
            case .neq: if value == r.values.first { return false }
            case .isIn: guard let value, r.values.contains(value) else { return false }
            case .notIn: if let value, r.values.contains(value) { return false }
            case .exists: if value == nil { return false }
            case .notExists: if value != nil { return false }
            case .gt, .lt:
                guard let value, let n = Int64(value), let bound = r.values.first.flatMap({ Int64($0) }) else { return false }
                if r.op == .gt ? !(n > bound) : !(n < bound) { return false }
            }
        }
        return true
    }
}

struct FieldQuery: Sendable {
    struct Requirement: Sendable {
        var field: String
        var negated: Bool
        var value: String
    }
    var requirements: [Requirement] = []

    init(parsing text: String, info: ResourceInfo) throws {
        for term in Self.splitUnescaped(text, ",") where !term.isEmpty {
            let negated: Bool
            let parts: [String]
            if let r = term.range(of: "!=") {
                negated = true
                parts = [String(term[..<r.lowerBound]), String(term[r.upperBound...])]
            } else if let r = term.range(of: "==") {
                negated = false
                parts = [String(term[..<r.lowerBound]), String(term[r.upperBound...])]
            } else if let r = term.range(of: "=") {
                negated = false
                parts = [String(term[..<r.lowerBound]), String(term[r.upperBound...])]
            } else {
                throw APIError.badRequest("invalid selector: '\(text)'; can't understand '\(term)'")
            }
            let field = parts[0].trimmingCharacters(in: .whitespaces)
            guard field == "metadata.name" || field == "metadata.namespace" || info.fieldLabels.contains(field) else {
                throw APIError.badRequest("field label not supported: \(field)")
            }
            let value = parts[1].replacingOccurrences(of: "\\,", with: ",").replacingOccurrences(of: "\\=", with: "=")
                .replacingOccurrences(of: "\\\\", with: "\\")
            requirements.append(Requirement(field: field, negated: negated, value: value))
        }
    }

    static func splitUnescaped(_ text: String, _ separator: Character) -> [String] {
        var out: [String] = []
        var cur = ""
        var escaped = false
        for c in text {
            if escaped { cur.append(c); escaped = false; continue }
            if c == "\\" { cur.append(c); escaped = true; continue }
            if c == separator { out.append(cur); cur = ""; continue }
            cur.append(c)
        }
        out.append(cur)
        return out
    }

    /// The string value the real server indexes for a field: absent is "", booleans are "true"/"false".
    static func fieldValue(_ object: JSONValue, _ field: String) -> String {
        let path: [String]
        switch field {
        case "source": path = ["source", "component"]
        default: path = field.split(separator: ".").map(String.init)
        }
        switch object[path: path] {
        case .string(let s)?: return s
        case .bool(let b)?: return b ? "true" : "false"
        case .int(let i)?: return String(i)
        case nil, .null?: return field == "spec.unschedulable" || field == "spec.hostNetwork" ? "false" : ""
        default: return ""
        }
    }

    func matches(_ object: JSONValue) -> Bool {
        requirements.allSatisfy { r in (Self.fieldValue(object, r.field) == r.value) != r.negated }
    }
}

import Foundation
