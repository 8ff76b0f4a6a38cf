// Tests of YAML reading and writing: kubectl's scalar rules, streams, anchors and merges, errors with
// positions, limits, and the write-then-read round trip.

import Foundation
import Testing

@testable import KubeCore

struct YAMLDecodeTests {
    @Test func readsAKubeconfig() throws {
        let text = """
            apiVersion: v1
            kind: Config
            clusters:
            - cluster:
                certificate-authority-data: LS0tLS1CRUdJTg==
                server: https://10.0.0.1:6443
                insecure-skip-tls-verify: true
              name: dev
            contexts:
            - context: {cluster: dev, user: admin, namespace: team-a}
              name: dev-admin
            current-context: dev-admin
            preferences: {}
            users:
            - name: admin
              user:
                token: "0123456789"   # quoted: stays a string
                client-key-data: bm90IGEga2V5
            """
        let v = try YAML.decode(text)
        #expect(v["kind"] == "Config")
        #expect(v["clusters"]?[0]?["cluster"]?["server"] == "https://10.0.0.1:6443")
        #expect(v["clusters"]?[0]?["cluster"]?["insecure-skip-tls-verify"] == true)
        #expect(v["contexts"]?[0]?["context"] == ["cluster": "dev", "user": "admin", "namespace": "team-a"])
        #expect(v["users"]?[0]?["user"]?["token"] == "0123456789")
        #expect(v["preferences"] == .object(JSONObject()))
        #expect(v.objectValue?.keys == ["apiVersion", "kind", "clusters", "contexts", "current-context", "preferences", "users"])
    }

    @Test func multiDocumentStreamSkipsEmptyDocuments() throws {
        let text = """
            # leading comment
            ---
            apiVersion: v1
            kind: Namespace
            metadata:
              name: a
            ---
            ---
            # only a comment
            ---
            null
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: b, namespace: a}
            data:
              key: |
                line one
                line two
            ...
            """
        let docs = try YAML.documents(Array(text.utf8))
        #expect(docs.count == 2)
        #expect(docs[0].value["kind"] == "Namespace")
        #expect(docs[0].line == 2)
        #expect(docs[1].value["data"]?["key"] == "line one\nline two\n")
        #expect(docs[1].line == 12)
        #expect(try YAML.decodeAll("") == [])
        #expect(try YAML.decodeAll("# nothing\n") == [])
        #expect(try YAML.decode("") == .null)
    }

    @Test func decodeRejectsSeveralDocuments() {
        #expect(throws: YAMLError.self) { try YAML.decode("a: 1\n---\nb: 2\n") }
    }

    @Test func anchorsAliasesAndMerges() throws {
        let text = """
            base: &base
              image: nginx
              replicas: 1
              labels: &labels {app: web}
            extra: &extra
              replicas: 5
              tier: front
            one:
              <<: *base
              replicas: 3
            two:
              name: first
              <<: [*extra, *base]
            three:
              replicas: 7
              <<: *base
            labels: *labels
            list: &list [a, b]
            again: *list
            """
        let v = try YAML.decode(text)
        // Explicit keys win over merged ones wherever they appear; earlier merge sources win over later ones.
        #expect(v["one"] == ["image": "nginx", "replicas": 3, "labels": ["app": "web"]])
        #expect(v["one"]?.objectValue?.keys == ["image", "replicas", "labels"])
        #expect(v["two"] == ["name": "first", "replicas": 5, "tier": "front", "image": "nginx", "labels": ["app": "web"]])
        #expect(v["three"]?["replicas"] == 7)
        #expect(v["labels"] == ["app": "web"])
        #expect(v["again"] == ["a", "b"])
    }

    @Test func quotedMergeKeyIsAnOrdinaryKey() throws {
        #expect(try YAML.decode("'<<': 1") == ["<<": 1])
    }

    @Test func anchorsAreScopedToTheirDocument() {
        #expect(throws: YAMLError.self) { try YAML.decodeAll("a: &x 1\n---\nb: *x\n") }
    }

    @Test func blockAndFlowStylesAgree() throws {
        let block = """
            spec:
              ports:
              - name: http
                port: 80
              - name: https
                port: 443
              selector:
                app: web
            """
        let flow = #"{spec: {ports: [{name: http, port: 80}, {"name": "https", port: 443}], selector: {app: web}}}"#
        #expect(try YAML.decode(block) == YAML.decode(flow))
    }

