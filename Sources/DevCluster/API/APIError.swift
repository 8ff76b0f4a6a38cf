// APIError: a failed request as the real API server reports it, a meta/v1 Status with code and reason,
// and the constructors for the errors clients branch on (NotFound, AlreadyExists, Conflict, Invalid, Gone).

import KubeCore

public struct APIError: Error, Sendable, CustomStringConvertible {
    public var status: Status
    /// Extra response headers (Retry-After on 429).
    public var headers: [(String, String)] = []

    public init(code: Int, reason: String, message: String, details: StatusDetails? = nil) {
        status = Status(status: "Failure", message: message, reason: reason, details: details, code: code)
    }

    public var code: Int { status.code ?? 500 }
    public var description: String { "\(code) \(status.reason ?? ""): \(status.message ?? "")" }

    func details(_ info: ResourceInfo?, _ name: String) -> StatusDetails {
        StatusDetails(name: name.isEmpty ? nil : name, group: info.map(\.group), kind: info?.plural)
    }

    static func badRequest(_ message: String) -> APIError { APIError(code: 400, reason: "BadRequest", message: message) }

    static func notFound(_ info: ResourceInfo, _ name: String) -> APIError {
        APIError(code: 404, reason: "NotFound", message: "\(info.qualifiedResource) \"\(name)\" not found",
                 details: StatusDetails(name: name, group: info.group, kind: info.plural))
    }

    static func notFoundPath() -> APIError {
        APIError(code: 404, reason: "NotFound", message: "the server could not find the requested resource",
                 details: StatusDetails())
    }

    static func alreadyExists(_ info: ResourceInfo, _ name: String) -> APIError {
        APIError(code: 409, reason: "AlreadyExists", message: "\(info.qualifiedResource) \"\(name)\" already exists",
                 details: StatusDetails(name: name, group: info.group, kind: info.plural))
    }

    static func conflict(_ info: ResourceInfo, _ name: String, _ message: String? = nil) -> APIError {
        let why = message ?? "the object has been modified; please apply your changes to the latest version and try again"
        return APIError(code: 409, reason: "Conflict",
                        message: "Operation cannot be fulfilled on \(info.qualifiedResource) \"\(name)\": \(why)",
                        details: StatusDetails(name: name, group: info.group, kind: info.plural))
    }

    static func methodNotAllowed(_ message: String) -> APIError {
        APIError(code: 405, reason: "MethodNotAllowed", message: message, details: StatusDetails())
    }

    static func unsupportedMediaType(_ contentType: String) -> APIError {
        APIError(code: 415, reason: "UnsupportedMediaType",
                 message: "the body of the request was in an unknown format - accepted media types include: "
                    + "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
                 details: StatusDetails())
    }

    static func expired(_ message: String) -> APIError { APIError(code: 410, reason: "Expired", message: message) }

    static func internalError(_ message: String) -> APIError {
        APIError(code: 500, reason: "InternalError", message: "Internal error occurred: \(message)",
                 details: StatusDetails(causes: [StatusCause(message: message)]))
    }

    static func tooManyRequests(retryAfter: Int) -> APIError {
        var e = APIError(code: 429, reason: "TooManyRequests", message: "Too many requests, please try again later.",
                         details: StatusDetails(retryAfterSeconds: retryAfter))
        e.headers = [("Retry-After", String(retryAfter))]
        return e
    }

    static func requestEntityTooLarge(_ limit: Int) -> APIError {
        APIError(code: 413, reason: "RequestEntityTooLarge",
                 message: "Request entity too large: limit is \(limit)", details: StatusDetails())
    }

    static func forbidden(_ info: ResourceInfo, _ name: String, _ why: String) -> APIError {
        APIError(code: 403, reason: "Forbidden",
                 message: "\(info.qualifiedResource) \"\(name)\" is forbidden: \(why)",
                 details: StatusDetails(name: name, group: info.group, kind: info.plural))
    }

    /// 422 with one cause per field error, worded like apimachinery's field.ErrorList.
    static func invalid(kind: String, group: String, name: String, _ errors: [FieldError]) -> APIError {
        let qualifiedKind = group.isEmpty ? kind : "\(kind).\(group)"
        let list = errors.map(\.text)
        let joined = list.count == 1 ? list[0] : "[" + list.joined(separator: ", ") + "]"
        return APIError(code: 422, reason: "Invalid", message: "\(qualifiedKind) \"\(name)\" is invalid: \(joined)",
                        details: StatusDetails(name: name, group: group, kind: kind,
                                               causes: errors.map { StatusCause(reason: $0.reason, message: $0.message, field: $0.field) }))
    }
}

/// One field error, as apimachinery's `field.Error`: `spec.replicas: Invalid value: -1: must be >= 0`.
public struct FieldError: Sendable, Hashable {
    public var reason: String
    public var field: String
    public var message: String

    public var text: String { field.isEmpty ? message : "\(field): \(message)" }

    static func required(_ field: String, _ detail: String = "") -> FieldError {
        FieldError(reason: "FieldValueRequired", field: field, message: detail.isEmpty ? "Required value" : "Required value: \(detail)")
    }

    static func invalid(_ field: String, _ value: JSONValue?, _ detail: String) -> FieldError {
        FieldError(reason: "FieldValueInvalid", field: field,
                   message: "Invalid value: \(value.map(FieldError.render) ?? "\"null\""): \(detail)")
    }

    static func notSupported(_ field: String, _ value: JSONValue, _ allowed: [JSONValue]) -> FieldError {
        FieldError(reason: "FieldValueNotSupported", field: field,
                   message: "Unsupported value: \(render(value)): supported values: "
                    + allowed.map(render).joined(separator: ", "))
    }

    static func tooLong(_ field: String, _ max: Int) -> FieldError {
        FieldError(reason: "FieldValueTooLong", field: field, message: "Too long: may not be more than \(max) bytes")
    }

    static func tooMany(_ field: String, _ actual: Int, _ max: Int) -> FieldError {
        FieldError(reason: "FieldValueTooMany", field: field, message: "Too many: \(actual): must have at most \(max) items")
    }

    static func forbidden(_ field: String, _ detail: String) -> FieldError {
        FieldError(reason: "FieldValueForbidden", field: field, message: "Forbidden: \(detail)")
    }

    static func duplicate(_ field: String, _ value: JSONValue) -> FieldError {
        FieldError(reason: "FieldValueDuplicate", field: field, message: "Duplicate value: \(render(value))")
    }

    /// Go's `%#v`-like rendering apimachinery uses: strings quoted, numbers bare, objects as JSON-ish text.
    static func render(_ v: JSONValue) -> String {
        switch v {
        case .string(let s): return "\"\(s)\""
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .bool(let b): return String(b)
        case .null: return "\"null\""
        case .array: return "\"array\""
        case .object: return "\"object\""
        }
    }
}
