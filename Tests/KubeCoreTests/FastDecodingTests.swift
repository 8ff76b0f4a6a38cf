// The hand-written fast decoders must agree with Codable: same values on every input Codable accepts,
// a miss (and so Codable's own error) on every input it rejects. Random mutations of a realistic pod
// exercise wrong types, nulls, missing and extra members at every level.

import Foundation
import Testing

@testable import KubeCore

struct FastDecodingTests {
    static let pod = (try? YAML.decode(PodKindTests.manifest)) ?? .null

    @Test func fastAndCodableAgreeOnTheSamplePod() throws {
        let viaCodable = try JSONValueDecoder().decodeWithoutFastPaths(Pod.self, from: Self.pod)
        let viaFast = try Pod(fastJSON: Self.pod)
        #expect(viaFast == viaCodable)
        #expect(try JSONValueDecoder().decode(Pod.self, from: Self.pod) == viaCodable)
    }

    @Test func randomMutationsDecodeTheSameOrFailTheSame() throws {
        var rng = SystemRandomNumberGenerator()
        var accepted = 0
        for _ in 0..<400 {
            var doc = Self.pod
            for _ in 0..<Int.random(in: 1...3, using: &rng) { doc = Self.mutate(doc, using: &rng) }
            let codable = Result { try JSONValueDecoder().decodeWithoutFastPaths(Pod.self, from: doc) }
            let fast = Result { () throws(FastPathMiss) -> Pod in try Pod(fastJSON: doc) }
            switch (codable, fast) {
            case (.success(let a), .success(let b)):
                #expect(a == b, "values differ: \(Self.difference(a, b)) for \(doc)")
                accepted += 1
            case (.failure, .failure):
                // The public decoder falls back to Codable and reports Codable's error.
                do {
                    _ = try JSONValueDecoder().decode(Pod.self, from: doc)
                    Issue.record("the public decoder accepted what Codable rejects: \(doc)")
                } catch let e as DecodingError {
                    if case .failure(let c as DecodingError) = codable { #expect(e.summary == c.summary) }
                }
            case (.success, .failure):
                Issue.record("fast path missed a valid pod (it would still decode, slowly): \(doc)")
            case (.failure, .success):
                Issue.record("fast path accepted an invalid pod: \(doc)")
            }
        }
        #expect(accepted > 40)
    }

    @Test func cachedQuantitiesMatchBytesNotCanonicalEquivalence() throws {
        let resources: JSONValue = ["requests": ["a": "1Ki", "b": "1\u{212A}i", "c": "1Ki"]]
        #expect(throws: DecodingError.self) { try JSONValueDecoder().decode(ResourceRequirements.self, from: resources) }
        let ok: JSONValue = ["requests": ["a": "1Ki", "c": "1Ki", "d": " 2 "]]
        let r = try JSONValueDecoder().decode(ResourceRequirements.self, from: ok)
        #expect(r.requests == ["a": "1Ki", "c": "1Ki", "d": "2"])
    }

    @Test func fastPathsApplyInsideCodableTypes() throws {
        struct Job: Codable, Equatable {
            var template: PodTemplateSpec
            var meta: ObjectMeta?
            var quantities: [String: Quantity]
            var unknownFields: UnknownFields? = nil
        }
        let json: JSONValue = [
            "template": ["metadata": ["labels": ["a": "b"]], "spec": ["containers": [["name": "c", "image": "i"]]], "x": 1],
            "meta": ["name": "n", "extra": true], "quantities": ["cpu": "1.5", "gpu": 2], "other": "kept",
        ]
        let fast = try JSONValueDecoder().decode(Job.self, from: json)
        let slow = try JSONValueDecoder().decodeWithoutFastPaths(Job.self, from: json)
        #expect(fast == slow)
        #expect(fast.template.unknownFields?["x"] == 1)
        #expect(fast.quantities["cpu"] == Quantity(milli: 1500))
        let expected = json.replacing(["quantities", "cpu"], with: "1500m").replacing(["quantities", "gpu"], with: "2")
        #expect(try JSONValueEncoder().encode(fast) == expected)
    }

    static func difference(_ a: Pod, _ b: Pod) -> JSONValue {
        let ea = (try? JSONValueEncoder().encode(a)) ?? .null
        let eb = (try? JSONValueEncoder().encode(b)) ?? .null
        return JSONMergePatch.create(from: ea, to: eb)
    }

    // MARK: - Mutations

    private static let replacements: [JSONValue] = [
        nil, "text", 7, 2.5, true, [:], [], ["zz": 1], ["x"], "1Gi", "2026-11-20T10:00:00Z", 3_000_000_000, "True",
    ]

    /// Replaces, nulls, removes or adds one member somewhere in the document.
    static func mutate(_ doc: JSONValue, using rng: inout some RandomNumberGenerator) -> JSONValue {
        var paths: [[PathStep]] = []
        collect(doc, [], into: &paths)
        guard let path = paths.randomElement(using: &rng) else { return doc }
        let replacement = replacements.randomElement(using: &rng) ?? nil
        return apply(doc, path[...], choice: Int.random(in: 0..<4, using: &rng), replacement: replacement)
    }

    enum PathStep { case key(String), index(Int) }

    static func collect(_ v: JSONValue, _ path: [PathStep], into paths: inout [[PathStep]]) {
        paths.append(path)
        switch v {
        case .object(let o): for (k, child) in o { collect(child, path + [.key(k)], into: &paths) }
        case .array(let items): for (i, child) in items.enumerated() { collect(child, path + [.index(i)], into: &paths) }
        default: break
        }
    }

    static func apply(_ v: JSONValue, _ path: ArraySlice<PathStep>, choice: Int, replacement: JSONValue) -> JSONValue {
        guard let step = path.first else {
            switch choice {
            case 0: return replacement
            case 1: if case .object(var o) = v { o["zzAdded"] = replacement; return .object(o) } else { return replacement }
            default: return v.isNull ? replacement : .null
            }
        }
        switch (v, step) {
        case (.object(var o), .key(let k)):
            if path.count == 1, choice == 3 {
                o[k] = nil  // remove the member
            } else if let child = o[k] {
                o[k] = apply(child, path.dropFirst(), choice: choice, replacement: replacement)
            }
            return .object(o)
        case (.array(var items), .index(let i)) where i < items.count:
            items[i] = apply(items[i], path.dropFirst(), choice: choice, replacement: replacement)
            return .array(items)
        default:
            return v
        }
    }
}

extension JSONValue {
    fileprivate func replacing(_ path: [String], with value: JSONValue) -> JSONValue {
        var copy = self
        copy.set(value, at: path)
        return copy
    }
}
