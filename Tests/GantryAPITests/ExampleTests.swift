// The examples in Manifests/examples: each is accepted by its committed CRD's schema (strictly: an unknown
// field is an error), passes Gantry's validation, round-trips through the Swift types without losing or
// changing anything, and says what issue 5 asks it to say.

import Foundation
import KubeCore
import Testing

@testable import GantryAPI

struct ExampleTests {
    struct Document: Sendable, CustomTestStringConvertible {
        var file: String
        var index: Int
        var value: JSONValue
        var kind: String { value["kind"]?.stringValue ?? "?" }
        var name: String { value["metadata"]?["name"]?.stringValue ?? "?" }
        var testDescription: String { "\(file)#\(index) \(kind)/\(name)" }
    }

    static func documents() throws -> [Document] {
        try Repository.files(in: "Manifests/examples", suffix: ".yaml").flatMap { file in
            try Repository.documents(file).enumerated().map { Document(file: file, index: $0.offset, value: $0.element) }
        }
    }

    static func gantryDocuments() throws -> [Document] {
        try documents().filter { $0.value["apiVersion"]?.stringValue == GantryAPI.apiVersion }
    }

    static func crdSchema(kind: String) throws -> JSONValue {
        let def = try #require(GantryAPI.kinds.first { $0.descriptor.kind == kind }?.definition, "unknown kind \(kind)")
        let crd = try #require(try Repository.documents("CRDs/\(def.crdName).yaml").first)
        return try #require(crd["spec"]?["versions"]?[0]?["schema"]?["openAPIV3Schema"])
    }

    /// Decodes, checks and re-encodes one object of a Gantry kind.
    static func roundTrip<T: GantryResource>(_ type: T.Type, _ value: JSONValue) throws -> (T, JSONValue) {
        let object = try JSONValueDecoder().decode(T.self, from: value)
        return (object, try JSONValueEncoder().encode(object))
    }

    @Test func everyFileParsesAndHoldsOnlyKnownKinds() throws {
        let docs = try Self.documents()
        #expect(docs.count >= 10)
        for d in docs {
            let known = d.value["apiVersion"]?.stringValue == GantryAPI.apiVersion
                ? GantryAPI.kinds.contains { $0.descriptor.kind == d.kind }
                : (d.value["apiVersion"] == "v1" && d.kind == "Namespace")
            #expect(known, "\(d.testDescription)")
        }
    }

    @Test(arguments: try gantryDocuments())
    func exampleIsAcceptedByItsCRDSchema(_ doc: Document) throws {
        let schema = try Self.crdSchema(kind: doc.kind)
        #expect(OpenAPIValidator.validate(doc.value, against: schema) == [])
        // Still valid once the API server has applied the schema's defaults.
        #expect(OpenAPIValidator.validate(OpenAPIValidator.applyDefaults(doc.value, schema), against: schema) == [])
    }

    @Test(arguments: try gantryDocuments())
    func examplePassesValidationAndRoundTrips(_ doc: Document) throws {
        let schema = try Self.crdSchema(kind: doc.kind)
        // Quantities come back as the canonical strings apimachinery would write ("1000" as "1k"); every
        // other value must come back exactly.
        let expected = Self.canonicalQuantities(doc.value, schema)
        func check<T: GantryResource>(_ type: T.Type) throws {
            let (object, encoded) = try Self.roundTrip(T.self, doc.value)
            #expect(JSONDiff.differences(encoded, expected) == [], "round trip changed the object")
            #expect(object.validate().map(\.description) == [])
            #expect(object.defaulted().validate().map(\.description) == [])
            #expect(Self.unknownFieldPaths(object) == [], "fields the Swift types do not model")
            // The API server's defaults followed by Swift's equal Swift's alone.
            let (schemaDefaulted, _) = try Self.roundTrip(T.self, OpenAPIValidator.applyDefaults(doc.value, schema))
            #expect(schemaDefaulted.defaulted() == object.defaulted())
        }
        switch doc.kind {
        case "Workspace": try check(Workspace.self)
        case "Quota": try check(Quota.self)
        case "TrainingJob": try check(TrainingJob.self)
        case "InferenceService": try check(InferenceService.self)
        case "ResourcePool": try check(ResourcePool.self)
        case "DeviceSlice": try check(DeviceSlice.self)
        default: Issue.record("no Swift type for \(doc.kind)")
        }
    }

    /// int-or-string (quantity) values in the canonical string form Quantity writes back.
    static func canonicalQuantities(_ value: JSONValue, _ schema: JSONValue) -> JSONValue {
        if schema["x-kubernetes-int-or-string"] == true {
            let text = value.stringValue ?? value.intValue.map { String($0) } ?? ""
            return (try? Quantity(text)).map { .string($0.description) } ?? value
        }
        switch value {
        case .object(var o):
            for (k, v) in o {
                if let p = schema["properties"]?[k] {
                    o[k] = canonicalQuantities(v, p)
                } else if let a = schema["additionalProperties"], a.objectValue != nil {
                    o[k] = canonicalQuantities(v, a)
                }
            }
            return .object(o)
        case .array(let items):
            guard let itemSchema = schema["items"] else { return value }
            return .array(items.map { canonicalQuantities($0, itemSchema) })
        default:
            return value
        }
    }

    /// Paths of non-empty `unknownFields` in Gantry's own types. Pod templates are skipped: they keep
    /// every PodSpec field they do not model on purpose.
    static func unknownFieldPaths(_ value: Any, path: String = "") -> [String] {
        if value is PodTemplateSpec { return [] }
        if let u = value as? UnknownFields { return u.isEmpty ? [] : [path] }
        var out: [String] = []
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .optional {
            for child in mirror.children { out += unknownFieldPaths(child.value, path: path) }
            return out
        }
        for (i, child) in mirror.children.enumerated() {
            let name = child.label ?? "[\(i)]"
            out += unknownFieldPaths(child.value, path: path.isEmpty ? name : "\(path).\(name)")
        }
        return out
    }

