// The Quota CRD: schema, printer columns, names. Descriptions map the fields onto Kueue's and Volcano's
// vocabulary, which platform teams already know.

extension Quota {
    public static let definition = KindDefinition(
        descriptor: descriptor,
        nameRule: .dns1123Label,
        shortNames: ["gq", "gquota"],
        description:
            "Quota is a queue and a node of the hierarchical quota tree. TrainingJobs and InferenceServices name a Quota and wait in it until the quota controller admits them: when the quota (plus what it may borrow up the tree) has headroom and the whole gang can be placed. Capacity is shared among sibling quotas in proportion to weight, guaranteed amounts first, capped by limit (Volcano's proportion/capacity plugins, Kueue's ClusterQueue and Cohort).",
        spec: specSchema,
        status: statusSchema,
        printerColumns: [
            PrinterColumn("Parent", .string, ".spec.parent", "Parent quota; empty for a root."),
            PrinterColumn("Weight", .integer, ".spec.weight", "Share of the parent's capacity relative to siblings."),
            PrinterColumn("State", .string, ".spec.state", "Open, Closed, Draining or Inactive."),
            PrinterColumn("Admitted", .integer, ".status.admitted", "Jobs admitted and holding quota."),
            PrinterColumn("Pending", .integer, ".status.pending", "Jobs queued, waiting for admission."),
            PrinterColumn("Share", .number, ".status.dominantShare",
                          "Dominant resource share: max over resources of allocated / cluster capacity."),
            PrinterColumn("Active", .string, #".status.conditions[?(@.type=="Active")].status"#,
                          "Whether the quota accepts and dispatches work right now."),
            PrinterColumn("Workspace", .string, ".spec.workspace", "Workspace the quota belongs to.", priority: 1),
            PrinterColumn("Priority", .integer, ".spec.priority", "Queue priority among siblings.", priority: 1),
            .age,
        ],
        validationRules: [
            "metadata.name, parent, workspace and namespaces are DNS-1123 labels (the name becomes the gantry.dev/quota label value); a quota cannot be its own parent.",
            "Resource names are standard (cpu, memory, ephemeral-storage, pods, hugepages-*) or domain-qualified (gantry.dev/vgcu); each entry sets at least one amount.",
            "Amounts are non-negative and ordered: guaranteed ≤ deserved ≤ limit (guaranteed ≤ limit when deserved is unset), lendable ≤ deserved.",
            "weight is 1..65535; time windows have HH:MM start and end that differ, known unique days and an IANA time zone.",
            "Across quotas (QuotaTree, run by the quota controller): the parent exists, the parent chain has no cycle, the children's guaranteed amounts sum to at most the parent's, and no child's limit exceeds the parent's.",
        ])

    static let resourceAmounts = Schema.object(
        "Amounts of one resource. Unset guaranteed is 0; unset deserved is guaranteed; unset limit is the parent's limit (no cap of its own); unset lendable is everything above guaranteed."
    ) {
        field("guaranteed", .quantity(
            "Reserved for this quota and never lent or reclaimed (Volcano guarantee). The guaranteed amounts of a quota's children must fit in its own."))
        field("deserved", .quantity(
            "The quota's nominal share (Kueue nominalQuota, Volcano deserved). Use beyond it is borrowing and may be reclaimed by quotas below their deserved share."))
        field("limit", .quantity(
            "Hard cap on what the quota's admitted work may use, borrowing included (Volcano capability; Kueue nominalQuota + borrowingLimit)."))
        field("lendable", .quantity(
            "How much of deserved other quotas may borrow while it is idle (Kueue lendingLimit). Guaranteed amounts are never lent whatever this says."))
    }.minProperties(1)

