// Selector tests: the label selector string syntax (cases from apimachinery's labels/selector_test.go),
// LabelSelector matching and conversion, label validation, and field selectors.

import Foundation
import Testing

@testable import KubeCore

private func labels(_ s: String) -> [String: String] {
    var out: [String: String] = [:]
    for pair in s.split(separator: ",") {
        let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        out[String(kv[0])] = kv.count > 1 ? String(kv[1]) : ""
    }
    return out
}

struct LabelQueryTests {
    @Test(arguments: [
        ("x=a,y=b,z=c", "x=a,y=b,z=c"), ("", ""), ("x!=a,y=b", "x!=a,y=b"), ("x=", "x="), ("x= ", "x="),
        ("x=,z= ", "x=,z="), ("x= ,z= ", "x=,z="), ("!x", "!x"), ("x>1", "x>1"), ("x>1,z<5", "x>1,z<5"),
        ("x==a", "x==a"), ("z=c,x=a", "x=a,z=c"), ("x in (b, a)", "x in (a,b)"), ("x notin (a)", "x notin (a)"),
        ("  x  in  ( a , b )  ,  !y ", "x in (a,b),!y"), ("x in (a,a,b)", "x in (a,b)"), ("x in ()", "x in ()"),
        ("x in (,a)", "x in (,a)"), ("x in (a,)", "x in (,a)"), ("x in (a,,b)", "x in (,a,b)"),
        ("gantry.dev/gang=team-a.job-1", "gantry.dev/gang=team-a.job-1"), ("notin=in", "notin=in"),
        ("a,b in (c),!d,e!=f", "a,b in (c),!d,e!=f"), ("in", "in"),
    ])
    func parsesAndPrintsCanonically(input: String, printed: String) throws {
        let q = try LabelQuery(input)
        #expect(q.description == printed)
        // The printed form parses to the same query.
        #expect(try LabelQuery(printed) == q)
    }

    @Test(arguments: [
        "x=a||y=b", "x==a==b", "!x=a", "x<a", "x>1.5", "x in a", "x in (a", "x notin", "x in (a b)", "(", ",x", "x,",
        "x=a,,y=b", "-x=a", "a/b/c=d", "x=" + String(repeating: "v", count: 64), "x=-bad", "x ! y", "x=a)",
        "x in (a),", "!", "x=(", "UPPER.example.com/x=1", "=a",
    ])
    func rejectsInvalidSelectors(input: String) {
        #expect(throws: LabelQueryError.self) { try LabelQuery(input) }
    }

    @Test func errorsSayWhatAndWhere() {
        do {
            _ = try LabelQuery("a=b,c in (d")
            Issue.record("expected an error")
        } catch {
            #expect(error.offset == 11)
            #expect(error.message.contains("expected: ',' or ')'"))
            #expect(error.description.contains("a=b,c in (d"))
        }
    }

    @Test(arguments: [
        ("", "x=y", true), ("x=y", "x=y", true), ("x=y,z=w", "x=y,z=w", true), ("x!=y,z!=w", "x=z,z=a", true),
        ("notin=in", "notin=in", true), ("x", "x=z", true), ("!x", "y=z", true), ("x>1", "x=2", true),
        ("x<1", "x=0", true), ("x in (a,b)", "x=b", true), ("x notin (a,b)", "y=a", true), ("x notin (a,b)", "x=c", true),
        ("x=", "x=", true), ("x!=y", "", true),
        ("x=z", "", false), ("x=y", "x=z", false), ("x=y,z=w", "x=w,z=w", false), ("x!=y,z!=w", "x=z,z=w", false),
        ("x", "y=z", false), ("!x", "x=z", false), ("x>1", "x=0", false), ("x<1", "x=2", false),
        ("x>1", "x=abc", false), ("x in (a,b)", "x=c", false), ("x in (a,b)", "", false), ("x notin (a,b)", "x=a", false),
        ("x=", "", false),
    ])
    func matchesLabels(selector: String, labelText: String, expected: Bool) throws {
        #expect(try LabelQuery(selector).matches(labels(labelText)) == expected)
    }

