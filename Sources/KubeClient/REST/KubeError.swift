// KubeError: every failure of a client call, typed so callers can branch on what the API server meant
// (retry on Conflict, relist on Expired, back off on TooManyRequests) without parsing messages.
//
// API errors carry the server's `Status` and the request; the mapping follows apimachinery's
// `pkg/api/errors`: the Status `reason` decides first, the HTTP code when the reason is missing or unknown.

import Foundation
import KubeCore

public enum KubeError: Error, Sendable, CustomStringConvertible {
    /// 400 BadRequest (also a `continue` token combined with a resourceVersion, malformed selectors, ...).
    case badRequest(APIErrorInfo)
    /// 401: credentials missing or rejected.
    case unauthorized(APIErrorInfo)
    /// 403: authenticated but not allowed (RBAC), or forbidden by an admission rule.
    case forbidden(APIErrorInfo)
    /// 404.
    case notFound(APIErrorInfo)
    /// 405 MethodNotAllowed (the resource does not support the verb).
    case methodNotAllowed(APIErrorInfo)
    /// 409 with reason AlreadyExists: create of an existing name.
    case alreadyExists(APIErrorInfo)
    /// 409 with reason Conflict (or no reason): stale resourceVersion or failed precondition; re-read and retry.
    case conflict(APIErrorInfo)
    /// 410 Gone / reason Expired: the resourceVersion or continue token is too old. Re-list.
    case expired(APIErrorInfo)
    /// 422 Invalid: the object failed validation; `info.causes` lists the fields.
    case invalid(APIErrorInfo)
    /// 429: throttled (API priority and fairness, or an eviction blocked by a PodDisruptionBudget);
    /// `info.retryAfter` says when to retry.
    case tooManyRequests(APIErrorInfo)
    /// 500 InternalError.
    case internalError(APIErrorInfo)
    /// 503 ServiceUnavailable.
    case serviceUnavailable(APIErrorInfo)
    /// 504, or reason ServerTimeout/Timeout: the server could not finish in time; retry.
    case serverTimeout(APIErrorInfo)
    /// Any other non-success response.
    case unexpectedStatus(APIErrorInfo)
    /// No HTTP response: connection, TLS, timeout, broken stream.
    case transport(TransportError)
    /// A response arrived but its body could not be decoded into the expected type.
    case decoding(DecodingFailure)
    /// The call was not sent because it cannot be made as asked (an update of an object without a name,
    /// server-side apply without a field manager).
    case invalidRequest(String)

    /// The API error details, for every case but `transport` and `decoding`.
    public var apiError: APIErrorInfo? {
        switch self {
        case .badRequest(let i), .unauthorized(let i), .forbidden(let i), .notFound(let i), .methodNotAllowed(let i),
             .alreadyExists(let i), .conflict(let i), .expired(let i), .invalid(let i), .tooManyRequests(let i),
             .internalError(let i), .serviceUnavailable(let i), .serverTimeout(let i), .unexpectedStatus(let i):
            return i
        case .transport, .decoding, .invalidRequest:
            return nil
        }
    }

    /// The server's Status, when the server answered with an error.
    public var status: Status? { apiError?.status }

    /// HTTP status code of an API error.
    public var code: Int? { apiError?.code }

    /// How long the server asked the client to wait (Retry-After), if it did.
    public var retryAfter: Duration? { apiError?.retryAfter }

    public var isNotFound: Bool { if case .notFound = self { return true } else { return false } }
    public var isAlreadyExists: Bool { if case .alreadyExists = self { return true } else { return false } }
    public var isConflict: Bool { if case .conflict = self { return true } else { return false } }
    public var isExpired: Bool { if case .expired = self { return true } else { return false } }

    public var description: String {
        switch self {
        case .transport(let e): return "transport error: \(e)"
        case .decoding(let d): return "decoding error: \(d)"
        case .invalidRequest(let message): return "invalid request: \(message)"
        default:
            guard let i = apiError else { return "unknown error" }
            return "\(caseName) (\(i.code)): \(i)"
        }
    }

    private var caseName: String {
        switch self {
        case .badRequest: return "BadRequest"
        case .unauthorized: return "Unauthorized"
        case .forbidden: return "Forbidden"
        case .notFound: return "NotFound"
        case .methodNotAllowed: return "MethodNotAllowed"
        case .alreadyExists: return "AlreadyExists"
        case .conflict: return "Conflict"
        case .expired: return "Expired"
        case .invalid: return "Invalid"
        case .tooManyRequests: return "TooManyRequests"
        case .internalError: return "InternalError"
        case .serviceUnavailable: return "ServiceUnavailable"
        case .serverTimeout: return "ServerTimeout"
        case .unexpectedStatus: return "UnexpectedStatus"
        case .transport: return "Transport"
        case .decoding: return "Decoding"
        case .invalidRequest: return "InvalidRequest"
        }
    }
}