    @Test func multiLineScalarStyles() throws {
        let text = """
            literal: |
              a
               b
            folded: >
              one
              two

              three
            strip: |-
              x
            keep: |+
              y

            plain: word
              continued
            double: "tab\\tand \\u00e9"
            single: 'it''s'
            """
        let v = try YAML.decode(text)
        #expect(v["literal"] == "a\n b\n")
        #expect(v["folded"] == "one two\nthree\n")
        #expect(v["strip"] == "x")
        #expect(v["keep"] == "y\n\n")
        #expect(v["plain"] == "word continued")
        #expect(v["double"] == "tab\tand é")
        #expect(v["single"] == "it's")
    }

    // go-yaml v2's resolve table, spelling by spelling, and what kubectl therefore sends as JSON.
    @Test(arguments: [
        ("y", JSONValue.bool(true)), ("Y", true), ("yes", true), ("Yes", true), ("YES", true),
        ("true", true), ("True", true), ("TRUE", true), ("on", true), ("On", true), ("ON", true),
        ("n", false), ("N", false), ("no", false), ("No", false), ("NO", false),
        ("false", false), ("False", false), ("FALSE", false), ("off", false), ("Off", false), ("OFF", false),
        ("yEs", "yEs"), ("tRUE", "tRUE"), ("oN", "oN"), ("nO", "nO"),
        ("~", nil), ("null", nil), ("Null", nil), ("NULL", nil), ("", nil), ("nULL", "nULL"),
        ("0", 0), ("12", 12), ("-12", -12), ("+12", 12), ("1_000", 1000), ("0x1F", 31), ("0X1f", 31), ("-0x10", -16),
        ("0o17", 15), ("0777", 511), ("0b101", 5), ("-0b101", -5), ("08", 8.0), ("0x", "0x"), ("0b", "0b"),
        ("9223372036854775807", .int(Int64.max)), ("-9223372036854775808", .int(Int64.min)),
        ("18446744073709551615", .double(Double(UInt64.max))), ("18446744073709551616", .double(18446744073709551616.0)),
        ("1.5", 1.5), ("-1.5", -1.5), ("+1.5", 1.5), (".5", 0.5), ("-.5", -0.5), ("1.", 1.0), ("1e3", 1000.0),
        ("1E-3", 0.001), ("1.5e+3", 1500.0), (".5e1", 5.0), ("1_0.5", 10.5), ("1e500", "1e500"), ("1e-500", 0.0),
        ("1:20", "1:20"), ("0.1.2", "0.1.2"), ("1.2.3.4", "1.2.3.4"), ("+", "+"), (".", "."), ("-x", "-x"),
        ("12abc", "12abc"), ("_1", "_1"), ("inf", "inf"), ("nan", "nan"), ("Infinity", "Infinity"),
        ("100m", "100m"), ("2Gi", "2Gi"), ("v1", "v1"), ("<<x", "<<x"), ("0.0.0.0/0", "0.0.0.0/0"),
        ("2024-01-02", "2024-01-02T00:00:00Z"), ("2024-1-2", "2024-01-02T00:00:00Z"),
        ("2001-12-14t21:59:43.10-05:00", "2001-12-14T21:59:43.1-05:00"),
        ("2001-12-14T21:59:43Z", "2001-12-14T21:59:43Z"), ("2001-12-14T21:59:43+00:00", "2001-12-14T21:59:43Z"),
        ("2001-12-14 21:59:43.123456789", "2001-12-14T21:59:43.123456789Z"),
        ("2024-02-30", "2024-02-30"), ("2024-13-01", "2024-13-01"), ("2001-12-14 21:59:43 -5", "2001-12-14 21:59:43 -5"),
        ("20240102", 20240102),
    ] as [(String, JSONValue)])
    func plainScalarsResolveLikeKubectl(text: String, expected: JSONValue) throws {
        let v = try YAML.decode("v: \(text)")
        #expect(v["v"] == expected, "\(text)")
        // Integers stay integers rather than becoming equal doubles.
        if case .int = expected { #expect(v["v"].map { if case .int = $0 { true } else { false } } == true) }
    }

    @Test func resolverHandlesTextsAPlainValueCannotHold() {
        // "-" alone starts a sequence in a document, but is a plain string inside flow collections and keys.
        #expect(YAMLScalarResolver.implicit("-", allowTimestamp: true) == .string("-"))
        #expect(YAMLScalarResolver.implicit("-.inf", allowTimestamp: true) == .float(-.infinity))
        #expect(YAMLScalarResolver.implicit("<<", allowTimestamp: true) == .string("<<"))
    }

    @Test func quotedScalarsAreAlwaysStrings() throws {
        let v = try YAML.decode(#"{a: "true", b: 'yes', c: "12", d: '~', e: "", f: "2024-01-02"}"#)
        #expect(v == ["a": "true", "b": "yes", "c": "12", "d": "~", "e": "", "f": "2024-01-02"])
    }

    @Test func explicitTags() throws {
        let text = """
            a: !!str 12
            b: !!str true
            c: !!int "12"
            d: !!float 3
            e: !!bool "yes"
            f: !!null ""
            g: !custom 12
            h: !!binary aGVsbG8=
            i: !!timestamp 2024-01-02
            j: ! 12
            """
        let v = try YAML.decode(text)
        #expect(v == ["a": "12", "b": "true", "c": 12, "d": 3.0, "e": true, "f": nil, "g": "12", "h": "hello",
                      "i": "2024-01-02T00:00:00Z", "j": "12"])
    }

