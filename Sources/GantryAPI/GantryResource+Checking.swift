// What a controller does with an object it reads: decode it, default it, validate it, and put the outcome
// on the object as its `Invalid` condition. An object that does not even decode (a string where a number
// belongs, on a cluster without schema validation) still yields field errors, so it too gets a condition
// and an Event instead of crashing or silently stalling the controller.

import KubeCore

public struct CheckedObject<Object: GantryResource>: Sendable {
    /// The defaulted object, nil when it could not be decoded.
    public var object: Object?
    /// Decoding or validation errors; empty for a valid object.
    public var errors: FieldErrors

    public var isValid: Bool { object != nil && errors.isEmpty }
}

extension GantryResource {
    /// Decodes, defaults and validates an object as read from the API server.
    public static func check(_ value: JSONValue) -> CheckedObject<Self> {
        do {
            let object = try JSONValueDecoder().decode(Self.self, from: value).defaulted()
            return CheckedObject(object: object, errors: object.validate())
        } catch let error as DecodingError {
            return CheckedObject(object: nil, errors: [FieldError(decoding: error, in: value)])
        } catch {
            return CheckedObject(object: nil, errors: [FieldError(.invalid, FieldPath("<root>"), value: nil, "\(error)")])
        }
    }

    /// The `Invalid` condition for this object's current generation.
    public func invalidCondition(now: Time = .now) -> Condition {
        validate().condition(observedGeneration: metadata.generation, now: now)
    }
}

extension FieldError {
    /// A decoding failure as a field error: Required for a missing field, Invalid (with the offending value)
    /// for a value of the wrong type or form.
    public init(decoding error: DecodingError, in root: JSONValue) {
        let context: DecodingError.Context
        switch error {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): context = c
        case .keyNotFound(let key, let c):
            self.init(.required, Self.path(c.codingPath + [key]))
            return
        @unknown default:
            self.init(.invalid, FieldPath("<root>"), value: nil, "\(error)")
            return
        }
        var value: JSONValue? = root
        for key in context.codingPath {
            if let i = key.intValue, key.stringValue == String(i) { value = value?[i] } else { value = value?[key.stringValue] }
        }
        self.init(.invalid, Self.path(context.codingPath), value: value ?? .null, context.debugDescription)
    }

    static func path(_ keys: [CodingKey]) -> FieldPath {
        var path: FieldPath?
        for key in keys {
            if let i = key.intValue, key.stringValue == String(i) {
                path = (path ?? FieldPath("<root>")).index(i)
            } else {
                path = path?.child(key.stringValue) ?? FieldPath(key.stringValue)
            }
        }
        return path ?? FieldPath("<root>")
    }
}
