// The built-in kinds the dev cluster serves, with the names, scopes, subresources, field selectors and
// PUT-creates rules (each registry strategy's AllowCreateOnUpdate) of the real kube-apiserver.

extension ResourceInfo {
    static let builtins: [ResourceInfo] = {
        var out: [ResourceInfo] = []
        func add(_ group: String, _ version: String, _ plural: String, _ singular: String, _ kind: String,
                 namespaced: Bool = true, short: [String] = [], categories: [String] = [], status: Bool = false,
                 generation: Bool = false, fields: Set<String> = [], verbs: [String] = ResourceInfo.allVerbs,
                 createOnUpdate: Bool = false) -> Int {
            out.append(ResourceInfo(
                group: group, versions: [version], plural: plural, singular: singular, kind: kind,
                namespaced: namespaced, shortNames: short, categories: categories, verbs: verbs, hasStatus: status,
                hasGeneration: generation, fieldLabels: fields, allowCreateOnUpdate: createOnUpdate))
            return out.count - 1
        }
        let nsVerbs = ["create", "delete", "get", "list", "patch", "update", "watch"]
        _ = add("", "v1", "namespaces", "namespace", "Namespace", namespaced: false, short: ["ns"], status: true,
                fields: ["status.phase"], verbs: nsVerbs)
        let pods = add("", "v1", "pods", "pod", "Pod", short: ["po"], categories: ["all"], status: true, generation: true,
                       fields: ["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
                                "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"])
        out[pods].extraSubresources = [
            ("binding", "Binding", "", "v1", ["create"]),
            ("eviction", "Eviction", "policy", "v1", ["create"]),
            ("log", "Pod", "", "v1", ["get"]),
        ]
        _ = add("", "v1", "nodes", "node", "Node", namespaced: false, short: ["no"], status: true,
                fields: ["spec.unschedulable"], createOnUpdate: false)
        _ = add("", "v1", "services", "service", "Service", short: ["svc"], categories: ["all"], status: true,
                verbs: nsVerbs + ["deletecollection"], createOnUpdate: true)
        let eventFields: Set<String> = [
            "involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
            "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason",
            "reportingComponent", "source", "type",
        ]
        _ = add("", "v1", "events", "event", "Event", short: ["ev"], fields: eventFields, createOnUpdate: true)
        _ = add("", "v1", "configmaps", "configmap", "ConfigMap", short: ["cm"])
        _ = add("", "v1", "secrets", "secret", "Secret", fields: ["type"])
        _ = add("", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", short: ["sa"])
        _ = add("", "v1", "resourcequotas", "resourcequota", "ResourceQuota", short: ["quota"], status: true)
        _ = add("events.k8s.io", "v1", "events", "event", "Event", short: ["ev"],
                fields: ["regarding.kind", "regarding.namespace", "regarding.name", "regarding.uid",
                         "regarding.apiVersion", "reason", "reportingController", "type"], createOnUpdate: true)
        _ = add("coordination.k8s.io", "v1", "leases", "lease", "Lease", createOnUpdate: true)
        for (plural, kind, namespaced) in [("roles", "Role", true), ("rolebindings", "RoleBinding", true),
                                           ("clusterroles", "ClusterRole", false),
                                           ("clusterrolebindings", "ClusterRoleBinding", false)] {
            _ = add("rbac.authorization.k8s.io", "v1", plural, String(kind.lowercased()), kind, namespaced: namespaced,
                    createOnUpdate: true)
        }
        // Answered, never stored: there is no authorization, so every review says allowed.
        for (plural, kind) in [("selfsubjectaccessreviews", "SelfSubjectAccessReview"), ("subjectaccessreviews", "SubjectAccessReview"),
                               ("selfsubjectrulesreviews", "SelfSubjectRulesReview")] {
            _ = add("authorization.k8s.io", "v1", plural, kind.lowercased(), kind, namespaced: false, verbs: ["create"])
        }
        // Stored only (no controller runs them): so Gantry's own install manifests apply as on a real cluster.
        _ = add("apps", "v1", "deployments", "deployment", "Deployment", short: ["deploy"], categories: ["all"], status: true,
                generation: true)
        _ = add("networking.k8s.io", "v1", "networkpolicies", "networkpolicy", "NetworkPolicy", short: ["netpol"],
                generation: true)
        _ = add("apiextensions.k8s.io", "v1", "customresourcedefinitions", "customresourcedefinition",
                "CustomResourceDefinition", namespaced: false, short: ["crd", "crds"], status: true, generation: true)
        return out
    }()
}
