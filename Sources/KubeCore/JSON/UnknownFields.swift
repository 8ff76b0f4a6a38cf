// UnknownFields: the members of a JSON object that a typed model does not declare.
//
// Another controller's fields, or fields of a newer API version, must survive when this code reads an
// object, changes it and writes it back. Every modelled struct therefore ends with
//
//     public var unknownFields: UnknownFields? = nil
//
// declared as its *last* stored property. `JSONValueDecoder` fills it with the object's keys that the
// type's `CodingKeys` does not recognise, and `JSONValueEncoder` writes those keys back into the same
// object (not under an "unknownFields" key). Other coders (Foundation's JSONEncoder) see an ordinary
// optional property; use KubeCore's coders for anything that goes to the API server.

public struct UnknownFields: Sendable, Hashable {
    public var fields: JSONObject

    public init(_ fields: JSONObject = JSONObject()) { self.fields = fields }

    public var isEmpty: Bool { fields.isEmpty }

    public subscript(key: String) -> JSONValue? {
        get { fields[key] }
        set { fields[key] = newValue }
    }
}

extension UnknownFields: Codable {
    // Only reached through coders other than KubeCore's, which intercept this type.
    public init(from decoder: Decoder) throws {
        let value = try JSONValue(from: decoder)
        fields = value.objectValue ?? JSONObject()
    }

    public func encode(to encoder: Encoder) throws {
        try JSONValue.object(fields).encode(to: encoder)
    }
}
