// FakeWidgetAPI: just enough of an API server for `widgets` to exercise CRUD, conflicts, preconditions and
// paging over real HTTP. (The dev cluster is the full emulator; this keeps the client tests independent.)

import Foundation
import HTTPServer
import KubeCore
import Synchronization

final class FakeWidgetAPI: Sendable {
    private let state = Mutex<(objects: [String: JSONValue], version: Int, uids: Int)>(([:], 0, 0))
    let prefix = "/apis/test.gantry.dev/v1/namespaces/default/widgets"

    func handle(_ request: HTTPRequest) -> HTTPResponse {
        let path = request.path
        guard path.hasPrefix(prefix) else { return statusResponse(404, "NotFound", "no route \(path)") }
        let rest = path.dropFirst(prefix.count)
        let name = rest.hasPrefix("/") ? String(rest.dropFirst()) : nil
        switch (request.method, name) {
        case (.get, nil): return list(request)
        case (.post, nil): return create(request)
        case (.get, let name?): return get(name)
        case (.put, let name?): return update(name, request)
        case (.patch, let name?): return patch(name, request)
        case (.delete, let name?): return delete(name, request)
        default: return statusResponse(405, "MethodNotAllowed", "")
        }
    }

    private func get(_ name: String) -> HTTPResponse {
        guard let object = state.withLock({ $0.objects[name] }) else { return notFound(name) }
        return .json(JSONWriter.write(object))
    }

    private func list(_ request: HTTPRequest) -> HTTPResponse {
        let (objects, version) = state.withLock { s in (s.objects, s.version) }
        var names = objects.keys.sorted()
        if let selector = request.query("labelSelector"), let eq = selector.firstIndex(of: "=") {
            let key = String(selector[..<eq])
            let value = String(selector[selector.index(after: eq)...])
            names = names.filter { objects[$0]?[path: ["metadata", "labels", key]]?.stringValue == value }
        }
        if let token = request.query("continue") {
            guard request.query("resourceVersion") == nil else {
                return statusResponse(400, "BadRequest", "specifying resource version is not allowed when using continue")
            }
            names = names.filter { $0 > token }
        }
        var meta: JSONValue = ["resourceVersion": .string(String(version))]
        if let limit = request.query("limit").flatMap(Int.init), names.count > limit {
            names = Array(names.prefix(limit))
            meta["continue"] = .string(names.last ?? "")
        }
        let list: JSONValue = ["apiVersion": "test.gantry.dev/v1", "kind": "WidgetList", "metadata": meta,
                               "items": .array(names.compactMap { objects[$0] })]
        return .json(JSONWriter.write(list))
    }

    private func create(_ request: HTTPRequest) -> HTTPResponse {
        guard var object = try? JSONParser.parse(request.body), let name = object[path: ["metadata", "name"]]?.stringValue else {
            return statusResponse(400, "BadRequest", "body is not an object with a name")
        }
        if object[path: ["spec", "size"]]?.intValue.map({ $0 < 0 }) == true {
            var s = statusValue(422, "Invalid", "Widget \"\(name)\" is invalid")
            s["details"] = ["name": .string(name), "kind": "widgets",
                            "causes": [["reason": "FieldValueInvalid", "message": "must be >= 0", "field": "spec.size"]]]
            return .json(JSONWriter.write(s), status: 422)
        }
        let result = state.withLock { s -> JSONValue? in
            guard s.objects[name] == nil else { return nil }
            s.version += 1
            s.uids += 1
            object.set(.string(String(s.version)), at: ["metadata", "resourceVersion"])
            object.set(.string("uid-\(s.uids)"), at: ["metadata", "uid"])
            s.objects[name] = object
            return object
        }
        guard let result else { return statusResponse(409, "AlreadyExists", "widgets \"\(name)\" already exists") }
        return .json(JSONWriter.write(result), status: 201)
    }

