// Validation tables for Workspace and Quota: each rule, the exact error text (field path, reason, value,
// rule), as an API server would print it.

import KubeCore
import Testing

@testable import GantryAPI

let dns1123LabelRule =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"

struct WorkspaceValidationTests {
    static let cases: [ValidationCase<Workspace>] = [
        .init("upper-case name", [#"metadata.name: Invalid value: "Vision": "# + dns1123LabelRule]) { $0.metadata.name = "Vision" },
        .init("dotted name", [#"metadata.name: Invalid value: "vision.ai": must not contain dots"#]) { $0.metadata.name = "vision.ai" },
        .init("no name", ["metadata.name: Required value: name or generateName is required"]) { $0.metadata.name = nil },
        .init("wrong kind", [#"kind: Unsupported value: "Quota": supported values: "Workspace""#]) { $0.kind = "Quota" },
        .init("service account without namespace",
              ["spec.members[0].namespace: Required value: a ServiceAccount member needs the service account's namespace"]) {
            $0.spec.members?[0].namespace = nil
        },
        .init("user with a namespace", ["spec.members[1].namespace: Forbidden: only ServiceAccount members have a namespace"]) {
            $0.spec.members?.append(WorkspaceMember(name: "alice@example.com", namespace: "vision-dev", role: .admin))
        },
        .init("same member twice", [#"spec.members[2]: Duplicate value: {"kind":"User","name":"alice"}"#]) {
            $0.spec.members?.append(WorkspaceMember(kind: nil, name: "alice", role: .admin))
            $0.spec.members?.append(WorkspaceMember(kind: .user, name: "alice", role: .viewer))
        },
        .init("unknown role", [#"spec.members[0].role: Unsupported value: "owner": supported values: "admin", "developer", "viewer""#]) {
            $0.spec.members?[0].role = "owner"
        },
        .init("unknown member kind", [#"spec.members[1].kind: Unsupported value: "Robot": supported values: "User", "Group", "ServiceAccount""#]) {
            $0.spec.members?.append(WorkspaceMember(kind: "Robot", name: "r2", role: .viewer))
        },
        .init("empty member name", ["spec.members[1].name: Required value"]) {
            $0.spec.members?.append(WorkspaceMember(kind: .group, name: "", role: .viewer))
        },
        .init("cluster namespace", [#"spec.namespaces[1]: Invalid value: "kube-system": is reserved for the cluster and cannot belong to a workspace"#]) {
            $0.spec.namespaces?.append("kube-system")
        },
        .init("namespace twice", [#"spec.namespaces[1]: Duplicate value: "vision-dev""#]) { $0.spec.namespaces?.append("vision-dev") },
        .init("bad pool name", [#"spec.pools[0]: Invalid value: "GCU_train": "# + dns1123LabelRule]) { $0.spec.pools = ["GCU_train"] },
        .init("bad isolation namespace", [#"spec.isolation.allowNamespaces[0]: Invalid value: "-x": "# + dns1123LabelRule]) {
            $0.spec.isolation?.allowNamespaces = ["-x"]
        },
    ]

    @Test(arguments: cases) func rule(_ c: ValidationCase<Workspace>) { c.check(Fixtures.workspace) }

    @Test func defaultsFillKindAndIsolation() {
        var w = Workspace(name: "v", spec: WorkspaceSpec(members: [WorkspaceMember(kind: nil, name: "a", role: .viewer)]))
        w.applyDefaults()
        #expect(w.spec.members?[0].kind == .user)
        #expect(w.spec.isolation == WorkspaceIsolation(enabled: true))
        var off = Workspace(name: "v", spec: WorkspaceSpec(isolation: WorkspaceIsolation(enabled: false)))
        off.applyDefaults()
        #expect(off.spec.isolation?.enabled == false)
    }
}

struct QuotaValidationTests {
    static func vgcu(_ change: @escaping @Sendable (inout QuotaResource) -> Void) -> @Sendable (inout Quota) -> Void {
        { q in
            var r = q.spec.resources?[ResourceName.vgcu] ?? QuotaResource()
            change(&r)
            q.spec.resources?[ResourceName.vgcu] = r
        }
    }

    static let cases: [ValidationCase<Quota>] = [
        .init("guaranteed above deserved",
              [#"spec.resources[gantry.dev/vgcu].guaranteed: Invalid value: "12": must be less than or equal to deserved (8)"#],
              vgcu { $0.guaranteed = "12" }),
        .init("deserved above limit",
              [#"spec.resources[gantry.dev/vgcu].deserved: Invalid value: "32": must be less than or equal to limit (16)"#],
              vgcu { $0.deserved = "32" }),
        .init("guaranteed above limit without deserved",
              [#"spec.resources[gantry.dev/vgcu].guaranteed: Invalid value: "20": must be less than or equal to limit (16)"#],
              vgcu { $0.deserved = nil; $0.guaranteed = "20"; $0.lendable = nil }),
        .init("lendable above deserved",
              [#"spec.resources[gantry.dev/vgcu].lendable: Invalid value: "10": must be less than or equal to deserved (8)"#],
              vgcu { $0.lendable = "10" }),
        .init("quantities compare with suffixes",
              [#"spec.resources[memory].guaranteed: Invalid value: "2Gi": must be less than or equal to deserved (1500Mi)"#]) {
            $0.spec.resources?["memory"] = QuotaResource(guaranteed: "2Gi", deserved: "1500Mi", limit: "4Gi")
        },
        .init("negative amount", [#"spec.resources[cpu].limit: Invalid value: "-1": must be greater than or equal to 0"#]) {
            $0.spec.resources?["cpu"] = QuotaResource(limit: "-1")
        },
        .init("empty entry", ["spec.resources[cpu]: Required value: at least one of guaranteed, deserved, limit or lendable"]) {
            $0.spec.resources?["cpu"] = QuotaResource()
        },
        .init("unqualified extended resource",
              [#"spec.resources[vgcu]: Invalid value: "vgcu": must be a standard resource type or fully qualified"#]) {
            $0.spec.resources?["vgcu"] = QuotaResource(limit: "1")
        },
        .init("malformed resource name", [
            #"spec.resources[gantry.dev/v gcu]: Invalid value: "gantry.dev/v gcu": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"#,
        ]) { $0.spec.resources?["gantry.dev/v gcu"] = QuotaResource(limit: "1") },
        .init("weight zero", ["spec.weight: Invalid value: 0: must be between 1 and 65535"]) { $0.spec.weight = 0 },
        .init("weight too large", ["spec.weight: Invalid value: 70000: must be between 1 and 65535"]) { $0.spec.weight = 70000 },
        .init("own parent", [#"spec.parent: Invalid value: "vision": a quota cannot be its own parent"#]) { $0.spec.parent = "vision" },
        .init("upper-case parent", [#"spec.parent: Invalid value: "Root": "# + dns1123LabelRule]) { $0.spec.parent = "Root" },
        .init("unknown state", [#"spec.state: Unsupported value: "Paused": supported values: "Open", "Closed", "Draining", "Inactive""#]) {
            $0.spec.state = "Paused"
        },
        .init("unknown queueing", [#"spec.queueing: Unsupported value: "FIFO": supported values: "StrictFIFO", "BestEffortFIFO""#]) {
            $0.spec.queueing = "FIFO"
        },
        .init("unknown reclaim policy",
              [#"spec.preemption.reclaimFromOthers: Unsupported value: "Always": supported values: "Never", "LowerPriority", "Any""#]) {
            $0.spec.preemption?.reclaimFromOthers = "Always"
        },
        .init("window start out of range", [#"spec.timeWindows[0].start: Invalid value: "24:00": must be a time of day as HH:MM, 00:00 to 23:59"#]) {
            $0.spec.timeWindows?[0].start = "24:00"
        },
        .init("window end not HH:MM", [#"spec.timeWindows[0].end: Invalid value: "6pm": must be a time of day as HH:MM, 00:00 to 23:59"#]) {
            $0.spec.timeWindows?[0].end = "6pm"
        },
        .init("empty window", [#"spec.timeWindows[0].end: Invalid value: "00:00": must differ from start: a window lasting the whole day needs no time window"#]) {
            $0.spec.timeWindows?[0].end = "00:00"
        },
        .init("unknown day", [#"spec.timeWindows[0].days[2]: Unsupported value: "Funday": supported values: "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun""#]) {
            $0.spec.timeWindows?[0].days?.append("Funday")
        },
        .init("day twice", [#"spec.timeWindows[0].days[2]: Duplicate value: "Sat""#]) { $0.spec.timeWindows?[0].days?.append("Sat") },
        .init("unknown time zone", [#"spec.timeWindows[0].timeZone: Invalid value: "Mars/Olympus": must be an IANA time zone name, e.g. UTC or Asia/Shanghai"#]) {
            $0.spec.timeWindows?[0].timeZone = "Mars/Olympus"
        },
    ]

    @Test(arguments: cases) func rule(_ c: ValidationCase<Quota>) { c.check(Fixtures.quota) }

    @Test func defaults() {
        let q = Quota(name: "q").defaulted()
        #expect(q.spec.weight == 1 && q.spec.priority == 0 && q.spec.state == .open && q.spec.queueing == .bestEffortFIFO)
        #expect(q.spec.preemption == QuotaPreemption(withinQuota: .lowerPriority, reclaimFromOthers: .any, borrowWhenIdle: true))
    }

    @Test func stateSemantics() {
        #expect(QuotaState.open.acceptsNewWork && QuotaState.open.dispatches)
        #expect(!QuotaState.draining.acceptsNewWork && QuotaState.draining.dispatches)
        #expect(!QuotaState.closed.acceptsNewWork && !QuotaState.closed.dispatches)
        #expect(!QuotaState.inactive.acceptsNewWork && !QuotaState.inactive.dispatches)
    }
}