    static let specSchema = Schema.object("How much the quota may use, how it shares, and how its queue behaves.") {
        field("parent", .string(
            "Name of the parent Quota; empty for a root. A quota borrows from and lends to its siblings under the same parent, and its children share its capacity.")
            .dnsLabel())
        field("workspace", .string("Workspace the quota belongs to; its admins manage it.").dnsLabel())
        field("namespaces", .array(
            "Namespaces whose TrainingJobs and InferenceServices are charged to this quota when they name no quota themselves.",
            of: .string("A namespace name.").dnsLabel()).listSet())
        field("resources", .map(
            "Amounts per resource name: gantry.dev/vgcu (virtual GCUs), gantry.dev/vgcu-cores (percent points: vgcu × cores, 100 = one device), gantry.dev/vgcu-memory (MiB: vgcu × memory), enflame.com/gcu, nvidia.com/gpu (whole devices), cpu, memory. Resources not listed are not limited by this quota.",
            values: resourceAmounts))
        field("weight", .int32(
            "Share of the parent's capacity relative to siblings when it is divided by water-filling (Volcano weight, Kueue fairSharing.weight): 2 gets twice what 1 gets.")
            .range(1, 65535).defaultValue(1))
        field("priority", .int32(
            "Order among sibling queues: higher is served first, and reclaimed from last.").defaultValue(0))
        field("state", .string(
            "Open accepts and dispatches work; Closed accepts nothing and dispatches nothing (queued work stays queued); Draining dispatches what is queued but accepts nothing new; Inactive also lends all its capacity.")
            .oneOf(QuotaState.self).defaultValue("Open"))
        field("queueing", .string(
            "StrictFIFO admits in order and lets the head block the queue; BestEffortFIFO skips a head that cannot be placed yet and tries the next (Kueue queueingStrategy).")
            .oneOf(QueueingStrategy.self).defaultValue("BestEffortFIFO"))
        field("preemption", .object("When work of this quota may evict other work.") {
            field("withinQuota", .string(
                "Whether a job may preempt jobs of the same quota: Never, LowerPriority, or LowerOrNewerEqualPriority (Kueue withinClusterQueue). Only preemptible jobs are evicted.")
                .oneOf(WithinQuotaPolicy.self).defaultValue("LowerPriority"))
            field("reclaimFromOthers", .string(
                "Whether a job of this quota, while the quota is below its deserved share, may evict work that other quotas run on borrowed capacity: Never, LowerPriority, or Any (Kueue reclaimWithinCohort).")
                .oneOf(ReclaimPolicy.self).defaultValue("Any"))
            field("borrowWhenIdle", .boolean(
                "Whether jobs may be admitted on idle capacity of sibling quotas beyond deserved (up to limit). Borrowed capacity is reclaimed when its lender needs it.")
                .defaultValue(true))
        }.defaultValue([:]))
        field("timeWindows", .array(
            "Recurring periods in which the quota admits work, e.g. nights and weekends for offline training. Empty means always. Outside every window the quota is not Active: queued work waits and admitted work keeps running.",
            of: .object("A daily period.") {
                field("days", .array("Days of the week the window starts on; empty means every day.",
                                     of: .string("A day of the week.").oneOf(Weekday.self)).listSet())
                field("start", required: true, .string("Start time, HH:MM (24-hour clock) in timeZone.")
                    .pattern("^([01][0-9]|2[0-3]):[0-5][0-9]$"))
                field("end", required: true, .string(
                    "End time, HH:MM in timeZone, exclusive. Earlier than start means the window runs past midnight into the next day.")
                    .pattern("^([01][0-9]|2[0-3]):[0-5][0-9]$"))
                field("timeZone", .string("IANA time zone name, e.g. Asia/Shanghai.").defaultValue("UTC"))
            }))
    }

    static let statusSchema = Schema.object("The quota's queue and consumption, written by the quota controller.") {
        field("observedGeneration", Schema.observedGeneration)
        field("allocated", .resourceList("Resources reserved by admitted work of this quota and its children."))
        field("used", .resourceList("Resources requested by running pods of this quota and its children."))
        field("fairShare", .resourceList(
            "The share of each resource the quota is entitled to now, from water-filling the parent's capacity by weight (guaranteed first, capped by limit and demand)."))
        field("dominantShare", .number(
            "Dominant resource share (DRF): the largest allocated / cluster capacity over all resources, devices counted in device units.")
            .minimum(0))
        field("pending", .int32("Jobs queued in this quota.").minimum(0))
        field("admitted", .int32("Jobs admitted and holding quota.").minimum(0))
        field("usage", .object("Consumption accrued for metering and chargeback.") {
            field("deviceHours", .number("Device-hours consumed, a vGCU of 25 % for one hour counting 0.25.").minimum(0))
            field("cpuHours", .number("CPU core-hours consumed.").minimum(0))
            field("since", .time("When accrual started."))
        })
        field("conditions", Schema.conditions(ConditionType.quota))
    }
}
