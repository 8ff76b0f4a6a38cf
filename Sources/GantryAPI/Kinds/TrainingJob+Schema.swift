// The TrainingJob CRD: schema, printer columns, names. Vocabulary follows Kubeflow's training-operator
// (replicas, restartPolicy ExitCode, runPolicy) and Volcano (gang minMember).

extension TrainingJob {
    public static let definition = KindDefinition(
        descriptor: descriptor,
        nameRule: .dns1035Label,
        shortNames: ["tj", "tjob"],
        description:
            "TrainingJob is a distributed training run: a set of replicas (master, workers, parameter servers, ...) each with a pod template, started together as one gang. It waits in its Quota until the quota controller admits it, when the quota has headroom and the whole gang can be placed on devices of an allowed pool; the training controller then creates the pods (<job>-<replica>-<index>) and one headless Service named after the job, so that each pod resolves as <pod>.<job>, and follows them to completion.",
        spec: specSchema,
        status: statusSchema,
        printerColumns: [
            PrinterColumn("Quota", .string, ".spec.quota", "Quota the job is queued in and charged to."),
            PrinterColumn("Phase", .string, ".status.phase", "Queued, Admitted, Running, Restarting, Succeeded, Failed, Suspended or Preempted."),
            PrinterColumn("Ready", .string, ".status.ready", "Ready pods / total pods."),
            PrinterColumn("Restarts", .integer, ".status.restarts", "Times the job's pods were restarted."),
            PrinterColumn("Framework", .string, ".spec.framework", "Training framework.", priority: 1),
            PrinterColumn("Pool", .string, ".status.admission.pool", "Pool the job was admitted to.", priority: 1),
            PrinterColumn("Message", .string, #".status.conditions[?(@.status=="True")].message"#,
                          "Why the job is in its phase (for Queued: why it is pending).", priority: 1),
            .age,
        ],
        validationRules: [
            "metadata.name is a DNS-1035 label and every pod name <job>-<replica>-<index> fits in 63 characters; the job has a namespace.",
            "At least one replica; replica names are DNS-1035 labels, unique, and among the framework's names (pytorch: master, worker; tensorflow: chief, ps, worker, evaluator; mpi: launcher, worker, launcher required; paddle: ps, worker); master, chief, evaluator and launcher have count 1.",
            "count ≥ 1, 0 ≤ minCount ≤ count; gang.minMember is between the sum of the minCounts (and 1) and the total pod count; gang.timeoutSeconds ≥ 1.",
            "runPolicy: backoffLimit ≥ 0, activeDeadlineSeconds ≥ 1, ttlSecondsAfterFinished ≥ 0; placement pools are DNS-1123 labels without repeats.",
            "Pod templates: a spec with at least one container, container names unique; no gantry.dev/* label or annotation that Gantry sets itself; sim.gantry.dev/duration is a non-negative Go duration and sim.gantry.dev/exit-code 0..255.",
            "Accelerator requests per container: limits equal requests for extended resources; gantry.dev/vgcu a whole number ≥ 1; gantry.dev/vgcu-cores a whole percent 1..100 and gantry.dev/vgcu-memory whole MiB ≥ 1, both only with gantry.dev/vgcu; whole devices a whole number; slices and enflame.com/gcu not in the same container.",
        ])

