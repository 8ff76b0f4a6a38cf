// OpenAPI: /openapi/v2 is not served (404, as kubectl tolerates); /openapi/v3 lists one document per group
// version. kubectl reads them for three things: server-side field validation (a PATCH operation tagged
// with the kind's x-kubernetes-group-version-kind that takes `fieldValidation`), strategic merge support
// (not advertised here, so kubectl falls back to its compiled-in patch metadata for built-ins and to merge
// patches for custom resources, exactly as against a real server), and `kubectl explain`, which walks the
// schemas: custom resources get their CRD's schema, built-ins a minimal one.

import Foundation
import HTTPServer
import KubeCore

extension APIServer {
    func openAPI(_ path: String) throws -> HTTPResponse {
        guard path.hasPrefix("/openapi/v3") else { throw APIError.notFoundPath() }
        if path == "/openapi/v3" {
            var paths = JSONObject()
            for group in registry.groups {
                for version in group.versions {
                    let key = group.name.isEmpty ? "api/\(version)" : "apis/\(group.name)/\(version)"
                    let doc = openAPIDocument(group: group.name, version: version)
                    paths[key] = ["serverRelativeURL": .string("/openapi/v3/\(key)?hash=\(Self.hash(JSONWriter.write(doc)))")]
                }
            }
            return Self.json(["paths": .object(paths)])
        }
        let parts = path.split(separator: "/").map(String.init).dropFirst(2)
        let group: String
        let version: String
        if parts.count == 2 && parts.first == "api" {
            group = ""
            version = parts.last ?? ""
        } else if parts.count == 3 && parts.first == "apis" {
            group = Array(parts)[1]
            version = Array(parts)[2]
        } else {
            throw APIError.notFoundPath()
        }
        guard !registry.resources(group: group, version: version).isEmpty else { throw APIError.notFoundPath() }
        return Self.json(openAPIDocument(group: group, version: version))
    }

    static func hash(_ bytes: [UInt8]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return String(format: "%016llX", h)
    }

    /// "dev.gantry.e2e.v1alpha1.TrainingJob", like the real server names CRD schemas.
    static func schemaName(group: String, version: String, kind: String) -> String {
        if group.isEmpty { return "io.k8s.api.core.\(version).\(kind)" }
        if group.hasSuffix(".k8s.io") {
            let short = group.dropLast(".k8s.io".count).replacingOccurrences(of: ".authorization", with: "")
            return "io.k8s.api.\(short).\(version).\(kind)"
        }
        return group.split(separator: ".").reversed().joined(separator: ".") + ".\(version).\(kind)"
    }

