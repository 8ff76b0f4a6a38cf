// The generated CRDs: committed files up to date, structural, with working printer columns and scale
// paths, and schema defaults that agree with the Swift defaulting functions.

import Foundation
import KubeCore
import Testing

@testable import GantryAPI

struct CRDTests {
    static let definitions = GantryAPI.kinds.map { $0.definition }

    @Test func committedManifestsAreUpToDate() throws {
        for (path, contents) in try CRDGenerator.files() {
            let committed = try? Repository.text(path)
            #expect(committed == contents, "\(path) is stale: run `make manifests` and commit the result")
        }
        let committedCRDs = try Repository.files(in: "CRDs", suffix: ".yaml")
        #expect(committedCRDs == Self.definitions.map { "CRDs/\($0.crdName).yaml" }.sorted(), "stray or missing CRD files")
    }

    @Test(arguments: definitions)
    func crdParsesAndIsStructural(def: KindDefinition) throws {
        let docs = try Repository.documents("CRDs/\(def.crdName).yaml")
        try #require(docs.count == 1)
        let crd = docs[0]
        // It reads back as the typed CRD the generator produced.
        let typed = try JSONValueDecoder().decode(CustomResourceDefinition.self, from: crd)
        #expect(typed == CRDGenerator.crd(for: def))
        #expect((typed.storageVersion?.subresources?.scale != nil) == (def.scale != nil))
        #expect(crd["apiVersion"] == "apiextensions.k8s.io/v1")
        #expect(crd["kind"] == "CustomResourceDefinition")
        #expect(crd["metadata"]?["name"]?.stringValue == "\(def.descriptor.plural).gantry.dev")
        #expect(crd["spec"]?["group"] == "gantry.dev")
        #expect(crd["spec"]?["scope"]?.stringValue == (def.descriptor.namespaced ? "Namespaced" : "Cluster"))
        #expect(crd["spec"]?["names"]?["categories"] == ["gantry"])
        #expect((crd["spec"]?["names"]?["shortNames"]?.arrayValue?.count ?? 0) >= 1)
        let versions = try #require(crd["spec"]?["versions"]?.arrayValue)
        try #require(versions.count == 1)
        let v = versions[0]
        #expect(v["name"] == "v1alpha1" && v["served"] == true && v["storage"] == true)
        #expect(v["subresources"]?["status"] == [:])
        let schema = try #require(v["schema"]?["openAPIV3Schema"])
        #expect(StructuralChecker.check(root: schema) == [])
        #expect(schema["required"] == ["spec"])
        // The API server itself rejects a bad name, with the same rule validate() applies.
        let name = try #require(schema["properties"]?["metadata"]?["properties"]?["name"])
        let good = def.nameRule == .dns1123Subdomain ? "gcu-node-01.rack-a" : "bert-finetune"
        #expect(OpenAPIValidator.validate(.string(good), against: name) == [])
        #expect(OpenAPIValidator.validate("Bert_Finetune", against: name) != [])
    }

    @Test func structuralCheckerCatchesViolations() {
        // The checker must be able to fail: each of these breaks one rule.
        let bad: [(JSONValue, String)] = [
            (["type": "object", "properties": ["a": ["description": "x"]]], "a: type must be specified"),
            (["type": "object", "properties": ["a": ["description": "x", "type": "object", "properties": ["b": ["type": "string", "description": "y"]],
                                                    "additionalProperties": ["type": "string"]]]],
             "a: properties and additionalProperties are mutually exclusive"),
            (["type": "object", "properties": ["a": ["description": "x", "type": "object", "x-kubernetes-preserve-unknown-fields": true,
                                                    "properties": ["b": ["type": "string", "description": "y", "default": "z"]]]]],
             "a.b: no defaults in x-kubernetes-preserve-unknown-fields subtrees"),
            (["type": "object", "properties": ["metadata": ["type": "object", "description": "meta"]]],
             "metadata: must not specify description, only restrictions of name and generateName"),
            (["type": "object", "properties": ["a": ["type": "string"]]], "a: every property needs a description (kubectl explain prints it)"),
            (["type": "object", "properties": ["a": ["type": "array", "description": "x"]]], "a: arrays must specify items"),
            (["type": "object", "properties": ["a": ["type": "string", "description": "x", "nullable": true]]],
             "a: nullable is not used in Gantry's API"),
            (["type": "object", "properties": ["a": ["type": "array", "description": "x", "x-kubernetes-list-type": "map",
                                                    "x-kubernetes-list-map-keys": ["k"],
                                                    "items": ["type": "object", "properties": ["k": ["type": "string", "description": "k"]]]]]],
             "a: map key k must be required or have a default"),
            (["type": "object", "properties": ["a": ["type": "integer", "description": "x", "minimum": 1, "default": 0]]],
             "a: default 0 is invalid: <root>: must be >= 1.0"),
            (["type": "object", "properties": ["a": ["description": "x", "x-kubernetes-int-or-string": true,
                                                    "anyOf": [["type": "integer"], ["type": "boolean"]]]]],
             "a: anyOf next to x-kubernetes-int-or-string must be exactly [integer, string]"),
            (["type": "object", "properties": ["a": ["type": "string", "description": "x", "oneOf": [["type": "string"]]]]],
             "a: oneOf is not allowed here"),
        ]
        for (schema, expected) in bad {
            #expect(StructuralChecker.check(root: schema).contains(expected), "\(schema)")
        }
    }

