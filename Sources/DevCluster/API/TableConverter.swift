// Table output (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`), what `kubectl get` prints:
// custom resources get their CRD's printer columns (default: Age), a few built-ins the columns of the
// real server's printers, everything else Name and Created At like the real default table convertor.

import Foundation
import KubeCore

extension APIServer {
    func table(for objects: [JSONValue], _ ctx: RequestContext, rv: UInt64) -> JSONValue {
        let columns = tableColumns(ctx)
        let include = ctx.query.includeObject ?? "Metadata"
        let rows: [JSONValue] = objects.map { object in
            var row: JSONValue = ["cells": .array(columns.map { cell(object, $0) })]
            switch include {
            case "None": break
            case "Object": row["object"] = served(object, ctx)
            default: row["object"] = partialMetadata(object)
            }
            return row
        }
        return [
            "kind": "Table", "apiVersion": "meta.k8s.io/v1",
            "metadata": ["resourceVersion": .string(String(rv))],
            "columnDefinitions": .array(columns.map { c in
                ["name": .string(c.name), "type": .string(c.type == "date" ? "string" : c.type), "format": .string(c.format),
                 "description": .string(c.description), "priority": .int(Int64(c.priority))]
            }),
            "rows": .array(rows),
        ]
    }

    static let nameColumn = PrinterColumn(name: "Name", type: "string", format: "name",
                                          description: "Name must be unique within a namespace.", jsonPath: ".metadata.name")
    static let ageColumn = PrinterColumn(name: "Age", type: "date", description: "CreationTimestamp is a timestamp representing the server time when this object was created.",
                                         jsonPath: ".metadata.creationTimestamp")

    func tableColumns(_ ctx: RequestContext) -> [PrinterColumn] {
        let info = ctx.info
        if info.isCustom {
            let custom = info.printerColumns[ctx.version] ?? []
            return [Self.nameColumn] + (custom.isEmpty ? [Self.ageColumn] : custom)
        }
        guard info.group.isEmpty || info.group == "coordination.k8s.io" else {
            return [Self.nameColumn, PrinterColumn(name: "Created At", type: "date", jsonPath: "$created")]
        }
        switch info.plural {
        case "pods":
            return [Self.nameColumn,
                    PrinterColumn(name: "Ready", type: "string", description: "The aggregate readiness state of this pod for accepting traffic.", jsonPath: "$podReady"),
                    PrinterColumn(name: "Status", type: "string", description: "The aggregate status of the containers in this pod.", jsonPath: "$podStatus"),
                    PrinterColumn(name: "Restarts", type: "string", description: "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.", jsonPath: "$podRestarts"),
                    Self.ageColumn,
                    PrinterColumn(name: "IP", type: "string", priority: 1, jsonPath: ".status.podIP"),
                    PrinterColumn(name: "Node", type: "string", priority: 1, jsonPath: ".spec.nodeName"),
                    PrinterColumn(name: "Nominated Node", type: "string", priority: 1, jsonPath: ".status.nominatedNodeName"),
                    PrinterColumn(name: "Readiness Gates", type: "string", priority: 1, jsonPath: "$none")]
        case "nodes":
            return [Self.nameColumn,
                    PrinterColumn(name: "Status", type: "string", description: "The status of the node", jsonPath: "$nodeStatus"),
                    PrinterColumn(name: "Roles", type: "string", description: "The roles of the node", jsonPath: "$nodeRoles"),
                    Self.ageColumn,
                    PrinterColumn(name: "Version", type: "string", description: "Kubelet Version reported by the node.", jsonPath: ".status.nodeInfo.kubeletVersion")]
        case "namespaces":
            return [Self.nameColumn, PrinterColumn(name: "Status", type: "string", description: "The status of the namespace", jsonPath: ".status.phase"), Self.ageColumn]
        case "configmaps":
            return [Self.nameColumn, PrinterColumn(name: "Data", type: "integer", jsonPath: "$dataCount"), Self.ageColumn]
        case "secrets":
            return [Self.nameColumn, PrinterColumn(name: "Type", type: "string", jsonPath: ".type"),
                    PrinterColumn(name: "Data", type: "integer", jsonPath: "$dataCount"), Self.ageColumn]
        case "services":
            return [Self.nameColumn, PrinterColumn(name: "Type", type: "string", jsonPath: ".spec.type"),
                    PrinterColumn(name: "Cluster-IP", type: "string", jsonPath: ".spec.clusterIP"),
                    PrinterColumn(name: "External-IP", type: "string", jsonPath: "$externalIP"),
                    PrinterColumn(name: "Port(s)", type: "string", jsonPath: "$ports"), Self.ageColumn]
        case "events":
            return [PrinterColumn(name: "Last Seen", type: "string", jsonPath: "$eventLastSeen"),
                    PrinterColumn(name: "Type", type: "string", jsonPath: ".type"),
                    PrinterColumn(name: "Reason", type: "string", jsonPath: ".reason"),
                    PrinterColumn(name: "Object", type: "string", jsonPath: "$eventObject"),
                    PrinterColumn(name: "Message", type: "string", jsonPath: ".message")]
        case "leases":
            return [Self.nameColumn, PrinterColumn(name: "Holder", type: "string", jsonPath: ".spec.holderIdentity"), Self.ageColumn]
        default:
            return [Self.nameColumn, PrinterColumn(name: "Created At", type: "date", jsonPath: "$created")]
        }
    }

