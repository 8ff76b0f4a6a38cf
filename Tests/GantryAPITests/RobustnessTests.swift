// Nothing Gantry reads may crash it: thousands of randomly damaged objects (wrong types, extreme numbers,
// missing and duplicated entries, odd strings) are decoded, defaulted, validated and turned into
// conditions; the string parsers get random input. A trap fails the whole test run.

import Foundation
import KubeCore
import Testing

@testable import GantryAPI

/// SplitMix64: small, deterministic, good enough to pick mutations.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

struct RobustnessTests {
    static let nasty: [JSONValue] = [
        .null, true, false, 0, -1, 1, 63, 64, 100, 101, 65536, .int(Int64.max), .int(Int64.min), .int(Int64(Int32.max)),
        .int(Int64(Int32.min)), 1e308, -1e308, 0.5, -0.0, "", " ", "x", "-5s", "90", "1e3", "ftp://x", "hf://", "24:00", "00:00",
        "gcu-0:50", "a,b", "Ünïcödé", "😀", .string(String(repeating: "a", count: 300)), "kube-system", "Mars/Olympus",
        "-1", "1k", "500m", "99999999999999999999", [], [:], ["x"], [["name": "w"]], ["a": "b"],
    ]

    /// Every path of objects and arrays in a value.
    static func paths(_ v: JSONValue, _ prefix: [SchemaDriftTests.PathStep] = []) -> [[SchemaDriftTests.PathStep]] {
        var out = [prefix]
        switch v {
        case .object(let o): for (k, c) in o { out += paths(c, prefix + [.key(k)]) }
        case .array(let a): for (i, c) in a.enumerated() { out += paths(c, prefix + [.index(i)]) }
        default: break
        }
        return out
    }

    static func replacing(_ path: [SchemaDriftTests.PathStep], in v: JSONValue, with new: JSONValue?) -> JSONValue {
        guard let first = path.first else { return new ?? .null }
        let rest = Array(path.dropFirst())
        switch (first, v) {
        case (.key(let k), .object(var o)):
            if rest.isEmpty { o[k] = new } else if let c = o[k] { o[k] = replacing(rest, in: c, with: new) }
            return .object(o)
        case (.index(let i), .array(var a)) where a.indices.contains(i):
            if rest.isEmpty {
                if let new { a[i] = new } else { a.remove(at: i) }
            } else {
                a[i] = replacing(rest, in: a[i], with: new)
            }
            return .array(a)
        default:
            return v
        }
    }

    static func mutate(_ v: JSONValue, _ rng: inout SplitMix64) -> JSONValue {
        var out = v
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            let all = paths(out).filter { !$0.isEmpty }
            guard let path = all.randomElement(using: &rng) else { break }
            switch Int.random(in: 0..<10, using: &rng) {
            case 0, 1: out = replacing(path, in: out, with: nil)
            case 2:
                // Duplicate an array element or an object's value next to itself.
                if let parent = path.dropLast().last, case .index = parent { break }
                out = replacing(path, in: out, with: out[path: path.compactMap { if case .key(let k) = $0 { k } else { nil } }])
            default: out = replacing(path, in: out, with: nasty.randomElement(using: &rng))
            }
        }
        return out
    }

    static func exercise<T: GantryResource>(_ type: T.Type, _ value: JSONValue) -> Bool {
        guard let object = try? JSONValueDecoder().decode(T.self, from: value) else { return false }
        let errors = object.validate()
        let defaulted = object.defaulted()
        let again = defaulted.validate()
        _ = errors.condition(observedGeneration: object.metadata.generation)
        _ = again.status(kind: T.descriptor.kind, name: object.metadata.name ?? "")
        _ = try? JSONValueEncoder().encode(defaulted)
        #expect(defaulted.defaulted() == defaulted, "defaulting is idempotent on \(T.descriptor.kind)")
        if let job = object as? TrainingJob { _ = job.spec.totalReplicas }
        if let svc = object as? InferenceService { _ = svc.spec.effectiveReplicas }
        if let q = object as? Quota { _ = q.isWithinTimeWindows(at: Date(timeIntervalSince1970: 1_795_168_800)) }
        return true
    }

    @Test func damagedObjectsNeverCrash() throws {
        var rng = SplitMix64(state: 0x5EED)
        var seeds = try Fixtures.full().map { ($0.kind, $0.encoded) }
        seeds += try ExampleTests.gantryDocuments().map { ($0.kind, $0.value) }
        var decoded = 0
        var total = 0
        for round in 0..<200 {
            for (kind, seed) in seeds {
                let damaged = Self.mutate(seed, &rng)
                total += 1
                let ok: Bool
                switch kind {
                case "Workspace": ok = Self.exercise(Workspace.self, damaged)
                case "Quota": ok = Self.exercise(Quota.self, damaged)
                case "TrainingJob": ok = Self.exercise(TrainingJob.self, damaged)
                case "InferenceService": ok = Self.exercise(InferenceService.self, damaged)
                case "ResourcePool": ok = Self.exercise(ResourcePool.self, damaged)
                default: ok = Self.exercise(DeviceSlice.self, damaged)
                }
                if ok { decoded += 1 }
            }
            _ = round
        }
        // A good share of the damage leaves the object decodable, so validation (not just decoding) ran.
        #expect(decoded * 5 > total, "only \(decoded) of \(total) damaged objects decoded")
    }

    @Test func parsersSurviveRandomText() {
        var rng = SplitMix64(state: 42)
        let alphabet = Array("gcu-0123456789:,. hmsuµnA/é😀\u{0}")
        for _ in 0..<5000 {
            let text = String((0..<Int.random(in: 0...24, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
            _ = try? DeviceAllocation.parseList(text)
            _ = try? GoDuration.seconds(text)
            _ = NameValidation.dns1123Subdomain(text)
            _ = NameValidation.qualifiedName(text)
            _ = NameValidation.labelValue(text)
            _ = TimeWindow.minuteOfDay(text)
            _ = GangID(text)
            _ = SimulatedRun.parse(annotations: [AnnotationKey.simDuration: text, AnnotationKey.simExitCode: text])
        }
    }
}
