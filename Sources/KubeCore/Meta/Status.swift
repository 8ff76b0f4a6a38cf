// Status (meta/v1): the API server's error and deletion response, and the object of a watch ERROR event.

public struct Status: Codable, Sendable, Hashable, Error {
    public var apiVersion: String? = "v1"
    public var kind: String? = "Status"
    public var metadata: ListMeta?
    /// "Success" or "Failure".
    public var status: String?
    public var message: String?
    /// Machine-readable reason: NotFound, AlreadyExists, Conflict, Invalid, Expired, Gone, Forbidden, ...
    public var reason: String?
    public var details: StatusDetails?
    public var code: Int?
    public var unknownFields: UnknownFields? = nil

    public init(status: String? = "Failure", message: String? = nil, reason: String? = nil,
                details: StatusDetails? = nil, code: Int? = nil) {
        self.metadata = ListMeta()
        self.status = status
        self.message = message
        self.reason = reason
        self.details = details
        self.code = code
    }

    public static func success(code: Int = 200, details: StatusDetails? = nil) -> Status {
        Status(status: "Success", details: details, code: code)
    }
}

public struct StatusDetails: Codable, Sendable, Hashable {
    public var name: String?
    public var group: String?
    public var kind: String?
    public var uid: String?
    public var causes: [StatusCause]?
    public var retryAfterSeconds: Int?
    public var unknownFields: UnknownFields? = nil

    public init(name: String? = nil, group: String? = nil, kind: String? = nil, uid: String? = nil,
                causes: [StatusCause]? = nil, retryAfterSeconds: Int? = nil) {
        self.name = name
        self.group = group
        self.kind = kind
        self.uid = uid
        self.causes = causes
        self.retryAfterSeconds = retryAfterSeconds
    }
}

/// One reason an object is invalid, with the field it concerns (`spec.replicas[0].count`).
public struct StatusCause: Codable, Sendable, Hashable {
    /// FieldValueRequired, FieldValueInvalid, FieldValueNotSupported, FieldValueDuplicate, FieldValueTooLong, ...
    public var reason: String?
    public var message: String?
    public var field: String?
    public var unknownFields: UnknownFields? = nil

    public init(reason: String? = nil, message: String? = nil, field: String? = nil) {
        self.reason = reason
        self.message = message
        self.field = field
    }
}