    @Test(arguments: ["a: !!int abc", "a: !!bool 1", "a: !!null x", "a: !!float abc", "a: !!binary '***'"])
    func tagsThatContradictTheirValueAreErrors(text: String) {
        #expect { try YAML.decode(text) } throws: { ($0 as? YAMLError)?.kind == .invalidValue }
    }

    @Test func nonStringKeysBecomeJSONKeysLikeSigsYAML() throws {
        let v = try YAML.decode("1: a\ntrue: b\nno: c\n1.5: d\n1e3: e\n0x10: f\n.inf: g\n1e6: h\n")
        #expect(v.objectValue?.keys == ["1", "true", "false", "1.5", "1000", "16", ".inf", "1e+06"])
        #expect(throws: YAMLError.self) { try YAML.decode("~: a") }
        #expect(throws: YAMLError.self) { try YAML.decode("2024-01-02: a") }
        #expect(throws: YAMLError.self) { try YAML.decode("? [a, b]\n: c\n") }
        #expect(throws: YAMLError.self) { try YAML.decode("? {a: b}\n: c\n") }
    }

    @Test func nonFiniteFloatsHaveNoJSONForm() {
        for text in ["a: .nan", "a: .inf", "a: -.Inf"] {
            #expect { try YAML.decode(text) } throws: { ($0 as? YAMLError)?.kind == .invalidValue }
        }
    }

    @Test func duplicateKeysAreErrorsWithThePosition() throws {
        do {
            _ = try YAML.decode("a: 1\nb:\n  c: 1\n  c: 2\n")
            Issue.record("expected an error")
        } catch let e as YAMLError {
            #expect(e.kind == .duplicateKey)
            #expect(e.line == 4)
            #expect(e.column == 3)
        }
        // Keys that resolve to the same JSON key are duplicates too.
        #expect { try YAML.decode("yes: 1\ntrue: 2") } throws: { ($0 as? YAMLError)?.kind == .duplicateKey }
        #expect { try YAML.decode("<<: {a: 1}\n<<: {b: 1}") } throws: { ($0 as? YAMLError)?.kind == .duplicateKey }
    }