    @Test(arguments: definitions)
    func printerColumnsAndScalePathsPointAtFieldsOfTheRightType(def: KindDefinition) throws {
        let root = def.rootSchema.openAPI
        for column in def.printerColumns {
            let node = try #require(StructuralChecker.resolve(jsonPath: column.jsonPath, in: root), "\(def.descriptor.kind) column \(column.name)")
            let type = node["type"]?.stringValue
            switch column.type {
            case .integer: #expect(type == "integer", "\(column.name)")
            case .number: #expect(type == "number" || type == "integer", "\(column.name)")
            case .date: #expect(node["format"] == "date-time", "\(column.name)")
            case .string: #expect(type == "string" || type == "array", "\(column.name)")
            case .boolean: #expect(type == "boolean", "\(column.name)")
            }
            #expect(!column.description.isEmpty)
        }
        #expect(def.printerColumns.last == .age)
        #expect(Set(def.printerColumns.map(\.name)).count == def.printerColumns.count)
        if let scale = def.scale {
            #expect(scale.specReplicasPath.hasPrefix(".spec."))
            #expect(scale.statusReplicasPath.hasPrefix(".status."))
            #expect(StructuralChecker.resolve(jsonPath: scale.specReplicasPath, in: root)?["type"] == "integer")
            #expect(StructuralChecker.resolve(jsonPath: scale.statusReplicasPath, in: root)?["type"] == "integer")
            if let selector = scale.labelSelectorPath {
                #expect(StructuralChecker.resolve(jsonPath: selector, in: root)?["type"] == "string")
            }
        }
    }

    @Test func onlyInferenceServiceScalesAndShortNamesAreUnique() {
        #expect(Self.definitions.filter { $0.scale != nil }.map(\.descriptor.kind) == ["InferenceService"])
        let shortNames = Self.definitions.flatMap(\.shortNames)
        #expect(Set(shortNames).count == shortNames.count)
        // Names taken by core kinds that kubectl users type every day.
        for taken in ["ds", "quota", "svc", "ns", "po", "deploy", "isvc"] { #expect(!shortNames.contains(taken)) }
    }

    /// Schema defaults and Swift defaults describe one set of defaults: applying the schema's first and then
    /// Swift's gives Swift's result, and the schema adds nothing to an object Swift has defaulted.
    @Test(arguments: try Fixtures.minimal())
    func schemaDefaultsAgreeWithSwiftDefaults(fixture: KindFixture) throws {
        let def = fixture.def
        let encoded = fixture.encoded
        let schema = def.rootSchema.openAPI
        let enc = JSONValueEncoder()
        func swiftDefaulted(_ v: JSONValue) throws -> JSONValue {
            switch def.descriptor.kind {
            case "Workspace": return try enc.encode(try JSONValueDecoder().decode(Workspace.self, from: v).defaulted())
            case "Quota": return try enc.encode(try JSONValueDecoder().decode(Quota.self, from: v).defaulted())
            case "TrainingJob": return try enc.encode(try JSONValueDecoder().decode(TrainingJob.self, from: v).defaulted())
            case "InferenceService": return try enc.encode(try JSONValueDecoder().decode(InferenceService.self, from: v).defaulted())
            case "ResourcePool": return try enc.encode(try JSONValueDecoder().decode(ResourcePool.self, from: v).defaulted())
            default: return try enc.encode(try JSONValueDecoder().decode(DeviceSlice.self, from: v).defaulted())
            }
        }
        let bySwift = try swiftDefaulted(encoded)
        let bySchema = OpenAPIValidator.applyDefaults(encoded, schema)
        #expect(bySchema != encoded, "the minimal \(def.descriptor.kind) should exercise some schema default")
        #expect(try swiftDefaulted(bySchema) == bySwift)
        #expect(OpenAPIValidator.applyDefaults(bySwift, schema) == bySwift)
        #expect(try swiftDefaulted(bySwift) == bySwift, "defaulting is idempotent")
    }
}

extension KindDefinition: CustomTestStringConvertible {
    public var testDescription: String { descriptor.kind }
}
