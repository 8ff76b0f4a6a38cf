// Subresources beyond `status`: `scale` (autoscaling/v1 Scale), `pods/binding` (what a scheduler posts to
// place a pod; KubeCore's Binding) and `pods/eviction` (a delete that respects PodDisruptionBudgets;
// KubeCore's Eviction).

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
        var binding = Binding(metadata: ObjectMeta(name: pod, namespace: namespace, uid: podUID),
                              target: ObjectReference(kind: "Node", name: node, apiVersion: "v1"))
        if !annotations.isEmpty { binding.metadata.annotations = annotations }
        try await bind(binding)
    }

    /// Posts a Binding to `pods/{metadata.name}/binding` in `metadata.namespace` (else the default namespace).
    public func bind(_ binding: Binding) async throws {
        let namespace = objectNamespace(podsDescriptor, nil, objectNamespace: binding.metadata.namespace)
        let path = ResourcePath(podsDescriptor, namespace: namespace,
                                name: try requireName(binding.metadata.name, "bind", podsDescriptor), subresource: "binding")
        _ = try await writeRaw(.post, path, try encodeRequestBody(binding), WriteOptions())
    }

    /// Evicts a pod (`POST pods/{name}/eviction`, policy/v1). A PodDisruptionBudget that forbids it answers
    /// 429, i.e. `KubeError.tooManyRequests` with `retryAfter`; that comes back at once, not retried, so the
    /// caller (preemption) can pick another victim instead of waiting.
    public func evict(pod: String, namespace: String, options: DeleteOptions = DeleteOptions()) async throws {
        var deleteOptions = options.object
        deleteOptions["apiVersion"] = nil
        deleteOptions["kind"] = nil
        let hasOptions = deleteOptions.objectValue?.isEmpty == false
        try await evict(Eviction(metadata: ObjectMeta(name: pod, namespace: namespace),
                                 deleteOptions: hasOptions ? deleteOptions : nil))
    }

    /// Posts an Eviction to `pods/{metadata.name}/eviction`.
    public func evict(_ eviction: Eviction) async throws {
        let namespace = objectNamespace(podsDescriptor, nil, objectNamespace: eviction.metadata.namespace)
        let path = ResourcePath(podsDescriptor, namespace: namespace,
                                name: try requireName(eviction.metadata.name, "evict", podsDescriptor), subresource: "eviction")
        _ = try await writeRaw(.post, path, try encodeRequestBody(eviction), WriteOptions(), retryThrottled: false)
    }

    private func encodeRequestBody<T: Encodable>(_ value: T) throws -> JSONValue {
        do {
            return try JSONValueEncoder().encode(value)
        } catch {
            throw KubeError.invalidRequest("cannot encode \(T.self): \(error)")
        }
    }

    private var podsDescriptor: ResourceDescriptor {
        ResourceDescriptor(group: "", version: "v1", kind: "Pod", plural: "pods", namespaced: true)
    }
}