    @Test func requirementsAreValidatedWhenBuilt() {
        #expect(throws: LabelQueryError.self) { try LabelQuery.Requirement(key: "a", operator: .in, values: []) }
        #expect(throws: LabelQueryError.self) { try LabelQuery.Requirement(key: "a", operator: .equals, values: ["x", "y"]) }
        #expect(throws: LabelQueryError.self) { try LabelQuery.Requirement(key: "a", operator: .exists, values: ["x"]) }
        #expect(throws: LabelQueryError.self) { try LabelQuery.Requirement(key: "a", operator: .greaterThan, values: ["x"]) }
        #expect(throws: LabelQueryError.self) { try LabelQuery.Requirement(key: "", operator: .exists) }
        #expect((try? LabelQuery(matching: ["b": "2", "a": "1"]))?.description == "a=1,b=2")
    }
}

struct LabelSelectorTests {
    @Test func matchesLabelsAndExpressions() {
        let s = LabelSelector(
            matchLabels: ["app": "web"],
            matchExpressions: [
                .init(key: "tier", operator: .in, values: ["front", "edge"]),
                .init(key: "env", operator: .notIn, values: ["prod"]),
                .init(key: "gantry.dev/gang", operator: .exists),
                .init(key: "legacy", operator: .doesNotExist),
            ])
        #expect(s.matches(["app": "web", "tier": "front", "gantry.dev/gang": "g"]))
        #expect(s.matches(["app": "web", "tier": "edge", "env": "dev", "gantry.dev/gang": ""]))
        #expect(!s.matches(["app": "web", "tier": "front"]))
        #expect(!s.matches(["app": "web", "tier": "back", "gantry.dev/gang": "g"]))
        #expect(!s.matches(["app": "web", "tier": "front", "env": "prod", "gantry.dev/gang": "g"]))
        #expect(!s.matches(["app": "web", "tier": "front", "gantry.dev/gang": "g", "legacy": "1"]))
        #expect(!s.matches(["app": "api", "tier": "front", "gantry.dev/gang": "g"]))
        #expect(s.description == "app=web,env notin (prod),gantry.dev/gang,!legacy,tier in (edge,front)")
    }

    @Test func emptySelectorMatchesEverything() throws {
        #expect(LabelSelector().isEmpty)
        #expect(LabelSelector().matches([:]))
        #expect(LabelSelector(matchLabels: [:], matchExpressions: []).matches(["a": "b"]))
        #expect(try LabelSelector().query() == .everything)
        #expect(LabelSelector().description == "")
    }

    @Test func invalidSelectorsMatchNothingAndFailToConvert() {
        let badOperator = LabelSelector(matchExpressions: [.init(key: "a", operator: .init(rawValue: "Gt"), values: ["1"])])
        #expect(!badOperator.matches(["a": "5"]))
        #expect(throws: LabelQueryError.self) { try badOperator.query() }
        let noValues = LabelSelector(matchExpressions: [.init(key: "a", operator: .in, values: [])])
        #expect(!noValues.matches(["a": "x"]))
        #expect(throws: LabelQueryError.self) { try noValues.query() }
        let valuesOnExists = LabelSelector(matchExpressions: [.init(key: "a", operator: .exists, values: ["x"])])
        #expect(!valuesOnExists.matches(["a": "x"]))
    }

    @Test func queryAndSelectorAgreeOnRandomInputs() throws {
        var rng = SystemRandomNumberGenerator()
        let keys = ["a", "b", "c"]
        let values = ["x", "y", "z"]
        let ops: [LabelSelectorOperator] = [.in, .notIn, .exists, .doesNotExist]
        for _ in 0..<500 {
            var s = LabelSelector()
            if Bool.random(using: &rng) { s.matchLabels = [keys.randomElement(using: &rng)!: values.randomElement(using: &rng)!] }
            s.matchExpressions = (0..<Int.random(in: 0...2, using: &rng)).map { _ in
                let op = ops.randomElement(using: &rng)!
                let vals = op == .in || op == .notIn ? Array(values.shuffled(using: &rng).prefix(2)) : nil
                return LabelSelectorRequirement(key: keys.randomElement(using: &rng)!, operator: op, values: vals)
            }
            var l: [String: String] = [:]
            for k in keys where Bool.random(using: &rng) { l[k] = values.randomElement(using: &rng)! }
            let q = try s.query()
            #expect(q.matches(l) == s.matches(l), "\(s) on \(l)")
            #expect(try LabelQuery(q.description) == q)
        }
    }

