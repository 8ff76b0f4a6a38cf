// Discovery: the legacy documents (/api, /apis, /apis/<group>, resource lists per group version) and the
// aggregated apidiscovery.k8s.io/v2 lists that kubectl 1.35 and helm 4 ask for first (one request
// instead of one per group version). Clients that do not ask for the aggregated form get the legacy one.

import Foundation
import HTTPServer
import KubeCore

extension APIServer {
    static let aggregatedContentType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"

    func wantsAggregated(_ request: HTTPRequest) -> Bool {
        guard let accept = request.headers["Accept"] else { return false }
        for alternative in accept.split(separator: ",") {
            let a = alternative.replacingOccurrences(of: " ", with: "")
            if a.contains("as=APIGroupDiscoveryList") && a.contains("g=apidiscovery.k8s.io") && a.contains("v=v2") && !a.contains("v=v2beta1") {
                return true
            }
            if a.hasPrefix("application/json") && !a.contains("as=") { return false }
        }
        return false
    }

    func discoveryAPI(_ request: HTTPRequest) throws -> HTTPResponse {
        if wantsAggregated(request) {
            return Self.json(aggregated(groups: [""]), contentType: Self.aggregatedContentType)
        }
        return Self.json(["kind": "APIVersions", "versions": ["v1"],
                          "serverAddressByClientCIDRs": [["clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"]]])
    }

    func discoveryAPIs(_ request: HTTPRequest) throws -> HTTPResponse {
        let groups = registry.groups.filter { !$0.name.isEmpty }
        if wantsAggregated(request) {
            return Self.json(aggregated(groups: groups.map(\.name)), contentType: Self.aggregatedContentType)
        }
        return Self.json(["kind": "APIGroupList", "apiVersion": "v1", "groups": .array(groups.map(groupDocument))])
    }

    private func groupDocument(_ group: (name: String, versions: [String])) -> JSONValue {
        let versions: [JSONValue] = group.versions.map { ["groupVersion": .string("\(group.name)/\($0)"), "version": .string($0)] }
        return ["name": .string(group.name), "versions": .array(versions), "preferredVersion": versions.first ?? .null]
    }

    func apiGroup(_ name: String) throws -> HTTPResponse {
        guard let group = registry.groups.first(where: { $0.name == name && !name.isEmpty }) else { throw APIError.notFoundPath() }
        var doc = groupDocument(group)
        doc["kind"] = "APIGroup"
        doc["apiVersion"] = "v1"
        return Self.json(doc)
    }

    func resourceList(group: String, version: String) throws -> HTTPResponse {
        let infos = registry.resources(group: group, version: version)
        guard !infos.isEmpty else { throw APIError.notFoundPath() }
        var resources: [JSONValue] = []
        for info in infos {
            var r: JSONValue = ["name": .string(info.plural), "singularName": .string(info.singular),
                                "namespaced": .bool(info.namespaced), "kind": .string(info.kind),
                                "verbs": .array(info.verbs.map(JSONValue.string))]
            if !info.shortNames.isEmpty { r["shortNames"] = .array(info.shortNames.map(JSONValue.string)) }
            if !info.categories.isEmpty { r["categories"] = .array(info.categories.map(JSONValue.string)) }
            resources.append(r)
            for sub in subresources(info) {
                var s: JSONValue = ["name": .string("\(info.plural)/\(sub.name)"), "singularName": "",
                                    "namespaced": .bool(info.namespaced), "kind": .string(sub.kind),
                                    "verbs": .array(sub.verbs.map(JSONValue.string))]
                if let g = sub.group { s["group"] = .string(g); s["version"] = .string(sub.version ?? "v1") }
                resources.append(s)
            }
        }
        return Self.json(["kind": "APIResourceList", "apiVersion": "v1",
                          "groupVersion": .string(group.isEmpty ? version : "\(group)/\(version)"),
                          "resources": .array(resources)])
    }

    private func subresources(_ info: ResourceInfo) -> [(name: String, kind: String, group: String?, version: String?, verbs: [String])] {
        var out: [(String, String, String?, String?, [String])] = []
        if info.hasStatus { out.append(("status", info.kind, nil, nil, ["get", "patch", "update"])) }
        if info.scale != nil { out.append(("scale", "Scale", "autoscaling", "v1", ["get", "patch", "update"])) }
        for e in info.extraSubresources { out.append((e.name, e.kind, e.group.isEmpty ? nil : e.group, e.version, e.verbs)) }
        if info.group.isEmpty && info.plural == "namespaces" { out.append(("finalize", "Namespace", nil, nil, ["update"])) }
        return out
    }

    private func aggregated(groups: [String]) -> JSONValue {
        let all = registry.groups
        var items: [JSONValue] = []
        for name in groups {
            guard let group = all.first(where: { $0.name == name }) else { continue }
            var versions: [JSONValue] = []
            for version in group.versions {
                let resources: [JSONValue] = registry.resources(group: name, version: version).map { info in
                    var r: JSONValue = [
                        "resource": .string(info.plural),
                        "responseKind": ["group": .string(info.group), "version": .string(version), "kind": .string(info.kind)],
                        "scope": .string(info.namespaced ? "Namespaced" : "Cluster"),
                        "singularResource": .string(info.singular),
                        "verbs": .array(info.verbs.map(JSONValue.string)),
                    ]
                    if !info.shortNames.isEmpty { r["shortNames"] = .array(info.shortNames.map(JSONValue.string)) }
                    if !info.categories.isEmpty { r["categories"] = .array(info.categories.map(JSONValue.string)) }
                    let subs = subresources(info)
                    if !subs.isEmpty {
                        r["subresources"] = .array(subs.map { s in
                            ["subresource": .string(s.name),
                             "responseKind": ["group": .string(s.group ?? info.group), "version": .string(s.version ?? version), "kind": .string(s.kind)],
                             "verbs": .array(s.verbs.map(JSONValue.string))]
                        })
                    }
                    return r
                }
                versions.append(["version": .string(version), "resources": .array(resources), "freshness": "Current"])
            }
            var meta: JSONValue = ["creationTimestamp": nil]
            if !name.isEmpty { meta["name"] = .string(name) }
            items.append(["metadata": meta, "versions": .array(versions)])
        }
        return ["kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": .object(JSONObject()),
                "items": .array(items)]
    }
}
