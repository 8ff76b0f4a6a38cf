// The Workspace CRD: schema, printer columns, names.

extension Workspace {
    public static let definition = KindDefinition(
        descriptor: descriptor,
        nameRule: .dns1123Label,
        shortNames: ["ws", "gws"],
        description:
            "Workspace is a tenant of the cluster: a team or project with its own namespaces, members and roles, the ResourcePools and root Quota it may use, and network isolation from other workspaces. The workspace controller creates the namespaces (labelled gantry.dev/workspace=<name>), binds every member to the aggregated ClusterRole gantry-<role> in each of them, and installs a default-deny NetworkPolicy across workspaces.",
        spec: specSchema,
        status: statusSchema,
        printerColumns: [
            PrinterColumn("Display Name", .string, ".spec.displayName", "Human-readable name of the workspace."),
            PrinterColumn("Namespaces", .integer, ".status.namespaceCount", "Namespaces the workspace owns and that exist."),
            PrinterColumn("Members", .integer, ".status.memberCount", "Members bound to a role in every namespace."),
            PrinterColumn("Quota", .string, ".spec.quota", "Root Quota of the workspace."),
            PrinterColumn("Ready", .string, #".status.conditions[?(@.type=="Ready")].status"#,
                          "Whether namespaces, role bindings and isolation are all in place."),
            PrinterColumn("Pools", .string, ".spec.pools", "ResourcePools the workspace may use.", priority: 1),
            .age,
        ],
        validationRules: [
            "metadata.name is a DNS-1123 label (it becomes the gantry.dev/workspace label value).",
            "Members are unique by kind and name; a ServiceAccount member needs namespace, other kinds may not have one; kind and role are known values.",
            "namespaces, pools and isolation.allowNamespaces are DNS-1123 labels without repeats; the cluster's own namespaces (default, kube-system, kube-public, kube-node-lease, gantry-system) cannot be claimed.",
        ])

    static let specSchema = Schema.object("The desired tenancy: namespaces, members, pools, quota and isolation.") {
        field("displayName", .string("Human-readable name shown in dashboards, e.g. \"Vision Research\".").maxLength(256))
        field("description", .string("Free-form description of the workspace: owners, purpose, cost centre.").maxLength(4096))
        field("members", .array(
            "People and service accounts of the workspace and their role. Each member is bound to ClusterRole gantry-<role> in every namespace of the workspace; removing a member removes the bindings.",
            of: .object("A user, group or service account and its role.") {
                field("kind", .string(
                    "Kind of subject, as in RBAC: User (a user name from the cluster's authenticator, often an e-mail), Group, or ServiceAccount.")
                    .oneOf(MemberKind.self).defaultValue("User"))
                field("name", required: true, .string("Name of the user, group or service account.").minLength(1).maxLength(253))
                field("namespace", .string(
                    "Namespace of the service account; required for ServiceAccount members and forbidden for the others.").dnsLabel())
                field("role", required: true, .string(
                    "Role in the workspace: admin (manage members, quotas and everything in the namespaces), developer (create and manage TrainingJobs, InferenceServices and workloads), viewer (read-only).")
                    .oneOf(WorkspaceRole.self))
            }
        ).listMap("kind", "name"))
        field("namespaces", .array(
            "Namespaces (projects) of the workspace. The controller creates missing ones and labels them gantry.dev/workspace=<workspace>; a namespace already labelled for another workspace is not taken over. Cluster namespaces (default, kube-*, gantry-system) cannot be listed.",
            of: .string("A namespace name.").dnsLabel()).listSet())
        field("pools", .array(
            "ResourcePools the workspace's jobs may run in. Empty means every pool that does not restrict its workspaces.",
            of: .string("Name of a ResourcePool.").dnsLabel()).listSet())
        field("quota", .string(
            "Name of the workspace's root Quota. Jobs in the workspace's namespaces that name no quota are charged to the Quota that lists their namespace, else to this one.").dnsLabel())
        field("isolation", .object("Network isolation between workspaces.") {
            field("enabled", .boolean(
                "Install a NetworkPolicy in every namespace of the workspace that admits traffic only from the workspace's own namespaces and from allowNamespaces. On by default.")
                .defaultValue(true))
            field("allowNamespaces", .array(
                "Namespaces outside the workspace that may still reach it, such as an ingress controller or monitoring.",
                of: .string("A namespace name.").dnsLabel()).listSet())
        }.defaultValue([:]))
    }

    static let statusSchema = Schema.object("The observed state of the workspace, written by the workspace controller.") {
        field("observedGeneration", Schema.observedGeneration)
        field("namespaceCount", .int32("Number of the workspace's namespaces that exist and carry its label.").minimum(0))
        field("memberCount", .int32("Number of members bound in every namespace.").minimum(0))
        field("conditions", Schema.conditions(ConditionType.workspace))
    }
}
