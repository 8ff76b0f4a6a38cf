// ConfigMap and Secret (core/v1): configuration and credentials mounted into pods or read by controllers.

import Foundation

public struct ConfigMap: KubeResource, Hashable {
    public static let descriptor = ResourceDescriptor(
        group: "", version: "v1", kind: "ConfigMap", plural: "configmaps", namespaced: true)

    public var apiVersion: String
    public var kind: String
    public var metadata: ObjectMeta
    public var data: [String: String]?
    /// Base64 on the wire.
    public var binaryData: [String: String]?
    public var immutable: Bool?
    public var unknownFields: UnknownFields? = nil

    public init(metadata: ObjectMeta = ObjectMeta(), data: [String: String]? = nil, binaryData: [String: String]? = nil,
                immutable: Bool? = nil) {
        apiVersion = Self.descriptor.apiVersion
        kind = Self.descriptor.kind
        self.metadata = metadata
        self.data = data
        self.binaryData = binaryData
        self.immutable = immutable
    }

    enum CodingKeys: String, CodingKey { case apiVersion, kind, metadata, data, binaryData, immutable, unknownFields }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        apiVersion = try c.typeMeta(.apiVersion, Self.descriptor.apiVersion)
        kind = try c.typeMeta(.kind, Self.descriptor.kind)
        metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta()
        data = try c.decodeIfPresent([String: String].self, forKey: .data)
        binaryData = try c.decodeIfPresent([String: String].self, forKey: .binaryData)
        immutable = try c.decodeIfPresent(Bool.self, forKey: .immutable)
        unknownFields = try c.decodeIfPresent(UnknownFields.self, forKey: .unknownFields)
    }
}

public struct Secret: KubeResource, Hashable {
    public static let descriptor = ResourceDescriptor(group: "", version: "v1", kind: "Secret", plural: "secrets", namespaced: true)

    public var apiVersion: String
    public var kind: String
    public var metadata: ObjectMeta
    /// Base64 on the wire; `value(forKey:)` decodes.
    public var data: [String: String]?
    /// Write-only convenience: the API server merges it into `data`.
    public var stringData: [String: String]?
    /// Opaque, kubernetes.io/tls, kubernetes.io/dockerconfigjson, ...
    public var type: String?
    public var immutable: Bool?
    public var unknownFields: UnknownFields? = nil

    public init(metadata: ObjectMeta = ObjectMeta(), data: [String: String]? = nil, stringData: [String: String]? = nil,
                type: String? = nil, immutable: Bool? = nil) {
        apiVersion = Self.descriptor.apiVersion
        kind = Self.descriptor.kind
        self.metadata = metadata
        self.data = data
        self.stringData = stringData
        self.type = type
        self.immutable = immutable
    }

    enum CodingKeys: String, CodingKey { case apiVersion, kind, metadata, data, stringData, type, immutable, unknownFields }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        apiVersion = try c.typeMeta(.apiVersion, Self.descriptor.apiVersion)
        kind = try c.typeMeta(.kind, Self.descriptor.kind)
        metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta()
        data = try c.decodeIfPresent([String: String].self, forKey: .data)
        stringData = try c.decodeIfPresent([String: String].self, forKey: .stringData)
        type = try c.decodeIfPresent(String.self, forKey: .type)
        immutable = try c.decodeIfPresent(Bool.self, forKey: .immutable)
        unknownFields = try c.decodeIfPresent(UnknownFields.self, forKey: .unknownFields)
    }

    /// The decoded bytes of `data[key]` (nil when missing or not base64).
    public func value(forKey key: String) -> Data? {
        data?[key].flatMap { Data(base64Encoded: $0) }
    }

    /// Stores `value` base64-encoded in `data`.
    public mutating func setValue(_ value: Data, forKey key: String) {
        var d = data ?? [:]
        d[key] = value.base64EncodedString()
        data = d
    }
}