    static let specSchema = Schema.object("The desired training run.") {
        field("quota", .string(
            "Quota the job is queued in and charged to. Defaults to the Quota listing the job's namespace in spec.namespaces, else the workspace's root quota.")
            .dnsLabel())
        field("priority", .int32(
            "Priority within the quota's queue and for preemption: higher is admitted first and may preempt lower-priority preemptible work. InferenceServices default to 100, TrainingJobs to 0.")
            .defaultValue(0))
        field("preemptible", .boolean(
            "Whether higher-priority work may evict this job (always as a whole gang). Work running on borrowed capacity can be reclaimed by its lender regardless.")
            .defaultValue(false))
        field("framework", .string(
            "Training framework; sets the replica names the controller understands and the environment it injects: pytorch (master, worker; MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK), tensorflow (chief, ps, worker, evaluator; TF_CONFIG), mpi (launcher, worker; hostfile), paddle (ps, worker), generic (any names; GANTRY_* variables only).")
            .oneOf(Framework.self).defaultValue("generic"))
        field("replicas", required: true, .array(
            "The job's replica types, each a set of identical pods.",
            of: .object("A replica type: a name, a pod count and a pod template.") {
                field("name", required: true, .string(
                    "Replica type name (master, worker, ps, chief, launcher, ...), unique in the job; pods are named <job>-<name>-<index>.")
                    .dns1035Label())
                field("count", .int32("Number of pods of this replica type.").minimum(1).defaultValue(1))
                field("minCount", .int32(
                    "Pods of this type that must be among the gang's minMember for the job to run (Volcano minTaskMember). Unset means no per-replica minimum.")
                    .minimum(0))
                field("template", required: true, Schema.podTemplate(
                    "Pod template of the replica's pods. Request accelerators in the containers' resources; the controller adds the gang label, quota label and allowed-pool annotations."))
                field("restartPolicy", .string(
                    "What happens when a pod fails: Never (the job fails), OnFailure (the pod is restarted, counted against backoffLimit), ExitCode (exit codes 1-127 are permanent and fail the job, 128-255 are retryable and restart the pod).")
                    .oneOf(ReplicaRestartPolicy.self).defaultValue("OnFailure"))
            }
        ).minItems(1).listMap("name"))
        field("gang", .object("Gang scheduling: the pods start together or not at all.") {
            field("minMember", .int32(
                "Pods that must be placed together before any starts; defaults to all pods of all replicas. Must not exceed the total and must cover the replicas' minCount.")
                .minimum(1))
            field("timeoutSeconds", .int32(
                "How long an admitted gang may take to have minMember pods running; after it the job gives its admission back and is requeued (Kueue waitForPodsReady).")
                .minimum(1).defaultValue(600))
        })
        field("runPolicy", .object("Lifecycle limits of the run (training-operator RunPolicy).") {
            field("backoffLimit", .int32("Pod restarts allowed before the job is marked Failed.").minimum(0).defaultValue(3))
            field("activeDeadlineSeconds", .int64(
                "Longest the job may run, counted from admission; then it fails with reason DeadlineExceeded.").minimum(1))
            field("ttlSecondsAfterFinished", .int32(
                "Delete the job this long after it succeeds or fails; unset keeps it.").minimum(0))
            field("suspend", .boolean(
                "Suspend the job: its pods are deleted and its admission released; unsuspending queues it again.")
                .defaultValue(false))
            field("cleanPodPolicy", .string(
                "Which pods to delete when the job finishes: All, Running (keep finished pods for their logs), or None.")
                .oneOf(CleanPodPolicy.self).defaultValue("Running"))
        }.defaultValue([:]))
        field("placement", Schema.placement.defaultValue([:]))
    }

    static let admission = Schema.object("Where and why the job was admitted.") {
        field("quota", .string("Quota the job was admitted in (spec.quota or the one resolved for its namespace)."))
        field("pool", .string("ResourcePool whose devices the gang was planned on."))
        field("time", .time("When the job was admitted."))
        field("reason", .string("Why the pool was chosen, in words (objective, fit, borrowing)."))
    }

    static let statusSchema = Schema.object("The observed state of the run, written by the quota and training controllers.") {
        field("observedGeneration", Schema.observedGeneration)
        field("phase", .string(
            "Summary of the conditions: Queued, Admitted, Running, Restarting, Succeeded, Failed, Suspended or Preempted.")
            .oneOf(TrainingPhase.self))
        field("admission", admission)
        field("replicaStatuses", .array(
            "Pod counts per replica type.",
            of: .object("Pod counts of one replica type.") {
                field("name", required: true, .string("Replica type name."))
                field("active", .int32("Pods created and not finished.").minimum(0))
                field("ready", .int32("Pods running and ready.").minimum(0))
                field("succeeded", .int32("Pods that exited 0.").minimum(0))
                field("failed", .int32("Pods that failed.").minimum(0))
            }).listMap("name"))
        field("replicas", .int32("Total pods of the job.").minimum(0))
        field("readyReplicas", .int32("Pods running and ready.").minimum(0))
        field("ready", .string("readyReplicas/replicas, as kubectl shows it, e.g. 3/4."))
        field("restarts", .int32("Pod restarts so far, counted against runPolicy.backoffLimit.").minimum(0))
        field("startTime", .time("When the job was first admitted and its pods created."))
        field("completionTime", .time("When the job succeeded or failed."))
        field("conditions", Schema.conditions(ConditionType.trainingJob))
    }
}