    func cell(_ object: JSONValue, _ column: PrinterColumn) -> JSONValue {
        if column.jsonPath.hasPrefix("$") { return builtinCell(object, column.jsonPath) }
        let values = JSONPath.evaluate(column.jsonPath, object)
        guard !values.isEmpty else { return .null }
        if values.count > 1 {
            return .string(values.map(JSONPath.text).joined(separator: ","))
        }
        let v = values[0]
        switch column.type {
        case "date":
            guard let s = v.stringValue, let t = Time(rfc3339: s) else { return .null }
            return .string(Self.humanDuration(Date().timeIntervalSince(t.date)))
        case "integer": return v.intValue.map { .int($0) } ?? .null
        case "number": return v.doubleValue != nil ? v : .null
        case "boolean": return v.boolValue != nil ? v : .null
        default:
            if case .string = v { return v }
            return .string(JSONPath.text(v))
        }
    }

    private func builtinCell(_ o: JSONValue, _ name: String) -> JSONValue {
        switch name {
        case "$created": return o["metadata"]?["creationTimestamp"] ?? .null
        case "$none": return "<none>"
        case "$dataCount": return .int(Int64((o["data"]?.objectValue?.count ?? 0) + (o["binaryData"]?.objectValue?.count ?? 0)))
        case "$podReady":
            let containers = o["spec"]?["containers"]?.arrayValue?.count ?? 0
            let ready = o["status"]?["containerStatuses"]?.arrayValue?.filter { $0["ready"]?.boolValue == true }.count ?? 0
            return .string("\(ready)/\(containers)")
        case "$podStatus":
            if o["metadata"]?["deletionTimestamp"] != nil { return "Terminating" }
            var reason = o["status"]?["reason"]?.stringValue ?? o["status"]?["phase"]?.stringValue ?? "Unknown"
            for cs in o["status"]?["containerStatuses"]?.arrayValue ?? [] {
                if let r = cs["state"]?["waiting"]?["reason"]?.stringValue { reason = r }
                else if let r = cs["state"]?["terminated"]?["reason"]?.stringValue { reason = r }
            }
            return .string(reason)
        case "$podRestarts":
            let n = o["status"]?["containerStatuses"]?.arrayValue?.reduce(Int64(0)) { $0 + ($1["restartCount"]?.intValue ?? 0) } ?? 0
            return .string(String(n))
        case "$nodeStatus":
            let ready = o["status"]?["conditions"]?.arrayValue?.first { $0["type"]?.stringValue == "Ready" }
            var s = ready?["status"]?.stringValue == "True" ? "Ready" : (ready == nil ? "Unknown" : "NotReady")
            if o["spec"]?["unschedulable"]?.boolValue == true { s += ",SchedulingDisabled" }
            return .string(s)
        case "$nodeRoles":
            let roles = (o["metadata"]?["labels"]?.objectValue?.keys ?? []).compactMap { k -> String? in
                k.hasPrefix("node-role.kubernetes.io/") ? String(k.dropFirst("node-role.kubernetes.io/".count)) : nil
            }
            return .string(roles.isEmpty ? "<none>" : roles.sorted().joined(separator: ","))
        case "$externalIP":
            let ips = o["spec"]?["externalIPs"]?.arrayValue?.compactMap(\.stringValue) ?? []
            return .string(ips.isEmpty ? "<none>" : ips.joined(separator: ","))
        case "$ports":
            let ports = o["spec"]?["ports"]?.arrayValue ?? []
            if ports.isEmpty { return "<none>" }
            return .string(ports.map { p in "\(p["port"]?.intValue ?? 0)/\(p["protocol"]?.stringValue ?? "TCP")" }.joined(separator: ","))
        case "$eventLastSeen":
            let t = o["lastTimestamp"]?.stringValue ?? o["eventTime"]?.stringValue ?? o["metadata"]?["creationTimestamp"]?.stringValue
            guard let t, let time = Time(rfc3339: t) else { return "<unknown>" }
            return .string(Self.humanDuration(Date().timeIntervalSince(time.date)))
        case "$eventObject":
            let kind = (o["involvedObject"]?["kind"]?.stringValue ?? "").lowercased()
            return .string("\(kind)/\(o["involvedObject"]?["name"]?.stringValue ?? "")")
        default: return .null
        }
    }

