// The InferenceService CRD: schema, printer columns, names and the scale subresource. Vocabulary follows
// KServe (minReplicas, maxReplicas, canaryTrafficPercent, PredictorReady).

extension InferenceService {
    public static let definition = KindDefinition(
        descriptor: descriptor,
        nameRule: .dns1035Label,
        shortNames: ["gisvc", "ginf"],
        description:
            "InferenceService is an online model server: a model, a runtime pod template, replica bounds with optional autoscaling, and an optional canary receiving a share of the traffic. It is admitted through its Quota like a TrainingJob, at a higher default priority, and its pods may preempt preemptible training. The scale subresource maps to spec.replicas, so kubectl scale and a HorizontalPodAutoscaler work.",
        spec: specSchema,
        status: statusSchema,
        printerColumns: [
            PrinterColumn("Ready", .string, #".status.conditions[?(@.type=="Ready")].status"#, "Whether at least minReplicas replicas serve."),
            PrinterColumn("Replicas", .integer, ".status.replicas", "Serving replicas, stable and canary."),
            PrinterColumn("Available", .integer, ".status.readyReplicas", "Replicas ready to serve."),
            PrinterColumn("Min", .integer, ".spec.minReplicas", "Lower replica bound."),
            PrinterColumn("Max", .integer, ".spec.maxReplicas", "Upper replica bound."),
            PrinterColumn("Canary %", .integer, ".status.canary.trafficPercent", "Share of requests served by the canary."),
            PrinterColumn("URL", .string, ".status.url", "Where the service answers."),
            PrinterColumn("Quota", .string, ".spec.quota", "Quota the service is charged to.", priority: 1),
            PrinterColumn("Model", .string, ".spec.model.uri", "Model location.", priority: 1),
            .age,
        ],
        scale: ScaleSubresource(
            specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.replicas", labelSelectorPath: ".status.selector"),
        validationRules: [
            "metadata.name is a DNS-1035 label (the Service name), at most 56 characters when a canary is set (for <name>-canary); the service has a namespace.",
            "model.uri uses hf://, s3://, gs://, pvc://, oci://, https:// or http://; model.format is a DNS-1123 label.",
            "0 ≤ minReplicas ≤ maxReplicas, maxReplicas ≥ 1, replicas ≥ 0 (values outside [minReplicas, maxReplicas] are clamped, not rejected); minReplicas 0 needs autoscaling.",
            "autoscaling.target ≥ 1 and scaleDownDelaySeconds ≥ 0; canary needs a template and a trafficPercent of 0..100, canary replicas ≥ 1.",
            "The runtime and canary templates follow the TrainingJob pod template rules.",
        ])

    static let specSchema = Schema.object("The desired model server.") {
        field("quota", .string(
            "Quota the service is charged to. Defaults to the Quota listing the service's namespace, else the workspace's root quota.")
            .dnsLabel())
        field("priority", .int32(
            "Priority in the quota's queue and for preemption; online serving defaults to 100, above training's 0, so it may preempt preemptible TrainingJobs.")
            .defaultValue(100))
        field("model", required: true, .object("The model to serve.") {
            field("uri", required: true, .string(
                "Where the model is: hf://<org>/<model>, s3://, gs://, pvc://<claim>/<path>, oci:// or https://. The runtime receives it in MODEL_URI.")
                .minLength(1).maxLength(2048))
            field("format", .string("Model format as the runtime names it, lower case: safetensors, gguf, onnx, torchscript, tensorrt, ...").dnsLabel())
            field("name", .string("Name the model is served under (the OpenAI-style model id); defaults to the service name.").maxLength(253))
        })
        field("runtime", required: true, Schema.podTemplate(
            "Pod template of the serving replicas (the predictor): the runtime image (vLLM, Triton, TGI, ...) and its accelerator requests."))
        field("replicas", .int32(
            "Desired serving replicas. Written by you, by kubectl scale or a HorizontalPodAutoscaler through the scale subresource, or by Gantry's autoscaler when autoscaling is set; the controller keeps it within [minReplicas, maxReplicas]. Defaults to minReplicas.")
            .minimum(0))
        field("minReplicas", .int32(
            "Fewest replicas, kept even when idle. 0 allows scale to zero and then requires autoscaling.")
            .minimum(0).defaultValue(1))
        field("maxReplicas", required: true, .int32("Most replicas the service may scale to.").minimum(1))
        field("autoscaling", .object(
            "Gantry's autoscaler: keeps the per-replica load near target by writing spec.replicas. Leave unset to scale by hand or with an HPA."
        ) {
            field("metric", .string(
                "Load signal: concurrency (in-flight requests per replica), qps (requests per second per replica), queueDepth (waiting requests per replica, e.g. vllm:num_requests_waiting), tokensPerSecond (generated tokens per second per replica).")
                .oneOf(ScalingMetric.self).defaultValue("concurrency"))
            field("target", required: true, .int32("Target value of the metric per replica.").minimum(1))
            field("scaleDownDelaySeconds", .int32(
                "How long the load must stay low before replicas are removed, to ride out short dips and slow model loads.")
                .minimum(0).defaultValue(300))
        })
        field("canary", .object(
            "A canary revision: a second pod template that receives trafficPercent of the requests while the stable runtime serves the rest. Promote it by copying its template into runtime and removing canary."
        ) {
            field("template", required: true, Schema.podTemplate("Pod template of the canary replicas."))
            field("trafficPercent", required: true, .int32(
                "Share of requests routed to the canary, 0 to 100 (KServe canaryTrafficPercent). 0 runs the canary without traffic.")
                .range(0, 100))
            field("replicas", .int32("Canary replicas; they count against maxReplicas' quota like the stable ones.")
                .minimum(1).defaultValue(1))
        })
        field("placement", Schema.placement.defaultValue([:]))
    }

    static let revision = Schema.object("Replicas and traffic of one revision.") {
        field("revision", .string("Hash of the revision's pod template (pods carry it as gantry.dev/revision)."))
        field("replicas", .int32("Replicas of the revision.").minimum(0))
        field("readyReplicas", .int32("Ready replicas of the revision.").minimum(0))
        field("trafficPercent", .int32("Share of requests the revision receives now.").range(0, 100))
    }

    static let statusSchema = Schema.object("The observed state of the service, written by the quota and inference controllers.") {
        field("observedGeneration", Schema.observedGeneration)
        field("replicas", .int32("Serving replicas, stable and canary (the scale subresource's status.replicas).").minimum(0))
        field("readyReplicas", .int32("Replicas ready to serve.").minimum(0))
        field("selector", .string("Label selector of the serving pods in string form, for the scale subresource and HPAs."))
        field("url", .string("URL of the service's Kubernetes Service, e.g. http://<name>.<namespace>.svc."))
        field("stable", revision)
        field("canary", revision)
        field("admission", TrainingJob.admission)
        field("conditions", Schema.conditions(ConditionType.inferenceService))
    }
}