    private func update(_ name: String, _ request: HTTPRequest) -> HTTPResponse {
        guard var object = try? JSONParser.parse(request.body) else { return statusResponse(400, "BadRequest", "bad body") }
        enum Outcome { case ok(JSONValue), missing, conflict }
        let outcome = state.withLock { s -> Outcome in
            guard let current = s.objects[name] else { return .missing }
            let sent = object[path: ["metadata", "resourceVersion"]]?.stringValue
            if let sent, sent != current[path: ["metadata", "resourceVersion"]]?.stringValue { return .conflict }
            s.version += 1
            object.set(.string(String(s.version)), at: ["metadata", "resourceVersion"])
            object.set(current[path: ["metadata", "uid"]], at: ["metadata", "uid"])
            s.objects[name] = object
            return .ok(object)
        }
        switch outcome {
        case .ok(let o): return .json(JSONWriter.write(o))
        case .missing: return notFound(name)
        case .conflict:
            return statusResponse(409, "Conflict", "Operation cannot be fulfilled on widgets.test.gantry.dev \"\(name)\": "
                          + "the object has been modified; please apply your changes to the latest version and try again")
        }
    }

    private func patch(_ name: String, _ request: HTTPRequest) -> HTTPResponse {
        guard request.headers["Content-Type"] == "application/merge-patch+json" else {
            return statusResponse(415, "UnsupportedMediaType", "only merge patches here")
        }
        guard let patch = try? JSONParser.parse(request.body) else { return statusResponse(400, "BadRequest", "bad patch") }
        let result = state.withLock { s -> JSONValue? in
            guard let current = s.objects[name] else { return nil }
            var merged = mergePatch(current, patch)
            s.version += 1
            merged.set(.string(String(s.version)), at: ["metadata", "resourceVersion"])
            s.objects[name] = merged
            return merged
        }
        guard let result else { return notFound(name) }
        return .json(JSONWriter.write(result))
    }

    private func delete(_ name: String, _ request: HTTPRequest) -> HTTPResponse {
        let options = (try? JSONParser.parse(request.body)) ?? [:]
        enum Outcome { case deleted, missing, conflict(String) }
        let outcome = state.withLock { s -> Outcome in
            guard let current = s.objects[name] else { return .missing }
            if let uid = options[path: ["preconditions", "uid"]]?.stringValue,
               uid != current[path: ["metadata", "uid"]]?.stringValue {
                return .conflict("Precondition failed: UID in precondition: \(uid), UID in object meta: "
                                 + (current[path: ["metadata", "uid"]]?.stringValue ?? ""))
            }
            s.objects[name] = nil
            return .deleted
        }
        switch outcome {
        case .deleted:
            let ok: JSONValue = ["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Success",
                                 "details": ["name": .string(name), "kind": "widgets"]]
            return .json(JSONWriter.write(ok))
        case .missing: return notFound(name)
        case .conflict(let message): return statusResponse(409, "Conflict", message)
        }
    }

    private func notFound(_ name: String) -> HTTPResponse {
        statusResponse(404, "NotFound", "widgets.test.gantry.dev \"\(name)\" not found")
    }
}

func statusValue(_ code: Int, _ reason: String, _ message: String) -> JSONValue {
    ["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure", "message": .string(message),
     "reason": .string(reason), "code": .int(Int64(code))]
}

func statusResponse(_ code: Int, _ reason: String, _ message: String, headers: HTTPHeaders = HTTPHeaders()) -> HTTPResponse {
    var response = HTTPResponse.json(JSONWriter.write(statusValue(code, reason, message)), status: code)
    for field in headers.fields { response.headers.add(field.name, field.value) }
    return response
}

/// RFC 7386 merge patch, enough for the fake server.
func mergePatch(_ target: JSONValue, _ patch: JSONValue) -> JSONValue {
    guard let patchObject = patch.objectValue else { return patch }
    var result = target.objectValue ?? JSONObject()
    for (key, value) in patchObject {
        if value.isNull {
            result[key] = nil
        } else {
            result[key] = mergePatch(result[key] ?? .null, value)
        }
    }
    return .object(result)
}
