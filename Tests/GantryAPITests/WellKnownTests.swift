// The cross-component contracts: the gantry.dev/devices annotation, gang identity, simulator annotations,
// Go durations, Kubernetes name rules, time windows, and the Status/condition forms of validation errors.

import Foundation
import KubeCore
import Testing

@testable import GantryAPI

struct DeviceAllocationTests {
    @Test func parsesAndFormatsTheAnnotation() throws {
        let list = try DeviceAllocation.parseList("gcu-0:50:24576,gcu-3:100:49152")
        #expect(list == [DeviceAllocation(deviceID: "gcu-0", cores: 50, memoryMiB: 24576),
                         DeviceAllocation(deviceID: "gcu-3", cores: 100, memoryMiB: 49152)])
        #expect(DeviceAllocation.format(list) == "gcu-0:50:24576,gcu-3:100:49152")
        #expect(try DeviceAllocation.parseList("") == [])
        #expect(try DeviceAllocation.parseList(" gcu-0:25:0 , gcu-1:25:0 ").map(\.deviceID) == ["gcu-0", "gcu-1"])
    }

    @Test func deviceIDsMayContainColons() throws {
        // PCI addresses as IDs: the two numbers are taken from the right.
        let a = try DeviceAllocation.parseList("0000:3b:00.0:50:1024")
        #expect(a == [DeviceAllocation(deviceID: "0000:3b:00.0", cores: 50, memoryMiB: 1024)])
        #expect(DeviceAllocation.format(a) == "0000:3b:00.0:50:1024")
    }

    @Test(arguments: [
        ("gcu-0", DeviceAllocationError.Problem.malformedEntry, 0, #"gantry.dev/devices entry 0 "gcu-0": must be <deviceID>:<cores>:<memoryMiB>"#),
        ("gcu-0:50", .malformedEntry, 0, #"gantry.dev/devices entry 0 "gcu-0:50": must be <deviceID>:<cores>:<memoryMiB>"#),
        (":50:100", .emptyDeviceID, 0, #"gantry.dev/devices entry 0 ":50:100": device ID must be non-empty"#),
        ("gcu-0:0:100", .invalidCores, 0, #"gantry.dev/devices entry 0 "gcu-0:0:100": cores must be an integer from 1 to 100"#),
        ("gcu-0:101:100", .invalidCores, 0, #"gantry.dev/devices entry 0 "gcu-0:101:100": cores must be an integer from 1 to 100"#),
        ("gcu-0:+5:100", .invalidCores, 0, #"gantry.dev/devices entry 0 "gcu-0:+5:100": cores must be an integer from 1 to 100"#),
        ("gcu-0:50:-1", .invalidMemory, 0, #"gantry.dev/devices entry 0 "gcu-0:50:-1": memoryMiB must be a non-negative integer"#),
        ("gcu-0:50:99999999999999999999", .invalidMemory, 0,
         #"gantry.dev/devices entry 0 "gcu-0:50:99999999999999999999": memoryMiB must be a non-negative integer"#),
        ("gcu-0:50:1,", .malformedEntry, 1, #"gantry.dev/devices entry 1 "": must be <deviceID>:<cores>:<memoryMiB>"#),
        ("gcu-0:50:1,gcu-0:25:1", .duplicateDevice, 1, #"gantry.dev/devices entry 1 "gcu-0:25:1": device is allocated twice to the same pod"#),
    ])
    func rejectsMalformedAnnotations(text: String, problem: DeviceAllocationError.Problem, index: Int, message: String) {
        #expect {
            try DeviceAllocation.parseList(text)
        } throws: { error in
            guard let e = error as? DeviceAllocationError else { return false }
            return e.problem == problem && e.entryIndex == index && e.description == message
        }
    }
}

struct GangAndSimulationTests {
    @Test func gangIdentityComesFromNamespaceAndLabel() {
        let id = GangID(podNamespace: "vision-dev", labels: [LabelKey.gang: "bert"])
        #expect(id == GangID(namespace: "vision-dev", name: "bert"))
        #expect(id?.description == "vision-dev/bert")
        #expect(GangID("vision-dev/bert") == id)
        #expect(GangID("bert") == nil && GangID("a/b/c") == nil && GangID("/b") == nil)
        #expect(GangID(podNamespace: "ns", labels: ["app": "x"]) == nil)
        // The label value itself must be a valid label value (no '/'), which is why only the name goes there.
        #expect(NameValidation.labelValue(id?.labelValue ?? "") == [])
        #expect(!NameValidation.labelValue("vision-dev/bert").isEmpty)
    }

    @Test func simulatedRunReadsDurationAndExitCode() throws {
        let run = try SimulatedRun.parse(annotations: [AnnotationKey.simDuration: "1m30s", AnnotationKey.simExitCode: "137"]).get()
        #expect(run == SimulatedRun(durationSeconds: 90, exitCode: 137))
        #expect(try SimulatedRun.parse(annotations: nil).get() == SimulatedRun())
        guard case .failure(let errors) = SimulatedRun.parse(annotations: [AnnotationKey.simExitCode: "x"]) else {
            Issue.record("a bad exit code must fail")
            return
        }
        #expect(errors.map(\.description) == [#"metadata.annotations[sim.gantry.dev/exit-code]: Invalid value: "x": must be an integer from 0 to 255"#])
    }

    @Test(arguments: [("0", 0.0), ("90s", 90), ("1m30s", 90), ("1.5h", 5400), ("250ms", 0.25), ("2h45m", 9900),
                      ("-1s", -1), ("+3s", 3), ("1us", 1e-6), ("1µs", 1e-6), ("10ns", 1e-8), (".5s", 0.5), ("1.s", 1)])
    func parsesGoDurations(text: String, seconds: Double) throws {
        #expect(abs(try GoDuration.seconds(text) - seconds) < 1e-12)
    }

    @Test(arguments: [("", #"time: invalid duration """#), ("s", #"time: invalid duration "s""#),
                      ("10", #"time: missing unit in duration "10""#), ("1d", #"time: unknown unit "d" in duration "1d""#),
                      ("1h-5m", #"time: unknown unit "h-" in duration "1h-5m""#), (".s", #"time: invalid duration ".s""#),
                      ("3000000h", #"time: invalid duration "3000000h""#)])
    func rejectsBadDurationsLikeGo(text: String, message: String) {
        #expect {
            try GoDuration.seconds(text)
        } throws: { ($0 as? GoDuration.SyntaxError)?.description == message }
    }

    @Test func formatsDurationsLikeGo() {
        #expect(GoDuration.format(seconds: 0) == "0s")
        #expect(GoDuration.format(seconds: 45) == "45s")
        #expect(GoDuration.format(seconds: 90) == "1m30s")
        #expect(GoDuration.format(seconds: 7200) == "2h0m0s")
        #expect(GoDuration.format(seconds: -61) == "-1m1s")
    }
}

struct NameValidationTests {
    @Test(arguments: ["a", "vision", "vision-dev", "0abc", String(repeating: "a", count: 63)])
    func acceptsDNSLabels(name: String) { #expect(NameValidation.dns1123Label(name) == []) }

    @Test(arguments: ["", "-a", "a-", "A", "a_b", "a.b", String(repeating: "a", count: 64)])
    func rejectsBadDNSLabels(name: String) { #expect(!NameValidation.dns1123Label(name).isEmpty) }

    @Test func messagesAreTheAPIServers() {
        #expect(NameValidation.dns1123Label(String(repeating: "a", count: 64)) == ["must be no more than 63 characters"])
        #expect(NameValidation.dns1123Subdomain("a..b") == [
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        ])
        #expect(NameValidation.dns1035Label("1a").count == 1)
        #expect(NameValidation.dns1035Label("a1") == [])
        #expect(NameValidation.qualifiedName("gantry.dev/vgcu") == [])
        #expect(NameValidation.qualifiedName("example.com/") == ["name part must be non-empty",
            "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"])
        #expect(NameValidation.qualifiedName("Bad_Prefix/x").first?.hasPrefix("prefix part a lowercase RFC 1123 subdomain") == true)
        #expect(NameValidation.labelValue("") == [])
        #expect(NameValidation.labelValue("a/b").count == 1)
    }

    @Test func schemaPatternsMatchTheSwiftRules() {
        // The CRD patterns and the Swift matchers must agree on every sample.
        let samples = ["a", "a-b", "a.b", "-a", "A", "0", "a-", "ab.cd", "a_b", "x" + String(repeating: "y", count: 70)]
        for s in samples {
            #expect(OpenAPIValidator.matches(s, NamePatterns.dns1123Label) == NameValidation.matchesDNS1123Label(Substring(s).utf8), "\(s)")
            #expect(OpenAPIValidator.matches(s, NamePatterns.dns1123Subdomain) == NameValidation.matchesDNS1123Subdomain(s), "\(s)")
            #expect(OpenAPIValidator.matches(s, NamePatterns.dns1035Label) == NameValidation.matchesDNS1035Label(s), "\(s)")
        }
    }
}

struct TimeWindowTests {
    /// 2026-11-20 is a Friday.
    static func date(_ text: String) -> Date { Time(rfc3339: text)!.date }

    @Test func sameDayWindow() {
        let w = TimeWindow(days: ["Fri"], start: "09:00", end: "17:00", timeZone: "UTC")
        #expect(w.contains(Self.date("2026-11-20T09:00:00Z")))
        #expect(w.contains(Self.date("2026-11-20T16:59:00Z")))
        #expect(!w.contains(Self.date("2026-11-20T17:00:00Z")), "the end is exclusive")
        #expect(!w.contains(Self.date("2026-11-21T10:00:00Z")), "Saturday is not listed")
    }

    @Test func windowPastMidnightBelongsToItsStartDay() {
        let w = TimeWindow(days: ["Fri"], start: "22:00", end: "06:00", timeZone: "UTC")
        #expect(w.contains(Self.date("2026-11-20T23:00:00Z")))
        #expect(w.contains(Self.date("2026-11-21T05:59:00Z")), "Saturday early morning continues Friday's window")
        #expect(!w.contains(Self.date("2026-11-20T05:00:00Z")), "Friday early morning belongs to Thursday's window")
        #expect(!w.contains(Self.date("2026-11-21T22:30:00Z")))
    }

    @Test func timeZonesShiftTheWindow() {
        // 20:00-08:00 in Shanghai (UTC+8) is 12:00-00:00 UTC.
        let w = TimeWindow(start: "20:00", end: "08:00", timeZone: "Asia/Shanghai")
        #expect(w.contains(Self.date("2026-11-20T12:30:00Z")))
        #expect(!w.contains(Self.date("2026-11-20T01:00:00Z")))
        #expect(!TimeWindow(start: "20:00", end: "08:00", timeZone: "Nowhere/Else").contains(Self.date("2026-11-20T12:30:00Z")))
    }

    @Test func quotaWithoutWindowsIsAlwaysValid() {
        var q = Quota(name: "q")
        #expect(q.isWithinTimeWindows(at: Self.date("2026-11-20T03:00:00Z")))
        q.spec.timeWindows = [TimeWindow(days: ["Sat", "Sun"], start: "00:00", end: "23:59")]
        #expect(!q.isWithinTimeWindows(at: Self.date("2026-11-20T03:00:00Z")))
        #expect(q.isWithinTimeWindows(at: Self.date("2026-11-22T03:00:00Z")))
    }
}

struct FieldErrorFormsTests {
    static let errors: FieldErrors = [
        .invalid(FieldPath("spec").child("gang", "minMember"), 5, "must be less than or equal to the total replicas (4)"),
        .duplicate(FieldPath("spec").child("replicas").index(1).child("name"), "worker"),
    ]

    @Test func statusIsTheAPIServers422() {
        let status = Self.errors.status(kind: "TrainingJob", name: "bert")
        #expect(status.code == 422 && status.reason == "Invalid" && status.status == "Failure")
        #expect(status.message == #"TrainingJob.gantry.dev "bert" is invalid: [spec.gang.minMember: Invalid value: 5: must be less than or equal to the total replicas (4), spec.replicas[1].name: Duplicate value: "worker"]"#)
        #expect(status.details?.causes == [
            StatusCause(reason: "FieldValueInvalid", message: "Invalid value: 5: must be less than or equal to the total replicas (4)", field: "spec.gang.minMember"),
            StatusCause(reason: "FieldValueDuplicate", message: #"Duplicate value: "worker""#, field: "spec.replicas[1].name"),
        ])
        let one = FieldErrors([Self.errors[0]]).status(kind: "TrainingJob", name: "bert")
        #expect(one.message == #"TrainingJob.gantry.dev "bert" is invalid: spec.gang.minMember: Invalid value: 5: must be less than or equal to the total replicas (4)"#)
    }

    @Test func invalidConditionCarriesEveryRule() {
        let now = Time(secondsSinceEpoch: 1_795_168_800)
        let c = Self.errors.condition(observedGeneration: 7, now: now)
        #expect(c.type == "Invalid" && c.status == .true && c.reason == "InvalidSpec" && c.observedGeneration == 7)
        #expect(c.message == Self.errors.description)
        #expect(c.lastTransitionTime == now)
        let ok = FieldErrors().condition(observedGeneration: 8, now: now)
        #expect(ok.status == .false && ok.reason == "Valid" && ok.observedGeneration == 8)
    }

    @Test func hugeMessagesAreCutToTheConditionLimit() {
        var many = FieldErrors()
        for i in 0..<5000 { many.append(.required(FieldPath("spec").child("replicas").index(i).child("name"))) }
        let message = many.condition(observedGeneration: 1).message ?? ""
        #expect(message.utf8.count <= 32768 && message.hasSuffix("..."))
    }

    @Test func valuesRenderLikeGo() {
        #expect(FieldError.invalid(FieldPath("a"), "x\"y\n", "d").description == #"a: Invalid value: "x\"y\n": d"#)
        #expect(FieldError.invalid(FieldPath("a"), 1.5, "d").description == "a: Invalid value: 1.5: d")
        #expect(FieldError.invalid(FieldPath("a"), true, "d").description == "a: Invalid value: true: d")
        #expect(FieldError.required(FieldPath("a")).description == "a: Required value")
        #expect(FieldError.tooLong(FieldPath("a"), 10).description == "a: Too long: may not be more than 10 bytes")
        #expect(FieldPath("spec").child("resources").key("gantry.dev/vgcu").child("limit").description == "spec.resources[gantry.dev/vgcu].limit")
    }
}

struct WellKnownNamesTests {
    @Test func reasonsAndTypesFollowTheConditionConvention() {
        let reasons = WellKnownReference.tables.first { $0.0 == "Condition reasons" }?.1.map(\.0) ?? []
        #expect(reasons.count > 40)
        #expect(Set(reasons).count == reasons.count, "a reason listed twice")
        for r in reasons { #expect(OpenAPIValidator.matches(r, #"^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$"#), "\(r)") }
        let types = ConditionType.workspace + ConditionType.quota + ConditionType.trainingJob + ConditionType.inferenceService
            + ConditionType.resourcePool + ConditionType.deviceSlice
        for t in types { #expect(t.first?.isUppercase == true && t.allSatisfy { $0.isLetter }, "\(t)") }
        // The TrainingJob phases and its condition types are the same words.
        #expect(TrainingPhase.allCases.map(\.rawValue) == ConditionType.trainingJob.filter { $0 != ConditionType.invalid })
    }

    @Test func keysAreQualifiedNames() {
        for (title, rows) in WellKnownReference.tables where title != "Condition reasons" {
            for (name, meaning) in rows where name.contains("/") {
                #expect(NameValidation.qualifiedName(name) == [], "\(name)")
                #expect(!meaning.isEmpty)
            }
        }
        #expect(ResourceName.extenderManaged.allSatisfy { $0.contains("/") })
        #expect(ResourceName.isStandard("cpu") && ResourceName.isStandard("hugepages-2Mi") && !ResourceName.isStandard("gpu"))
        #expect(WorkspaceRole.developer.clusterRoleName == "gantry-developer")
    }
}
