// Reading an object the way a controller does: decode, default, validate, condition; objects that do not
// decode still come back as field errors.

import KubeCore
import Testing

@testable import GantryAPI

struct CheckTests {
    @Test func validObjectsComeBackDefaulted() throws {
        let value = try JSONValueEncoder().encode(Fixtures.trainingJob)
        let checked = TrainingJob.check(value)
        #expect(checked.isValid)
        #expect(checked.object == Fixtures.trainingJob.defaulted())
    }

    @Test func undecodableObjectsBecomeFieldErrors() throws {
        var value = try JSONValueEncoder().encode(Fixtures.trainingJob)
        value["spec"]?["replicas"] = .array([["name": "w", "count": "three", "template": [:]]])
        let checked = TrainingJob.check(value)
        #expect(checked.object == nil)
        #expect(checked.errors.map(\.description) == [#"spec.replicas[0].count: Invalid value: "three": expected integer, got string"#])

        value["spec"] = ["quota": "vision"]
        #expect(TrainingJob.check(value).errors.map(\.description) == ["spec.replicas: Required value"])
        #expect(TrainingJob.check(["kind": "TrainingJob"]).errors.map(\.description) == ["metadata: Required value"])
    }

    @Test func invalidObjectsKeepTheirErrorsAndCondition() throws {
        var job = Fixtures.trainingJob
        job.metadata.generation = 4
        job.spec.gang?.minMember = 9
        let checked = TrainingJob.check(try JSONValueEncoder().encode(job))
        #expect(!checked.isValid && checked.object != nil)
        let condition = job.invalidCondition(now: Fixtures.time)
        #expect(condition.status == .true && condition.observedGeneration == 4)
        #expect(condition.message == "spec.gang.minMember: Invalid value: 9: must be less than or equal to the total replicas (4)")
    }
}