    @Test func unknownFieldWalkFindsUnmodelledFields() throws {
        // The walk above must be able to fail.
        var value = try JSONValueEncoder().encode(Fixtures.quota)
        value["spec"]?["colour"] = "blue"
        let q = try JSONValueDecoder().decode(Quota.self, from: value)
        #expect(Self.unknownFieldPaths(q) == ["spec.unknownFields"])
    }

    // MARK: What issue 5 asks of each example

    static func object<T: GantryResource>(_ type: T.Type, named name: String) throws -> T {
        let doc = try #require(try gantryDocuments().first { $0.kind == T.descriptor.kind && $0.name == name }, "\(T.descriptor.kind)/\(name)")
        return try JSONValueDecoder().decode(T.self, from: doc.value)
    }

    @Test func workspaceVisionHasTwoNamespacesAndThreeMembers() throws {
        let ws = try Self.object(Workspace.self, named: "vision")
        #expect(ws.spec.namespaces?.count == 2)
        #expect(ws.spec.members?.count == 3)
        #expect(Set(ws.spec.members?.compactMap(\.kind) ?? []) == [.user, .group, .serviceAccount])
    }

    @Test func quotaTreeIsARootWithTwoTeamsWeightedTwoToOne() throws {
        let root = try Self.object(Quota.self, named: "cluster")
        let vision = try Self.object(Quota.self, named: "vision")
        let language = try Self.object(Quota.self, named: "language")
        #expect(root.spec.parent == nil)
        #expect(vision.spec.parent == "cluster" && language.spec.parent == "cluster")
        #expect(vision.spec.weight == 2 && language.spec.weight == 1)
        for q in [root, vision, language] {
            for name in [ResourceName.vgcu, ResourceName.vgcuCores, ResourceName.vgcuMemory, "cpu", "memory"] {
                let r = try #require(q.spec.resources?[name], "\(q.name) \(name)")
                #expect(r.guaranteed != nil && r.limit != nil, "\(q.name) \(name)")
            }
        }
        // The children's guarantees fit in the parent's, and their limits do not exceed it.
        for name in root.spec.resources?.keys.sorted() ?? [] {
            let parent = try #require(root.spec.resources?[name])
            let guaranteed = [vision, language].compactMap { $0.spec.resources?[name]?.guaranteed }.sum()
            #expect(guaranteed <= (parent.guaranteed ?? .zero), "\(name)")
            for child in [vision, language] {
                #expect((child.spec.resources?[name]?.limit ?? .zero) <= (parent.limit ?? .zero), "\(child.name) \(name)")
            }
        }
    }

    @Test func pytorchJobIsOneMasterThreeWorkersHalfAGCUEachGangOfFour() throws {
        let job = try Self.object(TrainingJob.self, named: "bert-finetune")
        #expect(job.spec.framework == .pytorch)
        #expect(job.spec.replicas.map(\.name) == ["master", "worker"])
        #expect(job.spec.replicas.map { $0.count ?? 1 } == [1, 3])
        #expect(job.spec.gang?.minMember == 4)
        for r in job.spec.replicas {
            let limits = try #require(r.template.spec?.containers.first?.resources?.limits)
            #expect(limits[ResourceName.vgcu] == "1")
            #expect(limits[ResourceName.vgcuCores] == "50")
            #expect(limits[ResourceName.vgcuMemory] == "24576")  // 24 GiB in MiB
            let run = try SimulatedRun.parse(annotations: r.template.metadata?.annotations).get()
            #expect(run.durationSeconds == 180, "the dev cluster's kubelet simulator must finish \(r.name)")
        }
    }

    @Test func llmServiceScalesTwoToEightWithATenPercentCanary() throws {
        let svc = try Self.object(InferenceService.self, named: "chat-llm")
        #expect(svc.spec.minReplicas == 2 && svc.spec.maxReplicas == 8)
        #expect(svc.spec.canary?.trafficPercent == 10)
        #expect(svc.spec.canary?.template != nil)
        #expect(svc.defaulted().spec.priority == InferenceService.defaultPriority)
    }

    @Test func poolsAreBinpackTrainingAndSpreadInference() throws {
        let train = try Self.object(ResourcePool.self, named: "gcu-train")
        #expect(train.spec.deviceClass == .enflameGCU)
        #expect(train.spec.policy?.node == .binpack)
        #expect(train.spec.thermal?.chip == ThermalThreshold(softC: 85, hardC: 95))
        let infer = try Self.object(ResourcePool.self, named: "gpu-infer")
        #expect(infer.spec.deviceClass == .nvidiaGPU)
        #expect(infer.spec.policy?.node == .spread)
    }

    @Test func deviceSliceDescribesAnEightCardGCUNode() throws {
        let slice = try Self.object(DeviceSlice.self, named: "gcu-node-01")
        let devices = try #require(slice.spec.devices)
        #expect(devices.count == 8)
        #expect(Set(devices.map(\.index)) == Set(0..<8))
        #expect(devices.allSatisfy { $0.vendor == "enflame" })
        // Every id can be written into a pod's gantry.dev/devices annotation and read back.
        let annotation = DeviceAllocation.format(devices.map { DeviceAllocation(deviceID: $0.id, cores: 25, memoryMiB: 12288) })
        #expect(try DeviceAllocation.parseList(annotation).map(\.deviceID) == devices.map(\.id))
    }
}
