// Subresources beyond `status`: `scale` (autoscaling/v1 Scale), `pods/binding` (what a scheduler posts to
// place a pod) and `pods/eviction` (a delete that respects PodDisruptionBudgets).

import KubeCore

/// autoscaling/v1 Scale: the replica count of a scalable resource.
public struct Scale: Codable, Sendable, Hashable {
    public var apiVersion: String? = "autoscaling/v1"
    public var kind: String? = "Scale"
    public var metadata: ObjectMeta
    public var spec: Spec
    public var status: ScaleStatus?
    public var unknownFields: UnknownFields? = nil

    public struct Spec: Codable, Sendable, Hashable {
        public var replicas: Int32?
        public var unknownFields: UnknownFields? = nil
        public init(replicas: Int32? = nil) { self.replicas = replicas }
    }

    public struct ScaleStatus: Codable, Sendable, Hashable {
        public var replicas: Int32
        /// Label selector of the pods, in string form.
        public var selector: String?
        public var unknownFields: UnknownFields? = nil
        public init(replicas: Int32 = 0, selector: String? = nil) {
            self.replicas = replicas
            self.selector = selector
        }
    }

    public init(metadata: ObjectMeta, spec: Spec = Spec(), status: ScaleStatus? = nil) {
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }
}

extension KubeClient {
    public func getScale(_ resource: ResourceDescriptor, name: String, namespace: String? = nil) async throws -> Scale {
        let path = ResourcePath(resource, namespace: objectNamespace(resource, namespace),
                                name: try requireName(name, "get scale of", resource), subresource: "scale")
        let (body, request) = try await getRaw(path)
        return try decode(Scale.self, body, request: request, expected: "Scale")
    }

    /// Sets the replica count (PUT to `scale`; with `metadata.resourceVersion` set it is conflict-checked).
    public func updateScale(_ resource: ResourceDescriptor, _ scale: Scale, namespace: String? = nil)
        async throws -> Scale
    {
        let path = ResourcePath(resource, namespace: objectNamespace(resource, namespace, objectNamespace: scale.metadata.namespace),
                                name: try requireName(scale.metadata.name, "update scale of", resource), subresource: "scale")
        let value: JSONValue
        do {
            value = try JSONValueEncoder().encode(scale)
        } catch {
            throw KubeError.invalidRequest("cannot encode Scale: \(error)")
        }
        let (body, request) = try await writeRaw(.put, path, value, WriteOptions())
        return try decode(Scale.self, body, request: request, expected: "Scale")
    }

    /// Binds a pod to a node (`POST pods/{name}/binding`), as kube-scheduler or an extender's bind verb does.
    /// `annotations` are merged into the pod by the server; `podUID` guards against binding a re-created pod.
    public func bind(pod: String, namespace: String, podUID: String? = nil, node: String,
                     annotations: [String: String] = [:]) async throws {
        let path = ResourcePath(group: "", version: "v1", resource: "pods", namespace: namespace,
                                name: try requireName(pod, "bind", podsDescriptor), subresource: "binding")
        var metadata: JSONValue = ["name": .string(pod), "namespace": .string(namespace)]
        if let podUID { metadata["uid"] = .string(podUID) }
        if !annotations.isEmpty {
            metadata["annotations"] = .object(JSONObject(annotations.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))
        }
        let binding: JSONValue = [
            "apiVersion": "v1", "kind": "Binding", "metadata": metadata,
            "target": ["apiVersion": "v1", "kind": "Node", "name": .string(node)],
        ]
        _ = try await writeRaw(.post, path, binding, WriteOptions())
    }

    /// Evicts a pod (`POST pods/{name}/eviction`, policy/v1). A PodDisruptionBudget that forbids it answers
    /// 429, i.e. `KubeError.tooManyRequests`: retry later.
    public func evict(pod: String, namespace: String, options: DeleteOptions = DeleteOptions()) async throws {
        let path = ResourcePath(group: "", version: "v1", resource: "pods", namespace: namespace,
                                name: try requireName(pod, "evict", podsDescriptor), subresource: "eviction")
        var deleteOptions = options.object
        deleteOptions["apiVersion"] = nil
        deleteOptions["kind"] = nil
        var eviction: JSONValue = [
            "apiVersion": "policy/v1", "kind": "Eviction",
            "metadata": ["name": .string(pod), "namespace": .string(namespace)],
        ]
        if deleteOptions.objectValue?.isEmpty == false { eviction["deleteOptions"] = deleteOptions }
        _ = try await writeRaw(.post, path, eviction, WriteOptions())
    }

    private var podsDescriptor: ResourceDescriptor {
        ResourceDescriptor(group: "", version: "v1", kind: "Pod", plural: "pods", namespaced: true)
    }
}
