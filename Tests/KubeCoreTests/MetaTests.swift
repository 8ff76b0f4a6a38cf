// Tests of the meta/v1 types: timestamps on the wire, metadata round trips, keys and descriptors.

import Foundation
import Testing

@testable import KubeCore

struct TimeTests {
    @Test(arguments: [
        ("2026-11-20T10:00:00Z", Int64(1_795_168_800)),
        ("2026-11-20T12:30:00+02:30", Int64(1_795_168_800)),
        ("2026-11-20T10:00:00.999999Z", Int64(1_795_168_800)),
        ("1970-01-01T00:00:00Z", Int64(0)),
        ("1969-12-31T23:59:59Z", Int64(-1)),
        ("2000-02-29T00:00:00Z", Int64(951_782_400)),
    ])
    func parsesRFC3339(text: String, seconds: Int64) {
        #expect(Time(rfc3339: text)?.secondsSinceEpoch == seconds)
    }

    @Test(arguments: ["", "2026-11-20", "2026-11-20T10:00:00", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
                      "2026-11-20T10:00:00.Z", "2026-11-20T25:00:00Z", "2026-11-20T10:00:00Zjunk", "2026-11-20T10:00:00+0200"])
    func rejectsMalformedTimes(text: String) {
        #expect(Time(rfc3339: text) == nil)
    }

    @Test func formatsWholeSecondsUTC() {
        #expect(Time(secondsSinceEpoch: 1_795_168_800).rfc3339 == "2026-11-20T10:00:00Z")
        #expect(Time(secondsSinceEpoch: -1).rfc3339 == "1969-12-31T23:59:59Z")
    }

    @Test func microTimeAlwaysHasSixDigits() throws {
        let t = MicroTime(microsecondsSinceEpoch: 1_795_168_800_000_042)
        #expect(t.rfc3339 == "2026-11-20T10:00:00.000042Z")
        #expect(MicroTime(microsecondsSinceEpoch: 1_795_168_800_000_000).rfc3339 == "2026-11-20T10:00:00.000000Z")
        #expect(MicroTime(rfc3339: "2026-11-20T10:00:00.5Z")?.microsecondsSinceEpoch == 1_795_168_800_500_000)
        #expect(MicroTime(rfc3339: "2026-11-20T10:00:00.1234567Z")?.microsecondsSinceEpoch == 1_795_168_800_123_456)
        #expect(MicroTime(microsecondsSinceEpoch: -1).rfc3339 == "1969-12-31T23:59:59.999999Z")
        let encoded = try JSONValueEncoder().encode(["renewTime": t])
        #expect(encoded == ["renewTime": "2026-11-20T10:00:00.000042Z"])
    }

    @Test func roundTripsEveryDayForFourHundredYears() {
        var s: Int64 = -2_208_988_800  // 1900-01-01
        while s < 10_413_792_000 {  // 2300-01-01
            let t = Time(secondsSinceEpoch: s + 3_723)
            #expect(Time(rfc3339: t.rfc3339) == t)
            s += 86_400 * 7 + 1
        }
    }
}

struct MetaTests {
    @Test func objectMetaKeepsUnknownFieldsAndOmitsNils() throws {
        let json = #"{"name":"p","namespace":"ns","labels":{"b":"2","a":"1"},"creationTimestamp":"2026-11-20T10:00:00Z","futureField":{"x":1}}"#
        var meta = try JSONValueDecoder().decode(ObjectMeta.self, from: Array(json.utf8))
        #expect(meta.creationTimestamp == Time(rfc3339: "2026-11-20T10:00:00Z"))
        meta.labels?["c"] = "3"
        let out = try JSONValueEncoder().encode(meta)
        #expect(out == ["name": "p", "namespace": "ns", "creationTimestamp": "2026-11-20T10:00:00Z",
                        "labels": ["a": "1", "b": "2", "c": "3"], "futureField": ["x": 1]])
    }

    @Test func listMetaUsesTheContinueKey() throws {
        let m = try JSONValueDecoder().decode(ListMeta.self, from: Array(#"{"resourceVersion":"5","continue":"abc"}"#.utf8))
        #expect(m.continueToken == "abc")
        #expect(try JSONValueEncoder().encode(m) == ["resourceVersion": "5", "continue": "abc"])
    }

    @Test func statusDecodesAnInvalidResponse() throws {
        let json = #"""
            {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"bad","reason":"Invalid",
             "details":{"name":"x","kind":"trainingjobs","causes":[{"reason":"FieldValueInvalid","message":"must be > 0","field":"spec.gang.minMember"}]},"code":422}
            """#
        let s = try JSONValueDecoder().decode(Status.self, from: Array(json.utf8))
        #expect(s.code == 422)
        #expect(s.details?.causes?.first?.field == "spec.gang.minMember")
    }

    @Test func objectKeyParsesAndPrints() {
        #expect(ObjectKey("ns/name") == ObjectKey(namespace: "ns", name: "name"))
        #expect(ObjectKey("node-1").namespace == nil)
        #expect(ObjectKey(namespace: "", name: "x").description == "x")
        #expect(ObjectKey(namespace: "a", name: "b").description == "a/b")
    }

    @Test func groupVersionKindSplitsAPIVersion() {
        #expect(GroupVersionKind(apiVersion: "apps/v1", kind: "Deployment").group == "apps")
        #expect(GroupVersionKind(apiVersion: "v1", kind: "Pod").group == "")
        #expect(GroupVersionKind(apiVersion: "v1", kind: "Pod").apiVersion == "v1")
    }

    @Test func conditionsLookUpByType() throws {
        let conditions = [Condition(type: "Ready", status: .true), Condition(type: "Stale", status: .false)]
        #expect(conditions.isTrue("Ready"))
        #expect(!conditions.isTrue("Stale"))
        #expect(!conditions.isTrue("Missing"))
        let decoded = try JSONValueDecoder().decode(Condition.self, from: ["type": "X", "status": "Weird", "reason": "R"])
        #expect(decoded.status.rawValue == "Weird")
    }
}