    @Test func decodesAndKeepsUnknownFields() throws {
        let json = #"{"matchLabels":{"app":"web"},"matchExpressions":[{"key":"k","operator":"In","values":["v"],"future":1}],"extra":true}"#
        let s = try JSONValueDecoder().decode(LabelSelector.self, from: Array(json.utf8))
        #expect(s.matchExpressions?.first?.operator == .in)
        #expect(s.matchExpressions?.first?.unknownFields?["future"] == 1)
        #expect(try JSONValueEncoder().encode(s) == JSONParser.parse(json))
    }
}

struct LabelValidationTests {
    @Test(arguments: ["a", "A", "a-b", "a_b", "a.b", "1", "example.com/name", "a.b.c/x", String(repeating: "n", count: 63),
                      "gantry.dev/gang", "kubernetes.io/hostname"])
    func validKeys(key: String) { #expect(LabelValidation.isValidKey(key)) }

    @Test(arguments: ["", "-a", "a-", "a b", "a/b/c", "/a", "a/", "Example.com/a", "a..b/c", "-a.com/b",
                      String(repeating: "n", count: 64), String(repeating: "p", count: 254) + "/a", "é"])
    func invalidKeys(key: String) { #expect(!LabelValidation.isValidKey(key)) }

    @Test func values() {
        #expect(LabelValidation.isValidValue(""))
        #expect(LabelValidation.isValidValue("team-a.job_1"))
        #expect(!LabelValidation.isValidValue("a/b"))
        #expect(!LabelValidation.isValidValue("_a"))
        #expect(!LabelValidation.isValidValue(String(repeating: "v", count: 64)))
    }
}

struct FieldQueryTests {
    static let pod: JSONValue = [
        "metadata": ["name": "p1", "namespace": "ns"],
        "spec": ["nodeName": "node-1", "priority": 100, "hostNetwork": false, "containers": [["name": "c"]]],
        "status": ["phase": "Running"],
    ]

    @Test(arguments: [
        ("metadata.name=p1", true), ("metadata.name==p1", true), ("metadata.name!=p1", false),
        ("metadata.name=p1,spec.nodeName=node-1", true), ("metadata.name=p1,spec.nodeName!=node-1", false),
        ("status.phase!=Succeeded,status.phase!=Failed", true), ("spec.schedulerName=", true),
        ("spec.nodeName=", false), ("spec.priority=100", true), ("spec.hostNetwork=false", true),
        ("spec.containers=x", false), ("spec.containers!=x", true), ("", true), ("metadata.missing.deep=", true),
    ])
    func matchesObjectsByPath(selector: String, expected: Bool) throws {
        #expect(try FieldQuery(selector).matches(Self.pod) == expected)
    }

    @Test func parsesEscapesAndPrintsSorted() throws {
        let q = try FieldQuery(#"spec.nodeName!=b,metadata.name=a\,b\=c\\d"#)
        #expect(q.terms.count == 2)
        #expect(q.terms.contains(FieldQuery.Term(field: "metadata.name", value: #"a,b=c\d"#)))
        #expect(q.description == #"metadata.name=a\,b\=c\\d,spec.nodeName!=b"#)
        #expect(try FieldQuery(q.description) == q)
        #expect(q.matches(["metadata.name": #"a,b=c\d"#, "spec.nodeName": "c"]))
        #expect(!q.matches(["metadata.name": #"a,b=c\d"#, "spec.nodeName": "b"]))
        #expect(try FieldQuery("a==b").terms == [FieldQuery.Term(field: "a", value: "b")])
    }

    @Test(arguments: ["a", "a=b=c", #"a=b\x"#, #"a=b\"#, "a=b,c", "a=b,c=d,e"])
    func rejectsMalformedSelectors(input: String) {
        #expect(throws: FieldQueryError.self) { try FieldQuery(input) }
    }
}