/// What the server said about a failed request.
public struct APIErrorInfo: Sendable, Hashable, CustomStringConvertible {
    /// The server's Status (synthesised from the HTTP code when the body was not a Status).
    public var status: Status
    /// HTTP status code of the response (or the Status `code` for a watch ERROR event).
    public var code: Int
    /// The request, as "METHOD /path?query".
    public var request: String
    /// From the `Retry-After` header, else from `status.details.retryAfterSeconds`.
    public var retryAfter: Duration?

    public init(status: Status, code: Int, request: String, retryAfter: Duration? = nil) {
        self.status = status
        self.code = code
        self.request = request
        self.retryAfter = retryAfter
    }

    public var message: String { status.message ?? "" }
    public var reason: String? { status.reason }
    /// Validation failures of an Invalid error (field and message each).
    public var causes: [StatusCause] { status.details?.causes ?? [] }

    public var description: String {
        var text = "\(request): \(status.message ?? status.reason ?? "HTTP \(code)")"
        if !causes.isEmpty {
            text += " [" + causes.map { c in [c.field, c.message].compactMap { $0 }.joined(separator: ": ") }
                .joined(separator: "; ") + "]"
        }
        return text
    }
}

/// A response body that did not decode.
public struct DecodingFailure: Sendable, Hashable, CustomStringConvertible {
    /// The request, as "METHOD /path?query".
    public var request: String
    /// What was expected ("Pod", "watch event").
    public var expected: String
    /// Field path and reason (`spec.containers[0].name: expected string, got integer`) or the JSON syntax error.
    public var message: String

    public init(request: String, expected: String, message: String) {
        self.request = request
        self.expected = expected
        self.message = message
    }

    public var description: String { "\(request): cannot decode \(expected): \(message)" }
}

extension KubeError {
    /// Maps a Status (from a response body or a watch ERROR event) to the typed error.
    public static func from(status: Status, httpCode: Int? = nil, request: String, retryAfter: Duration? = nil)
        -> KubeError
    {
        let code = httpCode ?? status.code ?? 500
        let retry = retryAfter ?? status.details?.retryAfterSeconds.map { Duration.seconds($0) }
        let info = APIErrorInfo(status: status, code: code, request: request, retryAfter: retry)
        switch status.reason {
        case "BadRequest": return .badRequest(info)
        case "Unauthorized": return .unauthorized(info)
        case "Forbidden": return .forbidden(info)
        case "NotFound": return .notFound(info)
        case "MethodNotAllowed": return .methodNotAllowed(info)
        case "AlreadyExists": return .alreadyExists(info)
        case "Conflict": return .conflict(info)
        case "Gone", "Expired": return .expired(info)
        case "Invalid": return .invalid(info)
        case "TooManyRequests": return .tooManyRequests(info)
        case "InternalError": return .internalError(info)
        case "ServiceUnavailable": return .serviceUnavailable(info)
        case "ServerTimeout", "Timeout": return .serverTimeout(info)
        default: break
        }
        switch code {
        case 400: return .badRequest(info)
        case 401: return .unauthorized(info)
        case 403: return .forbidden(info)
        case 404: return .notFound(info)
        case 405: return .methodNotAllowed(info)
        case 409: return .conflict(info)
        case 410: return .expired(info)
        case 422: return .invalid(info)
        case 429: return .tooManyRequests(info)
        case 500: return .internalError(info)
        case 503: return .serviceUnavailable(info)
        case 504: return .serverTimeout(info)
        default: return .unexpectedStatus(info)
        }
    }

    /// Maps a non-success HTTP response. The body is used when it is a Status; anything else (an HTML page
    /// from a proxy, empty) becomes a synthetic Status with the HTTP code and a bounded excerpt of the body.
    static func from(response: TransportResponse, request: String) -> KubeError {
        let retryAfter = response.headers["Retry-After"].flatMap(parseRetryAfter)
        var status: Status
        if let decoded = try? JSONValueDecoder().decode(Status.self, from: response.body), decoded.kind == "Status" {
            status = decoded
        } else {
            let excerpt = String(decoding: response.body.prefix(512), as: UTF8.self)
            status = Status(message: excerpt.isEmpty ? "HTTP \(response.status)" : excerpt, code: response.status)
        }
        if status.code == nil { status.code = response.status }
        return from(status: status, httpCode: response.status, request: request, retryAfter: retryAfter)
    }
}

/// `Retry-After` in delta-seconds (what the API server sends). HTTP-dates are not used by Kubernetes and
/// are ignored rather than guessed at.
func parseRetryAfter(_ value: String) -> Duration? {
    let trimmed = value.trimmingCharacters(in: .whitespaces)
    guard let seconds = Int(trimmed), seconds >= 0 else { return nil }
    return .seconds(seconds)
}
