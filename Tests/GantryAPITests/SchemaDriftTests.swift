// The Swift types and the schema descriptions are two views of one API; these tests fail as soon as they
// drift: a key Swift writes that the schema lacks (the API server would prune it), a schema property no
// Swift field fills, or a field optional on one side and required on the other.

import KubeCore
import Testing

@testable import GantryAPI

struct SchemaDriftTests {
    /// Compares an encoded value with the schema both ways.
    static func compare(_ value: JSONValue, _ schema: Schema, path: String, issues: inout [String]) {
        switch value {
        case .object(let object):
            if let values = schema.additionalProperties {
                if object.isEmpty { issues.append("\(path): fixture map is empty, its values are not checked") }
                for (k, v) in object { compare(v, values, path: "\(path)[\(k)]", issues: &issues) }
                return
            }
            if schema.type != .object { issues.append("\(path): Swift writes an object, schema says \(schema.type?.rawValue ?? "untyped")") }
            // Root metadata is ObjectMeta; the CRD schema only restricts its name.
            if path == "metadata" { return }
            for (k, v) in object {
                if let child = schema.property(k) {
                    compare(v, child, path: path.isEmpty ? k : "\(path).\(k)", issues: &issues)
                } else if !schema.preserveUnknownFields {
                    issues.append("\(path).\(k): written by Swift but not in the schema (the API server would prune it)")
                }
            }
            for p in schema.properties where object[p.name] == nil {
                issues.append("\(path.isEmpty ? "" : path + ".")\(p.name): in the schema but not written by the fully populated fixture")
            }
        case .array(let items):
            guard schema.type == .array, let itemSchema = schema.items else {
                issues.append("\(path): Swift writes an array, schema says \(schema.type?.rawValue ?? "untyped")")
                return
            }
            if items.isEmpty { issues.append("\(path): fixture list is empty, its items are not checked") }
            for (i, item) in items.enumerated() { compare(item, itemSchema, path: "\(path)[\(i)]", issues: &issues) }
        case .string:
            if !(schema.type == .string || schema.intOrString) { issues.append("\(path): Swift writes a string, schema says \(schema.type?.rawValue ?? "?")") }
        case .int:
            if !(schema.type == .integer || schema.type == .number || schema.intOrString) {
                issues.append("\(path): Swift writes an integer, schema says \(schema.type?.rawValue ?? "?")")
            }
        case .double:
            if schema.type != .number { issues.append("\(path): Swift writes a number, schema says \(schema.type?.rawValue ?? "?")") }
        case .bool:
            if schema.type != .boolean { issues.append("\(path): Swift writes a boolean, schema says \(schema.type?.rawValue ?? "?")") }
        case .null:
            issues.append("\(path): Swift writes null")
        }
    }

    @Test(arguments: try Fixtures.full())
    func everyEncodedKeyIsInTheSchemaAndBack(fixture: KindFixture) {
        var issues: [String] = []
        Self.compare(fixture.encoded, fixture.def.rootSchema, path: "", issues: &issues)
        #expect(issues == [])
    }

    /// Paths (object keys and array indexes) of every schema property present in `value`, with whether the
    /// schema requires it.
    static func propertyPaths(_ value: JSONValue, _ schema: Schema, prefix: [PathStep]) -> [([PathStep], Bool)] {
        var out: [([PathStep], Bool)] = []
        switch value {
        case .object(let object):
            if let values = schema.additionalProperties {
                for (k, v) in object { out += propertyPaths(v, values, prefix: prefix + [.key(k)]) }
                return out
            }
            for p in schema.properties {
                guard let v = object[p.name] else { continue }
                out.append((prefix + [.key(p.name)], p.required))
                out += propertyPaths(v, p.schema, prefix: prefix + [.key(p.name)])
            }
        case .array(let items):
            guard let itemSchema = schema.items else { return out }
            for (i, item) in items.enumerated() { out += propertyPaths(item, itemSchema, prefix: prefix + [.index(i)]) }
        default: break
        }
        return out
    }

