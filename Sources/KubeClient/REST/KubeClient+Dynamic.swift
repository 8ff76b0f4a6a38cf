// Dynamic verbs: any resource named by a ResourceDescriptor (group, version, plural, scope), objects as
// JSONValue. For kinds this code does not model, or generic tooling (the dev cluster's tests, kubectl-like
// commands).

import KubeCore

extension KubeClient {
    public func get(_ resource: ResourceDescriptor, name: String, namespace: String? = nil) async throws -> JSONValue {
        let path = ResourcePath(resource, namespace: objectNamespace(resource, namespace),
                                name: try requireName(name, "get", resource))
        let (body, request) = try await getRaw(path)
        return try parse(body, request: request, expected: resource.kind)
    }

    public func list(_ resource: ResourceDescriptor, namespace: String? = nil, options: ListOptions = ListOptions())
        async throws -> KubeList<JSONValue>
    {
        let (body, request) = try await listRaw(ResourcePath(resource, namespace: namespace), options)
        return try decode(KubeList<JSONValue>.self, body, request: request, expected: "\(resource.kind)List")
    }

    public func listAll(_ resource: ResourceDescriptor, namespace: String? = nil, options: ListOptions = ListOptions())
        async throws -> KubeList<JSONValue>
    {
        var items: [JSONValue] = []
        var first: KubeList<JSONValue>?
        let meta = try await pages(ResourcePath(resource, namespace: namespace), options) { body, request in
            let page = try decode(KubeList<JSONValue>.self, body, request: request, expected: "\(resource.kind)List")
            items.append(contentsOf: page.items)
            if first == nil { first = page }
            return page.metadata
        }
        var list = first ?? KubeList<JSONValue>(items: [])
        list.metadata = meta
        list.items = items
        return list
    }

    public func create(_ resource: ResourceDescriptor, _ object: JSONValue, namespace: String? = nil,
                       options: WriteOptions = WriteOptions()) async throws -> JSONValue {
        let ns = objectNamespace(resource, namespace, objectNamespace: object[path: ["metadata", "namespace"]]?.stringValue)
        let (body, request) = try await writeRaw(.post, ResourcePath(resource, namespace: ns),
                                                 withTypeMeta(object, resource), options)
        return try parse(body, request: request, expected: resource.kind)
    }

    public func update(_ resource: ResourceDescriptor, _ object: JSONValue, options: WriteOptions = WriteOptions())
        async throws -> JSONValue
    {
        try await put(resource, object, subresource: nil, options: options)
    }

    public func updateStatus(_ resource: ResourceDescriptor, _ object: JSONValue, options: WriteOptions = WriteOptions())
        async throws -> JSONValue
    {
        try await put(resource, object, subresource: "status", options: options)
    }

    public func patch(_ resource: ResourceDescriptor, name: String, namespace: String? = nil, patch: Patch,
                      options: PatchOptions = PatchOptions(), subresource: String? = nil) async throws -> JSONValue {
        let path = ResourcePath(resource, namespace: objectNamespace(resource, namespace),
                                name: try requireName(name, "patch", resource), subresource: subresource)
        let (body, request) = try await patchRaw(path, patch, options)
        return try parse(body, request: request, expected: resource.kind)
    }

    public func apply(_ resource: ResourceDescriptor, _ object: JSONValue, fieldManager: String, force: Bool = false,
                      subresource: String? = nil, dryRun: Bool = false) async throws -> JSONValue {
        let name = try requireName(object[path: ["metadata", "name"]]?.stringValue, "apply", resource)
        let ns = objectNamespace(resource, nil, objectNamespace: object[path: ["metadata", "namespace"]]?.stringValue)
        let path = ResourcePath(resource, namespace: ns, name: name, subresource: subresource)
        let options = PatchOptions(fieldManager: fieldManager, force: force, dryRun: dryRun)
        let (body, request) = try await patchRaw(path, .apply(withTypeMeta(object, resource)), options)
        return try parse(body, request: request, expected: resource.kind)
    }

    public func delete(_ resource: ResourceDescriptor, name: String, namespace: String? = nil,
                       options: DeleteOptions = DeleteOptions()) async throws -> DeleteResult<JSONValue> {
        let path = ResourcePath(resource, namespace: objectNamespace(resource, namespace),
                                name: try requireName(name, "delete", resource))
        let (value, request) = try await deleteRaw(path, options)
        return try deleteResult(value, request: request) { $0 }
    }

    public func deleteCollection(_ resource: ResourceDescriptor, namespace: String? = nil,
                                 listOptions: ListOptions = ListOptions(), options: DeleteOptions = DeleteOptions())
        async throws
    {
        _ = try await send(.delete, ResourcePath(resource, namespace: namespace), query: listOptions.queryItems,
                           body: JSONWriter.write(options.object), contentType: "application/json")
    }

    public func watch(_ resource: ResourceDescriptor, namespace: String? = nil, options: WatchOptions = WatchOptions())
        async throws -> WatchStream<JSONValue>
    {
        try await openWatch(ResourcePath(resource, namespace: namespace), options, expected: resource.kind) { $0 }
    }

    private func put(_ resource: ResourceDescriptor, _ object: JSONValue, subresource: String?,
                     options: WriteOptions) async throws -> JSONValue {
        let name = try requireName(object[path: ["metadata", "name"]]?.stringValue, "update", resource)
        let ns = objectNamespace(resource, nil, objectNamespace: object[path: ["metadata", "namespace"]]?.stringValue)
        let path = ResourcePath(resource, namespace: ns, name: name, subresource: subresource)
        let (body, request) = try await writeRaw(.put, path, withTypeMeta(object, resource), options)
        return try parse(body, request: request, expected: resource.kind)
    }
}
