// TypeMeta (meta/v1): `apiVersion` and `kind`, the two fields that say what an object is. Decoding only
// these is how dynamic code routes a document it does not know yet.

public struct TypeMeta: Codable, Sendable, Hashable {
    public var apiVersion: String?
    public var kind: String?
    public var unknownFields: UnknownFields? = nil

    public init(apiVersion: String? = nil, kind: String? = nil) {
        self.apiVersion = apiVersion
        self.kind = kind
    }

    public var groupVersionKind: GroupVersionKind? {
        guard let apiVersion, let kind else { return nil }
        return GroupVersionKind(apiVersion: apiVersion, kind: kind)
    }
}

extension KeyedDecodingContainer {
    /// `apiVersion` or `kind` of a typed kind. List items arrive without them, so a missing or null value
    /// falls back to the kind's own (`fallback`, from its descriptor).
    func typeMeta(_ key: Key, _ fallback: String) throws -> String {
        try decodeIfPresent(String.self, forKey: key) ?? fallback
    }
}
