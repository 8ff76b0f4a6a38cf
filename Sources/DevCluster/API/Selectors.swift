// Label and field selectors on list, watch and deletecollection requests, parsed by KubeCore's LabelQuery
// and FieldQuery. Field selectors are limited to the fields each resource supports, as on the real server
// (anything else is a 400), and read the way its field functions index them.

import KubeCore

struct ResourceSelectors: Sendable {
    var labels: LabelQuery?
    var fields: FieldQuery?

    init(labelSelector: String?, fieldSelector: String?, info: ResourceInfo) throws {
        if let text = labelSelector {
            do { labels = try LabelQuery(text) } catch { throw APIError.badRequest("\(error)") }
        }
        if let text = fieldSelector {
            let query: FieldQuery
            do { query = try FieldQuery(text) } catch { throw APIError.badRequest("\(error)") }
            for term in query.terms where !(term.field == "metadata.name" || term.field == "metadata.namespace"
                                            || info.fieldLabels.contains(term.field)) {
                throw APIError.badRequest("field label not supported: \(term.field)")
            }
            // events.k8s.io selects on its own field names; the stored objects are core Events.
            fields = info.isEventsV1
                ? FieldQuery(terms: query.terms.map { FieldQuery.Term(field: EventConversion.coreField($0.field), negated: $0.negated, value: $0.value) })
                : query
        }
    }

    var isEmpty: Bool { labels == nil && fields == nil }

    func matches(_ object: JSONValue) -> Bool {
        if let labels {
            var map: [String: String] = [:]
            for (k, v) in object["metadata"]?["labels"]?.objectValue ?? JSONObject() { if let s = v.stringValue { map[k] = s } }
            if !labels.matches(map) { return false }
        }
        if let fields {
            var values: [String: String] = [:]
            for term in fields.terms { values[term.field] = Self.fieldValue(object, term.field) }
            if !fields.matches(values) { return false }
        }
        return true
    }

    /// The value the real server indexes for a field: absent is "", booleans are "true"/"false" (and an
    /// unset `spec.unschedulable` is "false"), an event's `source` is its source component.
    static func fieldValue(_ object: JSONValue, _ field: String) -> String {
        if field == "source" { return object["source"]?["component"]?.stringValue ?? "" }
        let value = FieldQuery.field(field, of: object) ?? ""
        if value.isEmpty && (field == "spec.unschedulable" || field == "spec.hostNetwork") { return "false" }
        return value
    }
}
