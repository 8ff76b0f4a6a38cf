// Patch tests: RFC 7386 merge patch (Appendix A table), RFC 6902 JSON patch (Appendix A examples),
// RFC 6901 pointers, and create-then-apply round trips.

import Foundation
import Testing

@testable import KubeCore

private func json(_ s: String) -> JSONValue {
    (try? JSONParser.parse(s)) ?? .string("unparsable test fixture: \(s)")
}

struct JSONMergePatchTests {
    @Test(arguments: [
        (#"{"a":"b"}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        (#"{"a":"b"}"#, #"{"b":"c"}"#, #"{"a":"b","b":"c"}"#),
        (#"{"a":"b"}"#, #"{"a":null}"#, #"{}"#),
        (#"{"a":"b","b":"c"}"#, #"{"a":null}"#, #"{"b":"c"}"#),
        (#"{"a":["b"]}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        (#"{"a":"c"}"#, #"{"a":["b"]}"#, #"{"a":["b"]}"#),
        (#"{"a":{"b":"c"}}"#, #"{"a":{"b":"d","c":null}}"#, #"{"a":{"b":"d"}}"#),
        (#"{"a":[{"b":"c"}]}"#, #"{"a":[1]}"#, #"{"a":[1]}"#),
        (#"["a","b"]"#, #"["c","d"]"#, #"["c","d"]"#),
        (#"{"a":"b"}"#, #"["c"]"#, #"["c"]"#),
        (#"{"a":"foo"}"#, #"null"#, #"null"#),
        (#"{"a":"foo"}"#, #""bar""#, #""bar""#),
        (#"{"e":null}"#, #"{"a":1}"#, #"{"e":null,"a":1}"#),
        (#"[1,2]"#, #"{"a":"b","c":null}"#, #"{"a":"b"}"#),
        (#"{}"#, #"{"a":{"bb":{"ccc":null}}}"#, #"{"a":{"bb":{}}}"#),
    ])
    func rfc7386AppendixA(target: String, patch: String, result: String) {
        #expect(JSONMergePatch.apply(json(patch), to: json(target)) == json(result))
    }

    @Test func rfc7386Example() {
        let target = json(#"""
            {"title":"Goodbye!","author":{"givenName":"John","familyName":"Doe"},"tags":["example","sample"],
             "content":"This will be unchanged"}
            """#)
        let patch = json(#"{"title":"Hello!","phoneNumber":"+01-123-456-7890","author":{"familyName":null},"tags":["example"]}"#)
        let expected = json(#"""
            {"title":"Hello!","author":{"givenName":"John"},"tags":["example"],"content":"This will be unchanged",
             "phoneNumber":"+01-123-456-7890"}
            """#)
        let result = JSONMergePatch.apply(patch, to: target)
        #expect(result == expected)
        // Existing members keep their place; new ones are appended.
        #expect(result.objectValue?.keys == ["title", "author", "tags", "content", "phoneNumber"])
    }

    @Test func createProducesMinimalPatches() {
        let a = json(#"{"metadata":{"name":"x","labels":{"a":"1","b":"2"}},"spec":{"replicas":1,"ports":[80]}}"#)
        let b = json(#"{"metadata":{"name":"x","labels":{"a":"1","c":"3"}},"spec":{"replicas":2,"ports":[80,443]}}"#)
        let patch = JSONMergePatch.create(from: a, to: b)
        #expect(patch == json(#"{"metadata":{"labels":{"b":null,"c":"3"}},"spec":{"replicas":2,"ports":[80,443]}}"#))
        #expect(JSONMergePatch.apply(patch, to: a) == b)
        #expect(JSONMergePatch.create(from: a, to: a) == json("{}"))
        #expect(JSONMergePatch.create(from: a, to: "x") == "x")
    }

    @Test func createThenApplyRoundTripsRandomDocuments() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            // Merge patches cannot express null members, so the target has none.
            let a = RandomJSON.value(depth: 0, using: &rng)
            let b = Self.withoutNullMembers(RandomJSON.value(depth: 0, using: &rng))
            let patch = JSONMergePatch.create(from: a, to: b)
            #expect(JSONMergePatch.apply(patch, to: a) == b, "\(a) -> \(b) via \(patch)")
        }
    }

    static func withoutNullMembers(_ v: JSONValue) -> JSONValue {
        switch v {
        case .object(let o):
            var out = JSONObject()
            for (k, child) in o where !child.isNull { out[k] = withoutNullMembers(child) }
            return .object(out)
        case .array(let items): return .array(items.map(withoutNullMembers))
        default: return v
        }
    }
}

struct JSONPointerTests {
    static let document = json(#"""
        {"foo":["bar","baz"],"":0,"a/b":1,"c%d":2,"e^f":3,"g|h":4,"i\\j":5,"k\"l":6," ":7,"m~n":8}
        """#)

    @Test(arguments: [
        ("", "whole"), ("/foo", #"["bar","baz"]"#), ("/foo/0", #""bar""#), ("/", "0"), ("/a~1b", "1"), ("/c%d", "2"),
        ("/e^f", "3"), ("/g|h", "4"), (#"/i\j"#, "5"), (#"/k"l"#, "6"), ("/ ", "7"), ("/m~0n", "8"),
    ])
    func rfc6901Examples(pointer: String, expected: String) throws {
        let p = try JSONPointer(pointer)
        let value = p.resolve(in: Self.document)
        #expect(value == (expected == "whole" ? Self.document : json(expected)))
        #expect(p.description == pointer)
    }

    @Test func escapingAndErrors() throws {
        let p: JSONPointer = ["metadata", "labels", "gantry.dev/gang", "a~b"]
        #expect(p.description == "/metadata/labels/gantry.dev~1gang/a~0b")
        #expect(try JSONPointer(p.description) == p)
        #expect(throws: JSONPatchError.self) { try JSONPointer("foo") }
        #expect(throws: JSONPatchError.self) { try JSONPointer("/a~2") }
        #expect(throws: JSONPatchError.self) { try JSONPointer("/a~") }
        #expect(try JSONPointer("/foo/01").resolve(in: Self.document) == nil)
        #expect(try JSONPointer("/foo/-").resolve(in: Self.document) == nil)
        #expect(try JSONPointer("/foo/2").resolve(in: Self.document) == nil)
    }
}

struct JSONPatchTests {
    private func patch(_ s: String) throws -> JSONPatch {
        try JSONValueDecoder().decode(JSONPatch.self, from: Array(s.utf8))
    }

    @Test(arguments: [
        // A.1 to A.8, A.10, A.11, A.14, A.16
        (#"{"foo":"bar"}"#, #"[{"op":"add","path":"/baz","value":"qux"}]"#, #"{"baz":"qux","foo":"bar"}"#),
        (#"{"foo":["bar","baz"]}"#, #"[{"op":"add","path":"/foo/1","value":"qux"}]"#, #"{"foo":["bar","qux","baz"]}"#),
        (#"{"baz":"qux","foo":"bar"}"#, #"[{"op":"remove","path":"/baz"}]"#, #"{"foo":"bar"}"#),
        (#"{"foo":["bar","qux","baz"]}"#, #"[{"op":"remove","path":"/foo/1"}]"#, #"{"foo":["bar","baz"]}"#),
        (#"{"baz":"qux","foo":"bar"}"#, #"[{"op":"replace","path":"/baz","value":"boo"}]"#, #"{"baz":"boo","foo":"bar"}"#),
        (#"{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}"#,
         #"[{"op":"move","from":"/foo/waldo","path":"/qux/thud"}]"#,
         #"{"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}}"#),
        (#"{"foo":["all","grass","cows","eat"]}"#, #"[{"op":"move","from":"/foo/1","path":"/foo/3"}]"#,
         #"{"foo":["all","cows","eat","grass"]}"#),
        (#"{"baz":"qux","foo":["a",2,"c"]}"#, #"[{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}]"#,
         #"{"baz":"qux","foo":["a",2,"c"]}"#),
        (#"{"foo":"bar"}"#, #"[{"op":"add","path":"/child","value":{"grandchild":{}}}]"#,
         #"{"foo":"bar","child":{"grandchild":{}}}"#),
        (#"{"foo":"bar"}"#, #"[{"op":"add","path":"/baz","value":"qux","xyz":123}]"#, #"{"foo":"bar","baz":"qux"}"#),
        (#"{"/":9,"~1":10}"#, #"[{"op":"test","path":"/~01","value":10}]"#, #"{"/":9,"~1":10}"#),
        (#"{"foo":["bar"]}"#, #"[{"op":"add","path":"/foo/-","value":["abc","def"]}]"#, #"{"foo":["bar",["abc","def"]]}"#),
        // More: replace the root, copy, add null, test objects regardless of key order, replace array element.
        (#"{"a":1}"#, #"[{"op":"replace","path":"","value":[1]}]"#, "[1]"),
        (#"{"a":{"b":[1]}}"#, #"[{"op":"copy","from":"/a","path":"/c"}]"#, #"{"a":{"b":[1]},"c":{"b":[1]}}"#),
        (#"{}"#, #"[{"op":"add","path":"/n","value":null}]"#, #"{"n":null}"#),
        (#"{"o":{"x":1,"y":2}}"#, #"[{"op":"test","path":"/o","value":{"y":2,"x":1.0}}]"#, #"{"o":{"x":1,"y":2}}"#),
        (#"[1,2,3]"#, #"[{"op":"replace","path":"/1","value":"two"},{"op":"add","path":"/0","value":0}]"#, #"[0,1,"two",3]"#),
        (#"{"a":"b"}"#, #"[{"op":"move","from":"/a","path":"/a"}]"#, #"{"a":"b"}"#),
    ])
    func rfc6902Examples(document: String, patchText: String, expected: String) throws {
        let p = try patch(patchText)
        #expect(try p.apply(to: json(document)) == json(expected))
    }

    @Test(arguments: [
        (#"{"baz":"qux"}"#, #"[{"op":"test","path":"/baz","value":"bar"}]"#, JSONPatchError.Kind.testFailed),
        (#"{"foo":"bar"}"#, #"[{"op":"add","path":"/baz/bat","value":"qux"}]"#, .pathNotFound),
        (#"{"/":9,"~1":10}"#, #"[{"op":"test","path":"/~01","value":"10"}]"#, .testFailed),
        (#"{"a":1}"#, #"[{"op":"remove","path":"/b"}]"#, .pathNotFound),
        (#"{"a":1}"#, #"[{"op":"replace","path":"/b","value":2}]"#, .pathNotFound),
        (#"{"a":[1]}"#, #"[{"op":"add","path":"/a/2","value":2}]"#, .invalidIndex),
        (#"{"a":[1]}"#, #"[{"op":"add","path":"/a/01","value":2}]"#, .invalidIndex),
        (#"{"a":[1]}"#, #"[{"op":"remove","path":"/a/1"}]"#, .invalidIndex),
        (#"{"a":[1]}"#, #"[{"op":"remove","path":"/a/-"}]"#, .invalidIndex),
        (#"{"a":{"b":1}}"#, #"[{"op":"move","from":"/a","path":"/a/b/c"}]"#, .invalidMove),
        (#"{"a":1}"#, #"[{"op":"copy","from":"/x","path":"/y"}]"#, .pathNotFound),
        (#"{"a":1}"#, #"[{"op":"remove","path":""}]"#, .invalidOperation),
        (#"{"a":"s"}"#, #"[{"op":"add","path":"/a/b","value":1}]"#, .pathNotFound),
    ])
    func failuresAreTypedAndNameTheOperation(document: String, patchText: String, kind: JSONPatchError.Kind) throws {
        let p = try patch(patchText)
        do {
            _ = try p.apply(to: json(document))
            Issue.record("expected \(kind)")
        } catch {
            #expect(error.kind == kind)
            #expect(error.operationIndex == 0)
        }
    }

    @Test func applyIsAllOrNothing() throws {
        let doc = json(#"{"a":1}"#)
        let p = JSONPatch().adding(["b"], 2).testing(["a"], 5)
        #expect(throws: JSONPatchError.self) { try p.apply(to: doc) }
        #expect(doc == json(#"{"a":1}"#))
    }

    @Test(arguments: [
        #"[{"op":"frobnicate","path":"/a"}]"#, #"[{"op":"add","path":"/a"}]"#, #"[{"op":"move","path":"/a"}]"#,
        #"[{"path":"/a","value":1}]"#, #"[{"op":"add","path":"a","value":1}]"#, #"{"op":"add"}"#,
    ])
    func malformedPatchDocumentsAreDecodingErrors(text: String) {
        #expect(throws: DecodingError.self) { try patch(text) }
    }

    @Test func builderWritesTheWireForm() throws {
        var p = JSONPatch()
        p.test(["metadata", "resourceVersion"], "7")
        p.add(["metadata", "annotations", "gantry.dev/devices"], "gcu-0:50:24576")
        p.replace(["spec", "replicas"], 3)
        p.remove(["metadata", "finalizers", "0"])
        p.move(from: ["a"], to: ["b"])
        p.copy(from: ["b"], to: ["c"])
        let wire = try JSONValueEncoder().encode(p)
        #expect(wire == json(#"""
            [{"op":"test","path":"/metadata/resourceVersion","value":"7"},
             {"op":"add","path":"/metadata/annotations/gantry.dev~1devices","value":"gcu-0:50:24576"},
             {"op":"replace","path":"/spec/replicas","value":3},
             {"op":"remove","path":"/metadata/finalizers/0"},
             {"op":"move","path":"/b","from":"/a"},{"op":"copy","path":"/c","from":"/b"}]
            """#))
        #expect(try JSONValueDecoder().decode(JSONPatch.self, from: wire) == p)
        // Foundation's coders agree.
        #expect(try JSONDecoder().decode(JSONPatch.self, from: JSONEncoder().encode(p)) == p)
    }

    @Test func deepPointersFailCleanly() throws {
        let tokens = Array(repeating: "a", count: 5000)
        let p = JSONPatch([.add(path: JSONPointer(tokens: tokens), value: 1)])
        #expect(throws: JSONPatchError.self) { try p.apply(to: json("{}")) }
    }

    @Test func patchesFromMergeDiffsAgreeWithRandomEdits() throws {
        // Random add/replace/remove edits applied with JSON patch give the same document as the
        // equivalent merge patch.
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            var base = JSONObject()
            for k in ["a", "b", "c", "d"] where Bool.random(using: &rng) { base[k] = .int(Int64.random(in: 0...9, using: &rng)) }
            var p = JSONPatch()
            var merge = JSONObject()
            for k in ["a", "b", "c", "d"] {
                switch Int.random(in: 0..<3, using: &rng) {
                case 0 where base.contains(k):
                    p.remove([k])
                    merge[k] = .null
                case 1:
                    let v = JSONValue.string("v\(Int.random(in: 0...9, using: &rng))")
                    p.add([k], v)
                    merge[k] = v
                default: break
                }
            }
            #expect(try p.apply(to: .object(base)) == JSONMergePatch.apply(.object(merge), to: .object(base)))
        }
    }
}
