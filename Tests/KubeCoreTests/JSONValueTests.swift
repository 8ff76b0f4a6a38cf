// Tests of the JSON layer: parsing, writing, ordered keys, and the unknown-field round trip.

import Foundation
import Synchronization
import Testing

@testable import KubeCore

struct JSONParserTests {
    @Test func parsesScalarsAndStructures() throws {
        let v = try JSONParser.parse(#" {"a": 1, "b": [true, false, null], "c": -2.5e3, "d": "x\"y\u00e9\ud83d\ude00"} "#)
        #expect(v["a"] == .int(1))
        #expect(v["b"] == [true, false, nil])
        #expect(v["c"] == .double(-2500))
        #expect(v["d"] == .string("x\"yé😀"))
    }

    @Test func keepsKeyOrder() throws {
        let v = try JSONParser.parse(#"{"z":1,"a":2,"m":3}"#)
        #expect(v.objectValue?.keys == ["z", "a", "m"])
        #expect(JSONWriter.string(v) == #"{"z":1,"a":2,"m":3}"#)
    }

    @Test func duplicateKeysLastWins() throws {
        let v = try JSONParser.parse(#"{"a":1,"a":2}"#)
        #expect(v == ["a": 2])
        #expect(v.objectValue?.count == 1)
    }

    @Test func integersStayExactFloatsDoNot() throws {
        #expect(try JSONParser.parse("9223372036854775807") == .int(Int64.max))
        #expect(try JSONParser.parse("-9223372036854775808") == .int(Int64.min))
        #expect(try JSONParser.parse("9223372036854775808") == .double(9223372036854775808))
        #expect(try JSONParser.parse("1.0") == .int(1))  // numerically equal
        #expect(JSONWriter.string(.double(0.1)) == "0.1")
        #expect(JSONWriter.string(.double(3)) == "3")
    }

    @Test(arguments: [
        ("", 1, 1), ("{", 1, 2), ("{\"a\" 1}", 1, 6), ("[1,]", 1, 4), ("tru", 1, 1), ("01", 1, 2),
        ("\"abc", 1, 1), ("{\n  \"a\": x\n}", 2, 8), ("1 2", 1, 3), ("\"\\q\"", 1, 3), ("-", 1, 1), ("1.", 1, 3),
        ("\"a\u{01}\"", 1, 3),
    ])
    func rejectsMalformedInputWithPosition(input: String, line: Int, column: Int) {
        do {
            _ = try JSONParser.parse(input)
            Issue.record("expected an error for \(input)")
        } catch let e as JSONSyntaxError {
            #expect(e.line == line, "\(input): \(e)")
            #expect(e.column == column, "\(input): \(e)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func boundsNesting() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(deep) }
        let ok = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect((try? JSONParser.parse(ok)) != nil)
    }

    @Test func loneSurrogatesBecomeReplacementCharacters() throws {
        #expect(try JSONParser.parse(#""\ud800x""#) == .string("\u{FFFD}x"))
        #expect(try JSONParser.parse(#""\udc00""#) == .string("\u{FFFD}"))
    }

    @Test func writerEscapesControlCharacters() throws {
        let s = JSONValue.string("a\"b\\c\n\u{01}")
        let text = JSONWriter.string(s)
        #expect(text == #""a\"b\\c\n\u0001""#)
        #expect(try JSONParser.parse(text) == s)
    }

    @Test func randomGarbageNeverCrashes() throws {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array(#"{}[]:,"\\ 0123456789.eE+-truefalsnl"#.utf8) + [0x00, 0xFF, 0xC3]
        for _ in 0..<5_000 {
            let n = Int.random(in: 0..<64, using: &rng)
            let bytes = (0..<n).map { _ in alphabet.randomElement(using: &rng)! }
            if let v = try? JSONParser.parse(bytes) {
                // Whatever parses must write back to something that parses to the same value.
                #expect(try JSONParser.parse(JSONWriter.write(v)) == v)
            }
        }
    }

    @Test func duplicateKeysOfEqualLengthKeepTheFirstPositionAndLastValue() throws {
        let v = try JSONParser.parse(#"{"ab":1,"cd":2,"ab":3,"ef":4,"cd":5}"#)
        #expect(v.objectValue?.keys == ["ab", "cd", "ef"])
        #expect(v == ["ab": 3, "cd": 5, "ef": 4])
    }

    @Test func shortStringsAreReadCorrectlyAtEveryLengthAndPosition() throws {
        // Strings up to 32 bytes go through the interner, which reads whole words when it can and copies
        // bytes near the end of the input.
        for length in 0...40 {
            let s = String((0..<length).map { Character(UnicodeScalar(UInt8(97 + $0 % 26))) })
            #expect(try JSONParser.parse("\"\(s)\"") == .string(s))
            #expect(try JSONParser.parse("{\"\(s)\":\"\(s)\"}") == ["\(s)": .string(s)])
            let padded = "[\"\(s)\"" + String(repeating: " ", count: 40) + "]"
            #expect(try JSONParser.parse(padded) == [.string(s)])
        }
        // Different strings with the same prefix, and repeated parses, never mix up.
        for _ in 0..<3 {
            #expect(try JSONParser.parse(#"["abcdefgh1","abcdefgh2","abcdefgh1","é\u00e9","ab\ncd"]"#)
                == ["abcdefgh1", "abcdefgh2", "abcdefgh1", "éé", "ab\ncd"])
        }
        // Invalid UTF-8 is repaired the same way whether or not the string was seen before.
        let bad: [UInt8] = [0x22, 0x61, 0xFF, 0x62, 0x22]
        #expect(try JSONParser.parse(bad) == .string("a\u{FFFD}b"))
        #expect(try JSONParser.parse(bad) == .string("a\u{FFFD}b"))
    }

    @Test func parsesConcurrentlyOnManyThreads() {
        let docs = (0..<64).map { i in #"{"name":"pod-\#(i)","labels":{"app":"a\#(i % 7)"},"n":\#(i)}"# }
        let failures = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 64) { i in
            for _ in 0..<50 {
                let v = try? JSONParser.parse(docs[i])
                if v?["name"] != .string("pod-\(i)") || v?["labels"]?["app"] != .string("a\(i % 7)") || v?["n"] != .int(Int64(i)) {
                    failures.withLock { $0 += 1 }
                }
            }
        }
        #expect(failures.withLock { $0 } == 0)
    }

    @Test func largeObjectsStayLinear() throws {
        var text = "{"
        for i in 0..<50_000 { text += (i > 0 ? "," : "") + "\"k\(i)\":\(i)" }
        text += "}"
        let v = try JSONParser.parse(text)
        #expect(v["k49999"] == .int(49999))
        #expect(v.objectValue?.count == 50_000)
    }
}

struct JSONObjectTests {
    @Test func equalityIgnoresOrderHashAgrees() {
        let a: JSONValue = ["x": 1, "y": ["z": "w"]]
        let b: JSONValue = ["y": ["z": "w"], "x": 1]
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(a != ["x": 1])
    }

    @Test func settingNilRemovesAndPositionIsKept() {
        var o: JSONObject = ["a": 1, "b": 2, "c": 3]
        o["b"] = 20
        #expect(o.keys == ["a", "b", "c"])
        o["a"] = nil
        #expect(o.keys == ["b", "c"])
        #expect(o["b"] == 20)
    }

    @Test func indexedLookupMatchesLinear() {
        var o = JSONObject()
        for i in 0..<100 { o["k\(i)"] = .int(Int64(i)) }
        o["k50"] = nil
        #expect(o["k50"] == nil)
        #expect(o["k99"] == 99)
        #expect(o["k51"] == 51)
        #expect(o.count == 99)
    }

    @Test func setAtPathCreatesIntermediates() {
        var v: JSONValue = ["metadata": ["name": "a"]]
        v.set("b", at: ["metadata", "labels", "app"])
        #expect(v[path: ["metadata", "labels", "app"]] == "b")
        #expect(v[path: ["metadata", "name"]] == "a")
        v.set(nil, at: ["metadata", "name"])
        #expect(v[path: ["metadata", "name"]] == nil)
    }
}

// A model that declares only some of an object's fields.
private struct Widget: Codable, Equatable {
    struct Part: Codable, Equatable {
        var name: String
        var size: Int?
        var unknownFields: UnknownFields? = nil
    }
    var name: String
    var count: Int
    var labels: [String: String]?
    var parts: [Part]?
    var unknownFields: UnknownFields? = nil
}

struct UnknownFieldsTests {
    @Test func readChangeWriteKeepsEveryUnmodelledField() throws {
        let input = #"""
            {"name":"w","count":1,"future":{"deep":[1,2]},"labels":{"b":"2","a":"1"},
             "parts":[{"name":"p","size":3,"color":"red"},{"name":"q","shape":{"sides":4}}],"zeta":null}
            """#
        var w = try JSONValueDecoder().decode(Widget.self, from: Array(input.utf8))
        #expect(w.unknownFields?["future"] == ["deep": [1, 2]])
        #expect(w.parts?[0].unknownFields?["color"] == "red")
        w.count = 2
        w.parts?[1].size = 9
        w.labels?["c"] = "3"
        let out = try JSONValueEncoder().encode(w)
        let expected = try JSONParser.parse(#"""
            {"name":"w","count":2,"labels":{"a":"1","b":"2","c":"3"},
             "parts":[{"name":"p","size":3,"color":"red"},{"name":"q","size":9,"shape":{"sides":4}}],
             "future":{"deep":[1,2]},"zeta":null}
            """#)
        #expect(out == expected)
        // Dictionaries are written with sorted keys.
        #expect(out["labels"]?.objectValue?.keys == ["a", "b", "c"])
    }

    @Test func typedFieldWinsOverUnknownWithSameKey() throws {
        var w = Widget(name: "n", count: 1)
        w.unknownFields = UnknownFields(["count": 99, "extra": true])
        let out = try JSONValueEncoder().encode(w)
        #expect(out["count"] == 1)
        #expect(out["extra"] == true)
    }

    @Test func removingAModelledFieldRemovesIt() throws {
        var w = try JSONValueDecoder().decode(Widget.self, from: Array(#"{"name":"a","count":1,"labels":{"x":"y"}}"#.utf8))
        w.labels = nil
        let out = try JSONValueEncoder().encode(w)
        #expect(out == ["name": "a", "count": 1])
    }

    @Test func errorsNameTheFieldPath() {
        let input = #"{"name":"w","count":1,"parts":[{"name":"a"},{"name":"b","size":"big"}]}"#
        do {
            _ = try JSONValueDecoder().decode(Widget.self, from: Array(input.utf8))
            Issue.record("expected failure")
        } catch let e as DecodingError {
            #expect(e.summary == "parts[1].size: expected integer, got string")
        } catch {
            Issue.record("\(error)")
        }
        do {
            _ = try JSONValueDecoder().decode(Widget.self, from: Array(#"{"name":"w"}"#.utf8))
            Issue.record("expected failure")
        } catch let e as DecodingError {
            #expect(e.fieldPath == "count")
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func integralFloatsDecodeAsIntegersOthersDoNot() throws {
        let w = try JSONValueDecoder().decode(Widget.self, from: Array(#"{"name":"w","count":3.0}"#.utf8))
        #expect(w.count == 3)
        #expect(throws: DecodingError.self) {
            try JSONValueDecoder().decode(Widget.self, from: Array(#"{"name":"w","count":3.5}"#.utf8))
        }
    }

    @Test func foundationCodersStillWork() throws {
        // JSONValue inside a model decoded by Foundation's decoder.
        struct Holder: Codable { var payload: JSONValue }
        let h = try JSONDecoder().decode(Holder.self, from: Data(#"{"payload":{"a":[1,"x",null,true,1.5]}}"#.utf8))
        #expect(h.payload == ["a": [1, "x", nil, true, 1.5]])
        let back = try JSONParser.parse(try JSONEncoder().encode(h))
        #expect(back == ["payload": ["a": [1, "x", nil, true, 1.5]]])
    }

    @Test func nonFiniteDoublesAreEncodingErrors() {
        struct F: Codable { var x: Double }
        #expect(throws: EncodingError.self) { try JSONValueEncoder().encode(F(x: .nan)) }
    }
}
