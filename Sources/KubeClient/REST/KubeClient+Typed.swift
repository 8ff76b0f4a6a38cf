// Typed verbs: objects are KubeResource values, encoded and decoded with KubeCore's coders (unknown fields
// survive a read-modify-write).

import KubeCore

extension KubeClient {
    public func get<R: KubeResource>(_ type: R.Type, name: String, namespace: String? = nil) async throws -> R {
        let d = R.descriptor
        let path = ResourcePath(d, namespace: objectNamespace(d, namespace), name: try requireName(name, "get", d))
        let (body, request) = try await getRaw(path)
        return try decode(R.self, body, request: request, expected: d.kind)
    }

    /// One page (or everything, without `limit`) of a collection. `namespace: nil` lists all namespaces.
    public func list<R: KubeResource>(_ type: R.Type, namespace: String? = nil, options: ListOptions = ListOptions())
        async throws -> KubeList<R>
    {
        let path = ResourcePath(R.descriptor, namespace: namespace)
        let (body, request) = try await listRaw(path, options)
        return try decode(KubeList<R>.self, body, request: request, expected: "\(R.descriptor.kind)List")
    }

    /// The whole collection, fetched in pages of `options.limit` (500 when unset). The result's
    /// resourceVersion is the snapshot's, ready to start a watch from. A 410 means the continue token
    /// expired mid-way: list again.
    public func listAll<R: KubeResource>(_ type: R.Type, namespace: String? = nil, options: ListOptions = ListOptions())
        async throws -> KubeList<R>
    {
        var items: [R] = []
        var first: KubeList<R>?
        let meta = try await pages(ResourcePath(R.descriptor, namespace: namespace), options) { body, request in
            let page = try decode(KubeList<R>.self, body, request: request, expected: "\(R.descriptor.kind)List")
            items.append(contentsOf: page.items)
            if first == nil { first = page }
            return page.metadata
        }
        var list = first ?? KubeList<R>(items: [])
        list.metadata = meta
        list.items = items
        return list
    }

    public func create<R: KubeResource>(_ object: R, namespace: String? = nil, options: WriteOptions = WriteOptions())
        async throws -> R
    {
        let d = R.descriptor
        let path = ResourcePath(d, namespace: objectNamespace(d, namespace, objectNamespace: object.metadata.namespace))
        let (body, request) = try await writeRaw(.post, path, try encode(object), options)
        return try decode(R.self, body, request: request, expected: d.kind)
    }

    /// Replaces the object (PUT). With `metadata.resourceVersion` set, a concurrent change fails with Conflict.
    public func update<R: KubeResource>(_ object: R, options: WriteOptions = WriteOptions()) async throws -> R {
        try await put(object, subresource: nil, options: options)
    }

    /// Replaces the object's status (PUT to the `status` subresource; the rest of the object is ignored).
    public func updateStatus<R: KubeResource>(_ object: R, options: WriteOptions = WriteOptions()) async throws -> R {
        try await put(object, subresource: "status", options: options)
    }

    public func patch<R: KubeResource>(_ type: R.Type, name: String, namespace: String? = nil, patch: Patch,
                                       options: PatchOptions = PatchOptions(), subresource: String? = nil)
        async throws -> R
    {
        let d = R.descriptor
        let path = ResourcePath(d, namespace: objectNamespace(d, namespace), name: try requireName(name, "patch", d),
                                subresource: subresource)
        let (body, request) = try await patchRaw(path, patch, options)
        return try decode(R.self, body, request: request, expected: d.kind)
    }

    /// Patches the `status` subresource.
    public func patchStatus<R: KubeResource>(_ type: R.Type, name: String, namespace: String? = nil, patch: Patch,
                                             options: PatchOptions = PatchOptions()) async throws -> R {
        try await self.patch(type, name: name, namespace: namespace, patch: patch, options: options, subresource: "status")
    }

    /// Server-side apply: sends the fields set in `object` as owned by `fieldManager`. `force` takes over
    /// fields owned by other managers instead of failing with Conflict.
    public func apply<R: KubeResource>(_ object: R, fieldManager: String, force: Bool = false,
                                       subresource: String? = nil, dryRun: Bool = false) async throws -> R {
        let d = R.descriptor
        let name = try requireName(object.metadata.name, "apply", d)
        let path = ResourcePath(d, namespace: objectNamespace(d, nil, objectNamespace: object.metadata.namespace),
                                name: name, subresource: subresource)
        let options = PatchOptions(fieldManager: fieldManager, force: force, dryRun: dryRun)
        let (body, request) = try await patchRaw(path, .apply(try encode(object)), options)
        return try decode(R.self, body, request: request, expected: d.kind)
    }

    public func delete<R: KubeResource>(_ type: R.Type, name: String, namespace: String? = nil,
                                        options: DeleteOptions = DeleteOptions()) async throws -> DeleteResult<R> {
        let d = R.descriptor
        let path = ResourcePath(d, namespace: objectNamespace(d, namespace), name: try requireName(name, "delete", d))
        let (value, request) = try await deleteRaw(path, options)
        return try deleteResult(value, request: request) { try decode(R.self, $0, request: request, expected: d.kind) }
    }

    /// Deletes every object of the collection matching `listOptions` (`namespace: nil`: all namespaces).
    public func deleteCollection<R: KubeResource>(_ type: R.Type, namespace: String? = nil,
                                                  listOptions: ListOptions = ListOptions(),
                                                  options: DeleteOptions = DeleteOptions()) async throws {
        let path = ResourcePath(R.descriptor, namespace: namespace)
        _ = try await send(.delete, path, query: listOptions.queryItems, body: JSONWriter.write(options.object),
                           contentType: "application/json")
    }

    /// Opens one watch connection. Events arrive typed; an ERROR event ends the sequence by throwing its
    /// KubeError (`.expired` for 410: re-list). `namespace: nil` watches all namespaces.
    public func watch<R: KubeResource>(_ type: R.Type, namespace: String? = nil, options: WatchOptions = WatchOptions())
        async throws -> WatchStream<R>
    {
        try await openWatch(ResourcePath(R.descriptor, namespace: namespace), options, expected: R.descriptor.kind) {
            try JSONValueDecoder().decode(R.self, from: $0)
        }
    }

    private func put<R: KubeResource>(_ object: R, subresource: String?, options: WriteOptions) async throws -> R {
        let d = R.descriptor
        let name = try requireName(object.metadata.name, subresource == nil ? "update" : "update \(subresource ?? "")", d)
        let path = ResourcePath(d, namespace: objectNamespace(d, nil, objectNamespace: object.metadata.namespace),
                                name: name, subresource: subresource)
        let (body, request) = try await writeRaw(.put, path, try encode(object), options)
        return try decode(R.self, body, request: request, expected: d.kind)
    }

    private func encode<R: KubeResource>(_ object: R) throws -> JSONValue {
        let value: JSONValue
        do {
            value = try JSONValueEncoder().encode(object)
        } catch {
            throw KubeError.invalidRequest("cannot encode \(R.descriptor.kind) \(object.key): \(error)")
        }
        return withTypeMeta(value, R.descriptor)
    }
}
