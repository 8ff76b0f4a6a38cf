// Validation tables for TrainingJob and InferenceService: gang and replica rules, pod template rules
// (reserved keys, simulator annotations, accelerator requests), canary and scaling rules.

import KubeCore
import Testing

@testable import GantryAPI

let dns1035LabelRule =
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"

/// Sets one resource in both limits and requests of the first container of a template.
func setResource(_ t: inout PodTemplateSpec, _ name: String, _ value: Quantity?) {
    t.spec?.containers[0].resources?.limits?[name] = value
    t.spec?.containers[0].resources?.requests?[name] = value
}

struct TrainingJobValidationTests {
    static let container0 = "spec.replicas[0].template.spec.containers[0].resources"
    static let annotations0 = "spec.replicas[0].template.metadata.annotations"

    static let cases: [ValidationCase<TrainingJob>] = [
        .init("gang larger than the job", ["spec.gang.minMember: Invalid value: 5: must be less than or equal to the total replicas (4)"]) {
            $0.spec.gang?.minMember = 5
        },
        .init("gang of zero", ["spec.gang.minMember: Invalid value: 0: must be greater than or equal to 1"]) { $0.spec.gang?.minMember = 0 },
        .init("gang below the replicas' minimums",
              ["spec.gang.minMember: Invalid value: 3: must be at least the sum of the replicas' minCount (4)"]) { $0.spec.gang?.minMember = 3 },
        .init("minCount above count", ["spec.replicas[1].minCount: Invalid value: 4: must be less than or equal to count (3)"]) {
            $0.spec.replicas[1].minCount = 4
        },
        .init("replica name twice", [#"spec.replicas[1].name: Duplicate value: "worker""#]) {
            $0.spec.framework = .generic
            $0.spec.replicas[0].name = "worker"
        },
        .init("replica name not a DNS-1035 label", [#"spec.replicas[1].name: Invalid value: "Worker": "# + dns1035LabelRule]) {
            $0.spec.framework = .generic
            $0.spec.replicas[1].name = "Worker"
        },
        .init("pytorch replica it does not know", [#"spec.replicas[1].name: Unsupported value: "ps": supported values: "master", "worker""#]) {
            $0.spec.replicas[1].name = "ps"
        },
        .init("two pytorch masters", ["spec.replicas[0].count: Invalid value: 2: must be 1 for the master replica of a pytorch job"]) {
            $0.spec.replicas[0].count = 2
        },
        .init("mpi without launcher", [#"spec.replicas[0].name: Unsupported value: "master": supported values: "launcher", "worker""#,
                                       "spec.replicas: Required value: an mpi job needs a launcher replica"]) {
            $0.spec.framework = .mpi
        },
        .init("no replicas", ["spec.replicas: Required value: a job needs at least one replica"]) {
            $0.spec.replicas = []
            $0.spec.gang = nil
        },
        .init("count zero", ["spec.replicas[1].count: Invalid value: 0: must be greater than or equal to 1",
                             "spec.replicas[1].minCount: Invalid value: 3: must be less than or equal to count (0)"]) {
            $0.spec.replicas[1].count = 0
            $0.spec.gang?.minMember = 1
            $0.spec.replicas[0].minCount = 0
        },
        .init("pod names too long", [
            #"spec.replicas[0].name: Invalid value: "master": the pod and Service name "a-training-job-with-a-rather-long-name-for-its-own-good-master-0" must be no more than 63 characters"#,
            #"spec.replicas[1].name: Invalid value: "worker": the pod and Service name "a-training-job-with-a-rather-long-name-for-its-own-good-worker-2" must be no more than 63 characters"#,
        ]) { $0.metadata.name = "a-training-job-with-a-rather-long-name-for-its-own-good" },
        .init("job name with upper case", [#"metadata.name: Invalid value: "BERT": "# + dns1035LabelRule]) { $0.metadata.name = "BERT" },
        .init("job without namespace", ["metadata.namespace: Required value"]) { $0.metadata.namespace = nil },
        .init("quota name invalid", [#"spec.quota: Invalid value: "Vision": "# + dns1123LabelRule]) { $0.spec.quota = "Vision" },
        .init("unknown framework", [#"spec.framework: Unsupported value: "jax": supported values: "pytorch", "tensorflow", "mpi", "paddle", "generic""#]) {
            $0.spec.framework = "jax"
        },
        .init("unknown restart policy", [#"spec.replicas[0].restartPolicy: Unsupported value: "Always": supported values: "Never", "OnFailure", "ExitCode""#]) {
            $0.spec.replicas[0].restartPolicy = "Always"
        },
        .init("negative backoff", ["spec.runPolicy.backoffLimit: Invalid value: -1: must be greater than or equal to 0"]) {
            $0.spec.runPolicy?.backoffLimit = -1
        },
        .init("zero deadline", ["spec.runPolicy.activeDeadlineSeconds: Invalid value: 0: must be greater than or equal to 1"]) {
            $0.spec.runPolicy?.activeDeadlineSeconds = 0
        },
        .init("gang timeout zero", ["spec.gang.timeoutSeconds: Invalid value: 0: must be greater than or equal to 1"]) {
            $0.spec.gang?.timeoutSeconds = 0
        },
        .init("pool listed twice", [#"spec.placement.pools[1]: Duplicate value: "gcu-train""#]) {
            $0.spec.placement?.pools?.append("gcu-train")
        },
        .init("unknown objective", [#"spec.placement.objective: Unsupported value: "Speed": supported values: "Cost", "Performance", "Balanced""#]) {
            $0.spec.placement?.objective = "Speed"
        },
        .init("duration that does not parse", [#"\#(annotations0)[sim.gantry.dev/duration]: Invalid value: "ten minutes": time: invalid duration "ten minutes""#]) {
            $0.spec.replicas[0].template.metadata?.annotations?[AnnotationKey.simDuration] = "ten minutes"
        },
        .init("duration without unit", [#"\#(annotations0)[sim.gantry.dev/duration]: Invalid value: "90": time: missing unit in duration "90""#]) {
            $0.spec.replicas[0].template.metadata?.annotations?[AnnotationKey.simDuration] = "90"
        },
        .init("duration in days", [#"\#(annotations0)[sim.gantry.dev/duration]: Invalid value: "2d": time: unknown unit "d" in duration "2d""#]) {
            $0.spec.replicas[0].template.metadata?.annotations?[AnnotationKey.simDuration] = "2d"
        },
        .init("negative duration", [#"\#(annotations0)[sim.gantry.dev/duration]: Invalid value: "-5s": must not be negative"#]) {
            $0.spec.replicas[0].template.metadata?.annotations?[AnnotationKey.simDuration] = "-5s"
        },
        .init("exit code out of range", [#"\#(annotations0)[sim.gantry.dev/exit-code]: Invalid value: "300": must be an integer from 0 to 255"#]) {
            $0.spec.replicas[0].template.metadata?.annotations?[AnnotationKey.simExitCode] = "300"
        },
        .init("template claims a gang", ["spec.replicas[0].template.metadata.labels[gantry.dev/gang]: Forbidden: is set by Gantry's controllers"]) {
            $0.spec.replicas[0].template.metadata?.labels?[LabelKey.gang] = "other-job"
        },
        .init("template presets devices", [
            "spec.replicas[0].template.metadata.annotations[gantry.dev/devices]: Forbidden: is set by Gantry's controllers and scheduler extender",
        ]) { $0.spec.replicas[0].template.metadata?.annotations?[AnnotationKey.devices] = "gcu-0:50:1024" },
        .init("template label value invalid", [
            #"spec.replicas[0].template.metadata.labels[team]: Invalid value: "a b": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"#,
        ]) { $0.spec.replicas[0].template.metadata?.labels?["team"] = "a b" },
        .init("no containers", ["spec.replicas[0].template.spec.containers: Required value: must have at least one container"]) {
            $0.spec.replicas[0].template.spec?.containers = []
        },
        .init("template without spec", ["spec.replicas[0].template.spec: Required value"]) { $0.spec.replicas[0].template.spec = nil },
        .init("container name twice", [#"spec.replicas[0].template.spec.containers[1].name: Duplicate value: "trainer""#]) {
            $0.spec.replicas[0].template.spec?.containers.append(Container(name: "trainer"))
        },
        .init("more than a whole device", [#"\#(container0).limits[gantry.dev/vgcu-cores]: Invalid value: "150": must be a whole percent of one device, from 1 to 100"#]) {
            setResource(&$0.spec.replicas[0].template, ResourceName.vgcuCores, "150")
        },
        .init("fractional vGCU", [#"\#(container0).limits[gantry.dev/vgcu]: Invalid value: "500m": must be a whole number of virtual GCUs, at least 1"#]) {
            setResource(&$0.spec.replicas[0].template, ResourceName.vgcu, "500m")
        },
        .init("request differs from limit", [#"\#(container0).requests[gantry.dev/vgcu-memory]: Invalid value: "16384": must be equal to gantry.dev/vgcu-memory limit of 24576"#]) {
            $0.spec.replicas[0].template.spec?.containers[0].resources?.requests?[ResourceName.vgcuMemory] = "16384"
        },
        .init("slice shape without vGCUs", [
            #"\#(container0).limits[gantry.dev/vgcu-cores]: Invalid value: "50": needs gantry.dev/vgcu: the share applies to each virtual GCU"#,
            #"\#(container0).limits[gantry.dev/vgcu-memory]: Invalid value: "24576": needs gantry.dev/vgcu: the share applies to each virtual GCU"#,
        ]) { setResource(&$0.spec.replicas[0].template, ResourceName.vgcu, nil) },
        .init("whole cards and slices together", [
            "\(container0).limits[enflame.com/gcu]: Forbidden: cannot be combined with gantry.dev/vgcu in one container: request whole devices or slices",
        ]) { setResource(&$0.spec.replicas[0].template, ResourceName.enflameGCU, "1") },
        .init("only requests are given", []) {
            $0.spec.replicas[0].template.spec?.containers[0].resources?.limits = nil
        },
    ]

    @Test(arguments: cases) func rule(_ c: ValidationCase<TrainingJob>) { c.check(Fixtures.trainingJob) }

    @Test func defaultsMakeTheWholeJobOneGang() {
        var job = Fixtures.trainingJob
        job.spec.gang = nil
        job.spec.runPolicy = nil
        job.spec.placement = nil
        job.spec.replicas[1].count = nil
        job.spec.replicas[1].minCount = nil
        job.spec.replicas[1].restartPolicy = nil
        let d = job.defaulted()
        #expect(d.spec.replicas[1].count == 1)
        #expect(d.spec.replicas[1].restartPolicy == .onFailure)
        #expect(d.spec.gang == GangPolicy(minMember: 2, timeoutSeconds: 600))
        #expect(d.spec.runPolicy == RunPolicy(backoffLimit: 3, suspend: false, cleanPodPolicy: .running))
        #expect(d.spec.placement?.objective == .balanced)
        #expect(d.spec.preemptible == true, "an explicit value is kept")
        var bare = TrainingJob(namespace: "n", name: "j", spec: TrainingJobSpec(replicas: [ReplicaSpec(name: "w", template: Fixtures.minimalTemplate)]))
        bare.applyDefaults()
        #expect(bare.spec.priority == 0 && bare.spec.preemptible == false && bare.spec.framework == .generic)
    }

    @Test func exitCodeRetryability() {
        #expect(!ReplicaRestartPolicy.isRetryable(exitCode: 1))
        #expect(!ReplicaRestartPolicy.isRetryable(exitCode: 127))
        #expect(ReplicaRestartPolicy.isRetryable(exitCode: 137))
    }
}

struct InferenceServiceValidationTests {
    static let cases: [ValidationCase<InferenceService>] = [
        .init("canary over 100 percent", ["spec.canary.trafficPercent: Invalid value: 120: must be less than or equal to 100"]) {
            $0.spec.canary?.trafficPercent = 120
        },
        .init("negative canary share", ["spec.canary.trafficPercent: Invalid value: -1: must be greater than or equal to 0"]) {
            $0.spec.canary?.trafficPercent = -1
        },
        .init("canary traffic without a template", ["spec.canary.template: Required value: a canary runs its own pod template"]) {
            $0.spec.canary?.template = nil
        },
        .init("canary without a traffic share", ["spec.canary.trafficPercent: Required value: the share of requests the canary receives, 0 to 100"]) {
            $0.spec.canary?.trafficPercent = nil
        },
        .init("canary template checked too", ["spec.canary.template.spec.containers: Required value: must have at least one container"]) {
            $0.spec.canary?.template?.spec?.containers = []
        },
        .init("min above max", ["spec.minReplicas: Invalid value: 9: must be less than or equal to maxReplicas (8)"]) { $0.spec.minReplicas = 9 },
        .init("max zero", ["spec.maxReplicas: Invalid value: 0: must be greater than or equal to 1"]) {
            $0.spec.maxReplicas = 0
            $0.spec.minReplicas = 0
        },
        .init("scale to zero by hand", ["spec.minReplicas: Invalid value: 0: scaling to zero needs spec.autoscaling to scale back up"]) {
            $0.spec.minReplicas = 0
            $0.spec.autoscaling = nil
        },
        .init("negative replicas", ["spec.replicas: Invalid value: -1: must be greater than or equal to 0"]) { $0.spec.replicas = -1 },
        .init("replicas above max are clamped, not rejected", []) { $0.spec.replicas = 20 },
        .init("model from an unsupported scheme", [
            #"spec.model.uri: Invalid value: "ftp://models/llama": must be a URI with one of the schemes hf://, s3://, gs://, pvc://, oci://, https://, http://"#,
        ]) { $0.spec.model.uri = "ftp://models/llama" },
        .init("model path without scheme", [
            #"spec.model.uri: Invalid value: "/models/llama": must be a URI with one of the schemes hf://, s3://, gs://, pvc://, oci://, https://, http://"#,
        ]) { $0.spec.model.uri = "/models/llama" },
        .init("empty model", ["spec.model.uri: Required value"]) { $0.spec.model.uri = "" },
        .init("autoscaling target zero", ["spec.autoscaling.target: Invalid value: 0: must be greater than or equal to 1"]) {
            $0.spec.autoscaling?.target = 0
        },
        .init("unknown metric", [#"spec.autoscaling.metric: Unsupported value: "cpu": supported values: "concurrency", "qps", "queueDepth", "tokensPerSecond""#]) {
            $0.spec.autoscaling?.metric = "cpu"
        },
        .init("name too long for the canary Service", [
            #"metadata.name: Invalid value: "an-inference-service-whose-name-is-long-enough-to-hurt-you": must be no more than 56 characters when a canary is set, so that the Service an-inference-service-whose-name-is-long-enough-to-hurt-you-canary is a valid name"#,
        ]) { $0.metadata.name = "an-inference-service-whose-name-is-long-enough-to-hurt-you" },
        .init("name starting with a digit", [#"metadata.name: Invalid value: "7b-chat": "# + dns1035LabelRule]) { $0.metadata.name = "7b-chat" },
        .init("runtime presets the node", ["spec.runtime.metadata.annotations[gantry.dev/node]: Forbidden: is set by Gantry's controllers and scheduler extender"]) {
            $0.spec.runtime.metadata?.annotations?[AnnotationKey.node] = "n1"
        },
    ]

    @Test(arguments: cases) func rule(_ c: ValidationCase<InferenceService>) { c.check(Fixtures.inferenceService) }

    @Test func defaultsAndEffectiveReplicas() {
        var s = Fixtures.inferenceService
        s.spec.priority = nil
        s.spec.replicas = nil
        s.spec.minReplicas = nil
        s.spec.autoscaling = Autoscaling(target: 8)
        s.spec.canary?.replicas = nil
        let d = s.defaulted()
        #expect(d.spec.priority == 100)
        #expect(d.spec.minReplicas == 1 && d.spec.replicas == 1)
        #expect(d.spec.autoscaling == Autoscaling(metric: .concurrency, target: 8, scaleDownDelaySeconds: 300))
        #expect(d.spec.canary?.replicas == 1)
        var e = Fixtures.inferenceService.spec
        e.replicas = 20
        #expect(e.effectiveReplicas == 8)
        e.replicas = 0
        #expect(e.effectiveReplicas == 2)
        e.replicas = nil
        #expect(e.effectiveReplicas == 2)
    }
}
