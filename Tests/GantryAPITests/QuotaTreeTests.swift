// Rules across the quota tree.

import KubeCore
import Testing

@testable import GantryAPI

struct QuotaTreeTests {
    static func quota(_ name: String, parent: String? = nil, _ resources: [String: QuotaResource] = [:]) -> Quota {
        Quota(name: name, spec: QuotaSpec(parent: parent, resources: resources))
    }

    @Test func theExampleTreeIsConsistent() throws {
        let quotas = try ExampleTests.gantryDocuments().filter { $0.kind == "Quota" }
            .map { try JSONValueDecoder().decode(Quota.self, from: $0.value) }
        #expect(quotas.count == 3)
        #expect(QuotaTree.validate(quotas).isEmpty)
    }

    @Test func missingParent() {
        let errors = QuotaTree.validate([Self.quota("team", parent: "root")])
        #expect(errors["team"]?.map(\.description) == [#"spec.parent: Not found: "root""#])
        #expect(errors["team"]?.causes.first?.reason == "FieldValueNotFound")
    }

    @Test func cyclesAreReportedOnEveryMember() {
        let errors = QuotaTree.validate([Self.quota("a", parent: "b"), Self.quota("b", parent: "c"), Self.quota("c", parent: "a"),
                                         Self.quota("d", parent: "a")])
        #expect(errors["a"]?.map(\.description) == [#"spec.parent: Invalid value: "b": the parent chain a -> b -> c -> a is a cycle"#])
        #expect(errors["b"]?.map(\.description) == [#"spec.parent: Invalid value: "c": the parent chain b -> c -> a -> b is a cycle"#])
        #expect(errors["c"]?.map(\.description) == [#"spec.parent: Invalid value: "a": the parent chain c -> a -> b -> c is a cycle"#])
        #expect(errors["d"] == nil, "hanging below a cycle is not itself a cycle")
    }

    @Test func childrenGuaranteesMustFitAndLimitsStayBelowTheParent() {
        let vgcu = ResourceName.vgcu
        let errors = QuotaTree.validate([
            Self.quota("root", [vgcu: QuotaResource(guaranteed: "16", limit: "64")]),
            Self.quota("a", parent: "root", [vgcu: QuotaResource(guaranteed: "10", limit: "64")]),
            Self.quota("b", parent: "root", [vgcu: QuotaResource(guaranteed: "8", limit: "80"), "cpu": QuotaResource(guaranteed: "4")]),
        ])
        #expect(errors["root"]?.map(\.description) == [
            #"spec.resources[cpu].guaranteed: Invalid value: "0": must be at least the sum of its children's guaranteed amounts (4)"#,
            #"spec.resources[gantry.dev/vgcu].guaranteed: Invalid value: "16": must be at least the sum of its children's guaranteed amounts (18)"#,
        ])
        #expect(errors["a"] == nil)
        #expect(errors["b"]?.map(\.description) == [#"spec.resources[gantry.dev/vgcu].limit: Invalid value: "80": must be less than or equal to the parent's limit (64)"#])
    }
}