    @Test(arguments: [
        ("a: b: c", 1, 5),
        ("a:\n  b: 1\n c: 2", 3, 2),
        ("a: \"unterminated\nb: 1", 2, 5),
        ("a:\n\tb: 1", 2, 1),
        ("- a\nb: 1", 2, 1),
        ("a: [1, 2", 2, 1),
        ("key: value\n- bad", 2, 1),
        ("a: *nope", 1, 4),
    ] as [(String, Int, Int)])
    func syntaxErrorsCarryLineAndColumn(text: String, line: Int, column: Int) {
        do {
            _ = try YAML.decodeAll(text)
            Issue.record("expected an error for \(text)")
        } catch let e as YAMLError {
            #expect(e.line == line, "\(text): \(e)")
            #expect(e.column == column, "\(text): \(e)")
            #expect(e.description.hasPrefix("yaml: line \(line)"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func invalidUTF8IsASyntaxError() {
        let bytes: [UInt8] = Array("a: ".utf8) + [0xFF, 0xFE] + Array("\n".utf8)
        #expect { try YAML.decodeAll(bytes) } throws: { ($0 as? YAMLError)?.kind == .syntax }
    }

    @Test func mergeNeedsMappings() {
        for text in ["<<: 1", "<<: [a, b]", "a: &a [1]\nb:\n  <<: *a", "<<:"] {
            #expect { try YAML.decode(text) } throws: { ($0 as? YAMLError)?.kind == .invalidMerge }
        }
    }

    @Test func aliasBombsAreBounded() {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...9 {
            let refs = Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ")
            text += "a\(i): &a\(i) [\(refs)]\n"
        }
        #expect { try YAML.decode(text) } throws: { ($0 as? YAMLError)?.kind == .tooManyAliases }
        // A handful of ordinary aliases is fine.
        #expect((try? YAML.decode("a: &a [1, 2]\nb: [*a, *a, *a]")) != nil)
    }

    @Test func recursiveAliasIsAnError() {
        #expect { try YAML.decode("a: &a [*a]") } throws: { ($0 as? YAMLError)?.kind == .unknownAnchor }
    }

    @Test func depthIsBounded() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect { try YAML.decode(deep) } throws: { ($0 as? YAMLError)?.kind == .tooDeep }
        let ok = String(repeating: "[", count: 400) + String(repeating: "]", count: 400)
        #expect((try? YAML.decode(ok)) != nil)
    }

    @Test func depthThroughAliasChainsIsBounded() {
        // Each line nests the previous anchor one level deeper without any indentation.
        var text = "a0: &a0 [x]\n"
        for i in 1...700 { text += "a\(i): &a\(i) [*a\(i - 1)]\n" }
        #expect { try YAML.decode(text) } throws: { ($0 as? YAMLError)?.kind == .tooDeep }
        var shallow = "a0: &a0 [x]\n"
        for i in 1...100 { shallow += "a\(i): &a\(i) [*a\(i - 1)]\n" }
        #expect((try? YAML.decode(shallow)) != nil)
    }

    @Test func typedDecodeKeepsUnknownFields() throws {
        struct Thing: Codable {
            var name: String
            var unknownFields: UnknownFields? = nil
        }
        let t = try YAML.decode(Thing.self, from: "name: x\nextra: [1, 2]\n")
        #expect(t.name == "x")
        #expect(t.unknownFields?["extra"] == [1, 2])
    }

    @Test func randomInputNeverCrashes() {
        var rng = SystemRandomNumberGenerator()
        let pieces = ["a", ":", " ", "\n", "- ", "[", "]", "{", "}", ",", "&x", "*x", "<<", "!!int", "'", "\"", "|",
                      ">", "#", "---", "  ", "\t", "1", "yes", "~", "?", "%YAML 1.1", "\\", "\u{FEFF}", "é"]
        for _ in 0..<3_000 {
            let n = Int.random(in: 0..<24, using: &rng)
            let text = (0..<n).map { _ in pieces.randomElement(using: &rng) ?? "" }.joined()
            if let docs = try? YAML.decodeAll(text) {
                // Whatever reads must write and read back to the same values.
                #expect((try? YAML.decodeAll(YAML.encodeAll(docs))) == docs, "\(text.debugDescription)")
            }
        }
    }
}