    enum PathStep: CustomStringConvertible {
        case key(String)
        case index(Int)
        var description: String {
            switch self {
            case .key(let k): ".\(k)"
            case .index(let i): "[\(i)]"
            }
        }
    }

    static func removing(_ path: [PathStep], from value: JSONValue) -> JSONValue {
        guard let first = path.first else { return value }
        switch (first, value) {
        case (.key(let k), .object(var o)):
            if path.count == 1 {
                o[k] = nil
            } else if let child = o[k] {
                o[k] = removing(Array(path.dropFirst()), from: child)
            }
            return .object(o)
        case (.index(let i), .array(var a)) where a.indices.contains(i):
            a[i] = removing(Array(path.dropFirst()), from: a[i])
            return .array(a)
        default:
            return value
        }
    }

    static func decodes(_ kind: String, _ value: JSONValue) -> Bool {
        let dec = JSONValueDecoder()
        switch kind {
        case "Workspace": return (try? dec.decode(Workspace.self, from: value)) != nil
        case "Quota": return (try? dec.decode(Quota.self, from: value)) != nil
        case "TrainingJob": return (try? dec.decode(TrainingJob.self, from: value)) != nil
        case "InferenceService": return (try? dec.decode(InferenceService.self, from: value)) != nil
        case "ResourcePool": return (try? dec.decode(ResourcePool.self, from: value)) != nil
        case "DeviceSlice": return (try? dec.decode(DeviceSlice.self, from: value)) != nil
        default: return false
        }
    }

    /// Required in the schema but optional in Swift, on purpose: validation reports them as Required with a
    /// message instead of the whole object failing to decode.
    /// A pod template's spec is optional in core/v1 too.
    static let swiftLenient: Set<String> = [
        "InferenceService.spec.canary.template", "InferenceService.spec.canary.trafficPercent",
        "InferenceService.spec.runtime.spec", "InferenceService.spec.canary.template.spec",
        "TrainingJob.spec.replicas.template.spec",
    ]

    @Test(arguments: try Fixtures.full())
    func optionalityAgrees(fixture: KindFixture) {
        let kind = fixture.kind
        let encoded = fixture.encoded
        for (path, required) in Self.propertyPaths(encoded, fixture.def.rootSchema, prefix: []) {
            let text = path.map(\.description).joined().dropFirst()
            let normalized = kind + "." + text.replacingOccurrences(of: #"\[\d+\]"#, with: "", options: .regularExpression)
            // The API server always sets metadata, so Swift may insist on it.
            if text == "metadata" { continue }
            let decodes = Self.decodes(kind, Self.removing(path, from: encoded))
            if required {
                if text == "spec" || Self.swiftLenient.contains(normalized) { continue }
                #expect(!decodes, "\(kind).\(text) is required by the schema but optional in Swift")
            } else {
                #expect(decodes, "\(kind).\(text) is optional in the schema but Swift cannot decode without it")
            }
        }
    }

    @Test(arguments: try Fixtures.full())
    func fullyPopulatedObjectsRoundTrip(fixture: KindFixture) throws {
        let reparsed = try JSONParser.parse(JSONWriter.write(fixture.encoded))
        #expect(reparsed == fixture.encoded)
        #expect(Self.decodes(fixture.kind, reparsed))
    }

    @Test func everyKindIsListedOnceWithItsDefinition() {
        let kinds = GantryAPI.kinds.map { $0.definition.descriptor.kind }
        #expect(kinds == ["Workspace", "Quota", "TrainingJob", "InferenceService", "ResourcePool", "DeviceSlice"])
        for type in GantryAPI.kinds {
            #expect(type.definition.descriptor == type.descriptor)
            #expect(type.descriptor.apiVersion == "gantry.dev/v1alpha1")
        }
    }
}

import Foundation