    func openAPIDocument(group: String, version: String) -> JSONValue {
        var schemas = JSONObject()
        var paths = JSONObject()
        schemas[Self.objectMetaName] = Self.objectMetaSchema
        for info in registry.resources(group: group, version: version) {
            let name = Self.schemaName(group: group, version: version, kind: info.kind)
            let gvk: JSONValue = [["group": .string(group), "kind": .string(info.kind), "version": .string(version)]]
            var schema: JSONValue
            if info.isCustom, var s = info.schemas[version] {
                var props = s["properties"]?.objectValue ?? JSONObject()
                props["apiVersion"] = ["type": "string", "description": "APIVersion defines the versioned schema of this representation of an object."]
                props["kind"] = ["type": "string", "description": "Kind is a string value representing the REST resource this object represents."]
                props["metadata"] = ["allOf": [["$ref": .string("#/components/schemas/\(Self.objectMetaName)")]], "default": .object(JSONObject()),
                                     "description": "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"]
                s["properties"] = .object(props)
                s["type"] = "object"
                schema = s
            } else {
                schema = ["type": "object", "description": .string("\(info.kind) (served by the Gantry dev cluster).") ,
                          "properties": ["apiVersion": ["type": "string"], "kind": ["type": "string"],
                                         "metadata": ["allOf": [["$ref": .string("#/components/schemas/\(Self.objectMetaName)")]], "default": .object(JSONObject())],
                                         "spec": ["type": "object", "x-kubernetes-preserve-unknown-fields": true],
                                         "status": ["type": "object", "x-kubernetes-preserve-unknown-fields": true]]]
            }
            schema["x-kubernetes-group-version-kind"] = gvk
            schemas[name] = schema
            let ref: JSONValue = ["$ref": .string("#/components/schemas/\(name)")]
            let prefix = (group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)") + (info.namespaced ? "/namespaces/{namespace}" : "")
            let params: [JSONValue] = ["dryRun", "fieldManager", "fieldValidation", "force", "pretty"].map {
                ["name": .string($0), "in": "query", "schema": ["type": .string($0 == "force" ? "boolean" : "string"), "uniqueItems": true]]
            }
            let body: JSONValue = ["content": .object(JSONObject(["application/json-patch+json", "application/merge-patch+json",
                                                                  "application/apply-patch+yaml"].map { ($0, ["schema": ["type": "object"]]) }))]
            let ok: JSONValue = ["200": ["description": "OK", "content": ["application/json": ["schema": ref]]]]
            let ext: JSONValue = ["group": .string(group), "version": .string(version), "kind": .string(info.kind)]
            paths["\(prefix)/\(info.plural)/{name}"] = [
                "get": ["operationId": .string("read\(info.kind)"), "responses": ok, "x-kubernetes-action": "get", "x-kubernetes-group-version-kind": ext],
                "put": ["operationId": .string("replace\(info.kind)"), "parameters": .array(params), "responses": ok,
                        "requestBody": ["content": ["application/json": ["schema": ref]]], "x-kubernetes-action": "put", "x-kubernetes-group-version-kind": ext],
                "patch": ["operationId": .string("patch\(info.kind)"), "parameters": .array(params), "requestBody": body, "responses": ok,
                          "x-kubernetes-action": "patch", "x-kubernetes-group-version-kind": ext],
                "delete": ["operationId": .string("delete\(info.kind)"), "responses": ["200": ["description": "OK"]], "x-kubernetes-action": "delete", "x-kubernetes-group-version-kind": ext],
            ]
            paths["\(prefix)/\(info.plural)"] = [
                "get": ["operationId": .string("list\(info.kind)"), "responses": ["200": ["description": "OK"]], "x-kubernetes-action": "list", "x-kubernetes-group-version-kind": ext],
                "post": ["operationId": .string("create\(info.kind)"), "parameters": .array(params), "responses": ok,
                         "requestBody": ["content": ["application/json": ["schema": ref]]], "x-kubernetes-action": "post", "x-kubernetes-group-version-kind": ext],
            ]
        }
        return [
            "openapi": "3.0.0",
            "info": ["title": "Kubernetes", "version": .string("v\(options.kubernetesVersion.major).\(options.kubernetesVersion.minor).0")],
            "paths": .object(paths),
            "components": ["schemas": .object(schemas)],
        ]
    }

    static let objectMetaName = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"

    static let objectMetaSchema: JSONValue = [
        "type": "object",
        "description": "ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.",
        "properties": [
            "name": ["type": "string", "description": "Name must be unique within a namespace."],
            "generateName": ["type": "string", "description": "An optional prefix used by the server to generate a unique name."],
            "namespace": ["type": "string", "description": "Namespace defines the space within which each name must be unique."],
            "uid": ["type": "string", "description": "UID is the unique in time and space value for this object."],
            "resourceVersion": ["type": "string", "description": "An opaque value that represents the internal version of this object."],
            "generation": ["type": "integer", "format": "int64", "description": "A sequence number representing a specific generation of the desired state."],
            "creationTimestamp": ["type": "string", "format": "date-time", "description": "The time this object was created."],
            "deletionTimestamp": ["type": "string", "format": "date-time", "description": "The time after which this resource will be deleted."],
            "labels": ["type": "object", "additionalProperties": ["type": "string", "default": ""], "description": "Map of string keys and values that can be used to organize and categorize objects."],
            "annotations": ["type": "object", "additionalProperties": ["type": "string", "default": ""], "description": "Unstructured key value map stored with a resource."],
            "finalizers": ["type": "array", "items": ["type": "string", "default": ""], "description": "Must be empty before the object is deleted from the registry."],
            "ownerReferences": ["type": "array", "items": ["type": "object", "x-kubernetes-preserve-unknown-fields": true], "description": "List of objects depended by this object."],
        ],
    ]
}