struct YAMLEncodeTests {
    @Test func writesBlockStyleKubectlLike() throws {
        let value: JSONValue = [
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": ["name": "cfg", "labels": ["app": "web"]],
            "data": [
                "enabled": "true", "count": "12", "empty": "", "tilde": "~", "date": "2024-01-02", "octal": "0777",
                "sexagesimal": "1:20", "plain": "hello world", "colon": "a: b", "script": "#!/bin/sh\necho hi\n",
            ],
            "list": [1, 2.5, true, nil, ["nested": []], []],
            "emptyObject": [:],
        ]
        let expected = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: cfg
              labels:
                app: web
            data:
              enabled: "true"
              count: "12"
              empty: ""
              tilde: "~"
              date: "2024-01-02"
              octal: "0777"
              sexagesimal: "1:20"
              plain: hello world
              colon: 'a: b'
              script: |
                #!/bin/sh
                echo hi
            list:
            - 1
            - 2.5
            - true
            - null
            - nested: []
            - []
            emptyObject: {}

            """
        #expect(try YAML.encode(value) == expected)
        #expect(try YAML.decode(expected) == value)
    }

    @Test func quotesKeysThatWouldChangeType() throws {
        let value: JSONValue = ["yes": 1, "1": 2, "null": 3, "on": 4]
        let text = try YAML.encode(value)
        #expect(try YAML.decode(text) == value)
        #expect(text.contains("\"yes\": 1"))
    }

    @Test func multiDocumentEncoding() throws {
        let docs: [JSONValue] = [["a": 1], ["b": 2], "scalar"]
        let text = try YAML.encodeAll(docs)
        #expect(text == "a: 1\n---\nb: 2\n--- scalar\n")
        #expect(try YAML.decodeAll(text) == docs)
    }

    @Test func awkwardStringsRoundTrip() throws {
        let strings = ["", " ", "  lead", "trail  ", "a\nb", "a\n", "\n", "\nlead", "x\n\n", "trail \nx", "tab\there",
                       "- dash", "? q", "#hash", "a #b", "@at", "`tick", "%pct", "!bang", "&amp", "*star", "|pipe", ">gt",
                       "{x}", "[x]", "x,y", "quote\"d", "apo's", "back\\slash", "\u{0}\u{1}\u{7F}", "é😀", "---", "...",
                       "--- x", "<<", "=", ".5", "1e3", "0x10", "+1", "null", "NULL", "Off", "y", "2024-1-2", "1_0",
                       String(repeating: "long ", count: 60), String(repeating: "k", count: 200)]
        for s in strings {
            var o = JSONObject()
            o["k"] = .string(s)
            o[s] = "v"  // as a key too
            o["list"] = [.string(s)]
            let value = JSONValue.object(o)
            let text = try YAML.encode(value)
            #expect(try YAML.decode(text) == value, "\(s.debugDescription) -> \(text)")
        }
    }

    @Test func numbersRoundTrip() throws {
        let numbers: [JSONValue] = [0, -1, .int(Int64.max), .int(Int64.min), 0.1, -2.5e-7, 1e300, 123456789.125, 1e15, 1e21]
        for n in numbers {
            #expect(try YAML.decode(YAML.encode(["n": n])) == ["n": n], "\(n)")
        }
    }

    @Test func randomValuesRoundTrip() throws {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let value = RandomJSON.value(depth: 0, using: &rng)
            let text = try YAML.encode(value)
            let back = try YAML.decodeAll(text)
            // A top-level null is an empty document, which a stream skips.
            #expect(back == (value.isNull ? [] : [value]), "\(value) -> \(text)")
        }
    }

    @Test func nestingBeyondTheLimitIsAnError() {
        var v: JSONValue = 1
        for _ in 0..<600 { v = [v] }
        #expect { try YAML.encode(v) } throws: { ($0 as? YAMLError)?.kind == .unencodable }
    }
}

/// Random JSON values for round-trip tests.
enum RandomJSON {
    static let strings = ["", "a", "true", "12", "1.5", "~", "x: y", "- z", "line\nline", "é", " pad ", "#", "null",
                          "0o7", "2024-01-01", "yes", "'", "\"", "\\", "\t", "key", "metadata", "0.0.0.0"]

    static func value(depth: Int, using rng: inout some RandomNumberGenerator) -> JSONValue {
        let choice = Int.random(in: 0..<(depth > 4 ? 6 : 9), using: &rng)
        switch choice {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2: return .int(Int64.random(in: Int64.min...Int64.max, using: &rng))
        case 3: return .int(Int64.random(in: -1000...1000, using: &rng))
        case 4: return .double(Double(Int.random(in: -100_000...100_000, using: &rng)) / 64 + 0.5)
        case 5: return .string(strings.randomElement(using: &rng) ?? "")
        case 6, 7:
            var o = JSONObject()
            for _ in 0..<Int.random(in: 0..<5, using: &rng) {
                o[strings.randomElement(using: &rng) ?? "k"] = value(depth: depth + 1, using: &rng)
            }
            return .object(o)
        default:
            return .array((0..<Int.random(in: 0..<5, using: &rng)).map { _ in value(depth: depth + 1, using: &rng) })
        }
    }
}