    /// apimachinery's duration.HumanDuration, which kubectl's AGE column shows.
    static func humanDuration(_ interval: Double) -> String {
        let seconds = Int(interval)
        if seconds < -1 { return "<invalid>" }
        if seconds < 0 { return "0s" }
        if seconds < 60 * 2 { return "\(seconds)s" }
        let minutes = seconds / 60
        if minutes < 10 {
            let s = seconds % 60
            return s == 0 ? "\(minutes)m" : "\(minutes)m\(s)s"
        }
        if minutes < 60 * 3 { return "\(minutes)m" }
        let hours = minutes / 60
        if hours < 8 {
            let m = minutes % 60
            return m == 0 ? "\(hours)h" : "\(hours)h\(m)m"
        }
        if hours < 48 { return "\(hours)h" }
        if hours < 24 * 8 {
            let h = hours % 24
            return h == 0 ? "\(hours / 24)d" : "\(hours / 24)d\(h)h"
        }
        if hours < 24 * 365 * 2 { return "\(hours / 24)d" }
        if hours < 24 * 365 * 8 {
            let d = (hours / 24) % 365
            return d == 0 ? "\(hours / 24 / 365)y" : "\(hours / 24 / 365)y\(d)d"
        }
        return "\(hours / 24 / 365)y"
    }
}

/// The JSONPath subset printer columns use: `.a.b`, `['a.b/c']`, `[0]`, `[*]`, `[?(@.type=="Ready")]`.
enum JSONPath {
    static func evaluate(_ path: String, _ root: JSONValue) -> [JSONValue] {
        var expr = path.trimmingCharacters(in: .whitespaces)
        if expr.hasPrefix("{") && expr.hasSuffix("}") { expr = String(expr.dropFirst().dropLast()) }
        if expr.hasPrefix("$") { expr.removeFirst() }
        var current: [JSONValue] = [root]
        var i = expr.startIndex
        while i < expr.endIndex && !current.isEmpty {
            let c = expr[i]
            if c == "." {
                i = expr.index(after: i)
                let start = i
                while i < expr.endIndex && expr[i] != "." && expr[i] != "[" { i = expr.index(after: i) }
                let key = String(expr[start..<i])
                if key.isEmpty { continue }
                current = key == "*" ? current.flatMap { $0.objectValue?.values ?? $0.arrayValue ?? [] } : current.compactMap { $0[key] }
            } else if c == "[" {
                guard let close = matchingBracket(expr, i) else { return [] }
                let inner = String(expr[expr.index(after: i)..<close])
                i = expr.index(after: close)
                current = current.flatMap { subscriptValues($0, inner) }
            } else {
                // A bare leading name ("metadata.name").
                let start = i
                while i < expr.endIndex && expr[i] != "." && expr[i] != "[" { i = expr.index(after: i) }
                let key = String(expr[start..<i])
                current = current.compactMap { $0[key] }
            }
        }
        return current
    }

    private static func matchingBracket(_ s: String, _ open: String.Index) -> String.Index? {
        var depth = 0
        var quote: Character?
        var i = open
        while i < s.endIndex {
            let c = s[i]
            if let q = quote { if c == q { quote = nil } }
            else if c == "'" || c == "\"" { quote = c }
            else if c == "[" { depth += 1 }
            else if c == "]" { depth -= 1; if depth == 0 { return i } }
            i = s.index(after: i)
        }
        return nil
    }

    private static func subscriptValues(_ v: JSONValue, _ inner: String) -> [JSONValue] {
        let t = inner.trimmingCharacters(in: .whitespaces)
        if t == "*" { return v.arrayValue ?? v.objectValue?.values ?? [] }
        if (t.hasPrefix("'") && t.hasSuffix("'")) || (t.hasPrefix("\"") && t.hasSuffix("\"")), t.count >= 2 {
            return v[String(t.dropFirst().dropLast())].map { [$0] } ?? []
        }
        if let n = Int(t) {
            guard let a = v.arrayValue else { return [] }
            let idx = n < 0 ? a.count + n : n
            return a.indices.contains(idx) ? [a[idx]] : []
        }
        if t.hasPrefix("?(") && t.hasSuffix(")") {
            let cond = String(t.dropFirst(2).dropLast()).trimmingCharacters(in: .whitespaces)
            guard let a = v.arrayValue else { return [] }
            for op in ["==", "!="] {
                guard let r = cond.range(of: op) else { continue }
                let lhs = cond[..<r.lowerBound].trimmingCharacters(in: .whitespaces)
                var rhs = cond[r.upperBound...].trimmingCharacters(in: .whitespaces)
                if (rhs.hasPrefix("\"") || rhs.hasPrefix("'")) && rhs.count >= 2 { rhs = String(rhs.dropFirst().dropLast()) }
                let field = lhs.hasPrefix("@") ? String(lhs.dropFirst()) : lhs
                return a.filter { item in
                    let got = evaluate(field, item).first.map(text)
                    return op == "==" ? got == rhs : got != rhs
                }
            }
            // `?(@.field)`: elements that have the field.
            let field = cond.hasPrefix("@") ? String(cond.dropFirst()) : cond
            return a.filter { !evaluate(field, $0).isEmpty }
        }
        return []
    }

    /// How kubectl's JSONPath prints a value: strings bare, everything else as JSON.
    static func text(_ v: JSONValue) -> String {
        if case .string(let s) = v { return s }
        return JSONWriter.string(v)
    }
}
