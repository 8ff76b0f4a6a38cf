// Applying PATCH bodies: JSON merge patch and JSON patch come from KubeCore; strategic merge patch
// (StrategicMergePatch.swift) is the dev cluster's own. Errors carry the HTTP code the real server uses.

import KubeCore

public struct PatchError: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// 400 for a malformed patch document, 422 for a patch that does not apply to the object.
    public var code: Int
    public var description: String { message }
}

enum Patches {
    /// RFC 6902: a malformed document is a 400, a patch that does not apply a 422.
    static func applyJSONPatch(_ patch: JSONValue, to target: JSONValue) throws -> JSONValue {
        let decoded: JSONPatch
        do { decoded = try JSONValueDecoder().decode(JSONPatch.self, from: patch) } catch {
            throw PatchError(message: "invalid JSON patch: \(error)", code: 400)
        }
        do { return try decoded.apply(to: target) } catch {
            throw PatchError(message: error.description, code: 422)
        }
    }
}
