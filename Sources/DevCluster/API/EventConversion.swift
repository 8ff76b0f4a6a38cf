// core/v1 and events.k8s.io/v1 Events are one resource stored once (in core/v1 form), as on the real
// server: an event a controller records through events.k8s.io shows in `kubectl describe`, and the other
// way round. The field mapping is that of k8s.io/kubernetes pkg/apis/events/v1 conversion.

import KubeCore

enum EventConversion {
    /// (events.k8s.io/v1 name, core/v1 name) for the fields that differ.
    static let renamed: [(String, String)] = [
        ("regarding", "involvedObject"), ("note", "message"), ("reportingController", "reportingComponent"),
        ("deprecatedSource", "source"), ("deprecatedFirstTimestamp", "firstTimestamp"),
        ("deprecatedLastTimestamp", "lastTimestamp"), ("deprecatedCount", "count"),
    ]

    static func toCore(_ event: JSONValue) -> JSONValue {
        guard case .object(var o) = event else { return event }
        for (v1, core) in renamed { if let value = o.removeValue(forKey: v1) { o[core] = value } }
        o["apiVersion"] = "v1"
        return .object(o)
    }

    static func toEventsV1(_ event: JSONValue) -> JSONValue {
        guard case .object(var o) = event else { return event }
        for (v1, core) in renamed { if let value = o.removeValue(forKey: core) { o[v1] = value } }
        o["apiVersion"] = "events.k8s.io/v1"
        return .object(o)
    }

    /// A field selector of events.k8s.io (`regarding.name`) as the stored core field (`involvedObject.name`).
    static func coreField(_ field: String) -> String {
        for (v1, core) in renamed {
            if field == v1 { return core }
            if field.hasPrefix(v1 + ".") { return core + field.dropFirst(v1.count) }
        }
        return field
    }
}

extension ResourceInfo {
    /// events.k8s.io Events, served from the core Events' storage.
    var isEventsV1: Bool { group == "events.k8s.io" && plural == "events" }
}

extension APIServer {
    /// The object as stored, from the form a request wrote it in.
    func toStorage(_ object: JSONValue, _ ctx: RequestContext) -> JSONValue {
        ctx.info.isEventsV1 ? EventConversion.toCore(object) : object
    }
}
