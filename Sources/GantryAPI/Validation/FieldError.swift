// FieldError: one broken rule, in the shape of k8s.io/apimachinery's field.Error, so the text a controller
// puts on an object reads exactly like the API server's own `Invalid` responses and maps 1:1 onto a
// `StatusCause` (reason FieldValueInvalid, message, field).

import KubeCore

public struct FieldError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Reason: String, Sendable, Hashable {
        case required = "FieldValueRequired"
        case invalid = "FieldValueInvalid"
        case notSupported = "FieldValueNotSupported"
        case duplicate = "FieldValueDuplicate"
        case forbidden = "FieldValueForbidden"
        case tooLong = "FieldValueTooLong"
        case tooMany = "FieldValueTooMany"
        case notFound = "FieldValueNotFound"

        /// The words the API server uses in messages.
        var phrase: String {
            switch self {
            case .required: "Required value"
            case .invalid: "Invalid value"
            case .notSupported: "Unsupported value"
            case .duplicate: "Duplicate value"
            case .forbidden: "Forbidden"
            case .tooLong: "Too long"
            case .tooMany: "Too many"
            case .notFound: "Not found"
            }
        }

        /// Kinds whose message never repeats the value (it is absent, secret or large).
        var omitsValue: Bool { self == .required || self == .forbidden || self == .tooLong }
    }

    public var reason: Reason
    /// The field path, e.g. `spec.gang.minMember`.
    public var field: String
    /// The offending value, when the message shows it.
    public var value: JSONValue?
    /// Which rule was broken, in words.
    public var detail: String

    public init(_ reason: Reason, _ field: FieldPath, value: JSONValue? = nil, _ detail: String = "") {
        self.reason = reason
        self.field = field.description
        self.value = value
        self.detail = detail
    }

    /// The message without the field, as in a StatusCause: `Invalid value: 5: must be at most 4`.
    public var message: String {
        var s = reason.phrase
        if !reason.omitsValue, let value {
            s += ": " + Self.render(value)
        }
        if !detail.isEmpty { s += ": " + detail }
        return s
    }

    /// `spec.gang.minMember: Invalid value: 5: must be at most 4`.
    public var description: String { field.isEmpty ? message : "\(field): \(message)" }

    public var cause: StatusCause { StatusCause(reason: reason.rawValue, message: message, field: field) }

    /// Strings quoted, numbers and booleans bare, as Go's `%q` / `%v` print them.
    static func render(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): return quote(s)
        case .null: return "null"
        default: return value.description
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if ch.value < 0x20 {
                    let hex = String(ch.value, radix: 16)
                    out += "\\x" + String(repeating: "0", count: 2 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(ch)
                }
            }
        }
        return out + "\""
    }
}

extension FieldError {
    public static func required(_ field: FieldPath, _ detail: String = "") -> FieldError {
        FieldError(.required, field, detail)
    }

    public static func invalid(_ field: FieldPath, _ value: JSONValue, _ detail: String) -> FieldError {
        FieldError(.invalid, field, value: value, detail)
    }

    public static func forbidden(_ field: FieldPath, _ detail: String) -> FieldError {
        FieldError(.forbidden, field, detail)
    }

    public static func notFound(_ field: FieldPath, _ value: JSONValue) -> FieldError {
        FieldError(.notFound, field, value: value)
    }

    public static func duplicate(_ field: FieldPath, _ value: JSONValue) -> FieldError {
        FieldError(.duplicate, field, value: value)
    }

    public static func tooLong(_ field: FieldPath, _ maxLength: Int) -> FieldError {
        FieldError(.tooLong, field, "may not be more than \(maxLength) bytes")
    }

    public static func tooMany(_ field: FieldPath, _ actual: Int, _ max: Int) -> FieldError {
        FieldError(.tooMany, field, value: .int(Int64(actual)), "must have at most \(max) items")
    }

    /// `Unsupported value: "jax": supported values: "generic", "mpi", ...`.
    public static func notSupported(_ field: FieldPath, _ value: String, _ supported: [String]) -> FieldError {
        FieldError(.notSupported, field, value: .string(value),
                   "supported values: " + supported.map(quote).joined(separator: ", "))
    }
}
