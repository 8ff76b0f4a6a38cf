// Writes: create, update (main resource and status), patch (merge, JSON, strategic, apply), delete and
// deletecollection, with the semantics clients rely on: server-set metadata, 409 on stale versions,
// generation bumped only by spec changes, status ignored by the main resource, no-op updates that keep
// the resourceVersion, finalizers and deletionTimestamp, and dry runs.

import Foundation
import HTTPServer
import KubeCore

extension APIServer {
    // MARK: Bodies

    func decodeBody(_ ctx: RequestContext) throws -> JSONValue {
        let body = ctx.request.body
        guard !body.isEmpty else { throw APIError.badRequest("the request body is empty") }
        let contentType = (ctx.request.headers["Content-Type"] ?? "application/json").lowercased()
        if contentType.contains("protobuf") {
            do { return try ProtobufBodies.decode(body) } catch {
                throw APIError(code: 415, reason: "UnsupportedMediaType", message: "\(error)", details: StatusDetails())
            }
        }
        do {
            return try JSONParser.parse(body)
        } catch {
            if contentType.contains("yaml"), let parsed = try? YAMLBridge.parse(body) { return parsed }
            throw APIError.badRequest("error decoding body: \(error)")
        }
    }

    /// Checks the body's apiVersion and kind against the endpoint and fills them in when missing.
    func checkTypeMeta(_ object: inout JSONValue, _ ctx: RequestContext, kind: String? = nil) throws {
        guard object.objectValue != nil else {
            throw APIError.badRequest("the object provided is unrecognized (must be of type \(ctx.info.kind)): expected an object")
        }
        let kind = kind ?? ctx.info.kind
        if let v = object["apiVersion"]?.stringValue, !v.isEmpty, v != ctx.apiVersion {
            let gv = GroupVersionKind(apiVersion: v, kind: kind)
            // Another served version of the same resource is accepted (no conversion needed for CRDs).
            if !(gv.group == ctx.info.group && ctx.info.versions.contains(gv.version)) {
                throw APIError.badRequest("the API version in the data (\(v)) does not match the expected API version (\(ctx.apiVersion))")
            }
        }
        if let k = object["kind"]?.stringValue, !k.isEmpty, k != kind {
            throw APIError.badRequest("the kind in the data (\(k)) does not match the expected kind (\(kind))")
        }
        object["apiVersion"] = .string(ctx.apiVersion)
        object["kind"] = .string(kind)
        if object["metadata"]?.objectValue == nil { object["metadata"] = .object(JSONObject()) }
    }

    // MARK: Create

    func create(_ ctx: RequestContext) throws -> HTTPResponse {
        var object = try decodeBody(ctx)
        let (stored, warnings) = try createObject(&object, ctx)
        var response = HTTPResponse(status: 201, contentType: "application/json", body: render(stored, ctx))
        for w in warnings { response.headers.add("Warning", Self.warningHeader(w)) }
        return response
    }

    /// Creates from a decoded body; returns the stored object (not stored on a dry run) and warnings.
    func createObject(_ object: inout JSONValue, _ ctx: RequestContext) throws -> (JSONValue, [String]) {
        try checkTypeMeta(&object, ctx)
        var meta = object["metadata"]?.objectValue ?? JSONObject()
        if ctx.info.namespaced {
            if let ns = meta["namespace"]?.stringValue, !ns.isEmpty, ns != ctx.namespace {
                throw APIError.badRequest("the namespace of the provided object does not match the namespace sent on the request")
            }
            meta["namespace"] = ctx.namespace.map(JSONValue.string)
            try checkNamespaceWritable(ctx.namespace ?? "")
        } else {
            meta["namespace"] = nil
        }
        if let rv = meta["resourceVersion"]?.stringValue, !rv.isEmpty {
            throw APIError.badRequest("resourceVersion should not be set on objects to be created")
        }
        var name = meta["name"]?.stringValue ?? ""
        if name.isEmpty, let prefix = meta["generateName"]?.stringValue, !prefix.isEmpty {
            name = prefix + randomSuffix()
        }
        if name.isEmpty {
            throw APIError.invalid(kind: ctx.info.kind, group: ctx.info.group, name: "",
                                   [.required("metadata.name", "name or generateName is required")])
        }
        meta["name"] = .string(name)
        meta["uid"] = .string(newUID())
        meta["creationTimestamp"] = .string(Time.now.rfc3339)
        meta["deletionTimestamp"] = nil
        meta["deletionGracePeriodSeconds"] = nil
        meta["resourceVersion"] = nil
        meta["generation"] = ctx.info.hasGeneration ? JSONValue?.some(.int(1)) : JSONValue?.none
        object["metadata"] = .object(meta)
        if ctx.info.hasStatus && ctx.info.plural != "nodes" { object["status"] = nil }
        try prepareForCreate(&object, ctx)
        var warnings: [String] = []
        try processSchema(&object, ctx, old: nil, warnings: &warnings)
        try validateCommon(object, ctx, old: nil)
        try validateKind(object, ctx, old: nil)
        object = toStorage(object, ctx)
        let key = ctx.objectKey(name)
        let final = object
        let (stored, _) = try store.mutate(ctx.storageKey, key) { current -> (Mutation, Void) in
            if current != nil { throw APIError.alreadyExists(ctx.info, name) }
            return (ctx.query.dryRun ? .keep : .put(final), ())
        }
        if ctx.query.dryRun { return (object, warnings) }
        guard let stored else { throw APIError.internalError("object vanished after create") }
        // What was stored is the object plus its resourceVersion; no need to parse it back.
        object.set(.string(String(stored.rv)), at: ["metadata", "resourceVersion"])
        afterWrite(ctx, old: nil, new: object)
        return (object, warnings)
    }

    func checkNamespaceWritable(_ namespace: String) throws {
        guard let ns = store.get(StorageKey(group: "", resource: "namespaces"), namespace) else {
            throw APIError(code: 404, reason: "NotFound", message: "namespaces \"\(namespace)\" not found",
                           details: StatusDetails(name: namespace, kind: "namespaces"))
        }
        if ns.deleting {
            throw APIError(code: 403, reason: "Forbidden",
                           message: "unable to create new content in namespace \(namespace) because it is being terminated",
                           details: StatusDetails(name: namespace, kind: "namespaces",
                                                  causes: [StatusCause(reason: "NamespaceTerminating",
                                                                       message: "namespace \(namespace) is being terminated",
                                                                       field: "metadata.namespace")]))
        }
    }

    /// A `Warning` header value: code 299, no agent, the text quoted with inner quotes escaped.
    static func warningHeader(_ text: String) -> String {
        "299 - \"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    // MARK: Update

    func update(_ ctx: RequestContext) throws -> HTTPResponse {
        var object = try decodeBody(ctx)
        try checkTypeMeta(&object, ctx)
        guard let name = ctx.name else { throw APIError.notFoundPath() }
        if let bodyName = object["metadata"]?["name"]?.stringValue, bodyName != name {
            throw APIError.badRequest("the name of the object (\(bodyName)) does not match the name on the URL (\(name))")
        }
        if ctx.info.namespaced, let ns = object["metadata"]?["namespace"]?.stringValue, !ns.isEmpty, ns != ctx.namespace {
            throw APIError.badRequest("the namespace of the provided object does not match the namespace sent on the request")
        }
        let preconditionRV = object["metadata"]?["resourceVersion"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        if preconditionRV == nil && !ctx.info.allowUnconditionalUpdate {
            throw APIError.invalid(kind: ctx.info.kind, group: ctx.info.group, name: name,
                                   [.invalid("metadata.resourceVersion", .string("0x0"), "must be specified for an update")])
        }
        var warnings: [String] = []
        let result = try writeExisting(ctx, name: name, createIfMissing: ctx.info.allowCreateOnUpdate && ctx.subresource == nil,
                                       preconditionRV: preconditionRV, warnings: &warnings) { _ in object }
        return writeResponse(result, ctx, warnings: warnings)
    }

    enum WriteResult {
        case created(JSONValue)
        case updated(JSONValue)
        case removed(JSONValue)
    }

    func writeResponse(_ result: WriteResult, _ ctx: RequestContext, warnings: [String]) -> HTTPResponse {
        var response: HTTPResponse
        switch result {
        case .created(let o): response = HTTPResponse(status: 201, contentType: "application/json", body: render(o, ctx))
        case .updated(let o), .removed(let o): response = HTTPResponse(status: 200, contentType: "application/json", body: render(o, ctx))
        }
        for w in warnings { response.headers.add("Warning", Self.warningHeader(w)) }
        return response
    }

    /// The read-modify-write every update and patch goes through. `transform` gets the current object and
    /// returns the desired one; everything else (preconditions, subresource rules, validation, generation,
    /// finalizers) is applied here, atomically.
    func writeExisting(_ ctx: RequestContext, name: String, createIfMissing: Bool, preconditionRV: String?,
                       warnings: inout [String], _ transform: (JSONValue) throws -> JSONValue) throws -> WriteResult {
        let key = ctx.objectKey(name)
        var collected: [String] = []
        var written: JSONValue?
        let (stored, outcome) = try store.mutate(ctx.storageKey, key) { current -> (Mutation, WriteResult?) in
            guard let current else {
                guard createIfMissing else { throw APIError.notFound(ctx.info, name) }
                return (.keep, nil)
            }
            let old = current.object
            if let preconditionRV, preconditionRV != String(current.rv) {
                throw APIError.conflict(ctx.info, name)
            }
            var new = try transform(served(old, ctx))
            try checkTypeMeta(&new, ctx)
            new = toStorage(new, ctx)
            if let uid = new["metadata"]?["uid"]?.stringValue, !uid.isEmpty, uid != old["metadata"]?["uid"]?.stringValue {
                throw APIError.conflict(ctx.info, name, "Precondition failed: UID in precondition: \(uid), UID in object meta: \(old["metadata"]?["uid"]?.stringValue ?? "")")
            }
            try prepareForUpdate(&new, old: old, ctx)
            try processSchema(&new, ctx, old: old, warnings: &collected)
            try validateCommon(new, ctx, old: old)
            try validateKind(new, ctx, old: old)
            // A write that changes nothing keeps the resourceVersion and sends no event.
            var comparable = new
            comparable.set(old["metadata"]?["resourceVersion"], at: ["metadata", "resourceVersion"])
            if comparable == old { return (.keep, .updated(old)) }
            let deleting = new["metadata"]?["deletionTimestamp"] != nil
            let finalizers = new["metadata"]?["finalizers"]?.arrayValue ?? []
            if ctx.query.dryRun { return (.keep, .updated(new)) }
            if deleting && finalizers.isEmpty { return (.remove(new), .removed(new)) }
            written = new
            return (.put(new), nil)
        }
        warnings = collected
        if let outcome {
            if case .removed(let o) = outcome { afterWrite(ctx, old: o, new: nil) }
            return outcome
        }
        if let stored, var object = written {
            object.set(.string(String(stored.rv)), at: ["metadata", "resourceVersion"])
            afterWrite(ctx, old: nil, new: object)
            return .updated(object)
        }
        // Missing and creatable (PUT on a configmap that does not exist): create it.
        guard createIfMissing else { throw APIError.notFound(ctx.info, name) }
        var object = try transform(.object(JSONObject()))
        var createCtx = ctx
        createCtx.subresource = nil
        object["metadata"]?["resourceVersion"] = nil
        let (created, w) = try createObject(&object, createCtx)
        warnings = w
        return .created(created)
    }

    /// Server-managed and immutable metadata, the status/main split, and finalizer rules for an update.
    func prepareForUpdate(_ new: inout JSONValue, old: JSONValue, _ ctx: RequestContext) throws {
        let oldMeta = old["metadata"]?.objectValue ?? JSONObject()
        if ctx.subresource == "status" {
            // `/status` changes only `.status` (managedFields aside).
            var merged = old
            merged["status"] = new["status"]
            if let mf = new["metadata"]?["managedFields"] { merged["metadata"]?["managedFields"] = mf }
            new = merged
        } else if ctx.subresource == "finalize" {
            var merged = old
            merged["spec"]?["finalizers"] = new["spec"]?["finalizers"]
            new = merged
        } else if ctx.info.hasStatus {
            new["status"] = old["status"]
        }
        var meta = new["metadata"]?.objectValue ?? JSONObject()
        for k in ["name", "namespace", "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"] {
            meta[k] = oldMeta[k]
        }
        if !ctx.info.namespaced { meta["namespace"] = nil }
        if oldMeta["deletionTimestamp"] != nil {
            let before = Set(oldMeta["finalizers"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            let after = meta["finalizers"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let added = after.filter { !before.contains($0) }
            if !added.isEmpty {
                throw APIError.invalid(kind: ctx.info.kind, group: ctx.info.group, name: meta["name"]?.stringValue ?? "",
                                       [.forbidden("metadata.finalizers", "no new finalizers can be added if the object is being deleted, found new finalizers []string{\(added.map { "\"\($0)\"" }.joined(separator: ", "))}")])
            }
        }
        if let f = meta["finalizers"]?.arrayValue, f.isEmpty { meta["finalizers"] = nil }
        new["metadata"] = .object(meta)
        if ctx.info.hasGeneration, Self.specChanged(old, new, ignoreStatus: ctx.info.hasStatus) {
            let g = oldMeta["generation"]?.intValue ?? 0
            new["metadata"]?["generation"] = .int(g + 1)
        }
        try prepareKindForUpdate(&new, old: old, ctx)
    }

    /// Whether anything outside metadata (and status, when it is a subresource) differs.
    static func specChanged(_ a: JSONValue, _ b: JSONValue, ignoreStatus: Bool) -> Bool {
        guard case .object(var x) = a, case .object(var y) = b else { return a != b }
        for k in ["metadata", "apiVersion", "kind"] + (ignoreStatus ? ["status"] : []) {
            x[k] = nil
            y[k] = nil
        }
        return x != y
    }

    // MARK: Patch

    func patch(_ ctx: RequestContext) throws -> HTTPResponse {
        guard let name = ctx.name else { throw APIError.notFoundPath() }
        let contentType = (ctx.request.headers["Content-Type"] ?? "").lowercased()
        let kind: String
        if contentType.hasPrefix("application/json-patch+json") { kind = "json" }
        else if contentType.hasPrefix("application/merge-patch+json") { kind = "merge" }
        else if contentType.hasPrefix("application/strategic-merge-patch+json") { kind = "strategic" }
        else if contentType.hasPrefix("application/apply-patch+yaml") || contentType.hasPrefix("application/apply-patch+cbor") { kind = "apply" }
        else { throw APIError.unsupportedMediaType(contentType) }
        if kind == "strategic" && ctx.info.isCustom {
            throw APIError(code: 415, reason: "UnsupportedMediaType",
                           message: "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
                           details: StatusDetails())
        }
        let patchDoc = try decodeBody(ctx)
        if kind == "apply" { return try apply(ctx, name: name, patchDoc) }
        var warnings: [String] = []
        let result = try writeExisting(ctx, name: name, createIfMissing: false, preconditionRV: nil, warnings: &warnings) { old in
            var patched: JSONValue
            do {
                switch kind {
                case "json": patched = try Patches.applyJSONPatch(patchDoc, to: old)
                case "merge":
                    guard patchDoc.objectValue != nil else { throw PatchError(message: "json: cannot unmarshal into a merge patch: expected an object", code: 400) }
                    patched = JSONMergePatch.apply(patchDoc, to: old)
                default: patched = try StrategicMergePatch.apply(patchDoc, to: old)
                }
            } catch let e as PatchError {
                throw APIError(code: e.code, reason: e.code == 400 ? "BadRequest" : "Invalid", message: e.message)
            }
            // A resourceVersion in the patch is a precondition.
            if let rv = patched["metadata"]?["resourceVersion"]?.stringValue, rv != old["metadata"]?["resourceVersion"]?.stringValue {
                throw APIError.conflict(ctx.info, name)
            }
            return patched
        }
        return writeResponse(result, ctx, warnings: warnings)
    }

    /// Server-side apply, treated as a merge of the applied configuration (strategic for built-ins), with
    /// the field manager and its fields recorded in managedFields.
    func apply(_ ctx: RequestContext, name: String, _ applied: JSONValue) throws -> HTTPResponse {
        guard let manager = ctx.query.fieldManager, !manager.isEmpty else {
            throw APIError.invalid(kind: ctx.info.kind, group: ctx.info.group, name: name,
                                   [.required("fieldManager", "is required for apply patch")])
        }
        guard applied.objectValue != nil else { throw APIError.badRequest("error decoding YAML: the applied configuration must be an object") }
        if let n = applied["metadata"]?["name"]?.stringValue, n != name {
            throw APIError.badRequest("the name of the object (\(n)) does not match the name on the URL (\(name))")
        }
        guard applied["apiVersion"]?.stringValue?.isEmpty == false, applied["kind"]?.stringValue?.isEmpty == false else {
            throw APIError.badRequest("invalid object type: /, Kind=")
        }
        let entry: JSONValue = [
            "manager": .string(manager), "operation": "Apply", "apiVersion": .string(ctx.apiVersion),
            "time": .string(Time.now.rfc3339), "fieldsType": "FieldsV1",
            "fieldsV1": FieldSet.of(applied, subresource: ctx.subresource),
        ]
        func record(_ object: inout JSONValue) {
            var entries = object["metadata"]?["managedFields"]?.arrayValue ?? []
            entries.removeAll { $0["manager"]?.stringValue == manager && $0["operation"]?.stringValue == "Apply" }
            var e = entry
            if let sub = ctx.subresource { e["subresource"] = .string(sub) }
            entries.append(e)
            object.set(.array(entries), at: ["metadata", "managedFields"])
        }
        var warnings: [String] = []
        let result = try writeExisting(ctx, name: name, createIfMissing: ctx.subresource == nil, preconditionRV: nil,
                                       warnings: &warnings) { old in
            if old.objectValue?.isEmpty ?? true {
                var created = applied
                record(&created)
                return created
            }
            var merged = ctx.info.isCustom ? JSONMergePatch.apply(Self.dropNulls(applied), to: old)
                                           : try StrategicMergePatch.apply(Self.dropNulls(applied), to: old)
            let entries = old["metadata"]?["managedFields"]?.arrayValue ?? []
            let appliers = entries.filter { $0["operation"]?.stringValue == "Apply" && $0["subresource"]?.stringValue == ctx.subresource }
            let previous = appliers.first { $0["manager"]?.stringValue == manager }?["fieldsV1"]
            FieldSet.removeReleased(from: &merged, previous: previous, current: entry["fieldsV1"] ?? .null,
                                    others: appliers.filter { $0["manager"]?.stringValue != manager }.compactMap { $0["fieldsV1"] })
            if let rv = applied["metadata"]?["resourceVersion"]?.stringValue, rv != old["metadata"]?["resourceVersion"]?.stringValue {
                throw APIError.conflict(ctx.info, name)
            }
            merged["metadata"]?["resourceVersion"] = old["metadata"]?["resourceVersion"]
            record(&merged)
            return merged
        }
        return writeResponse(result, ctx, warnings: warnings)
    }

    /// Apply configurations do not delete with null; null simply means "not specified".
    static func dropNulls(_ v: JSONValue) -> JSONValue {
        switch v {
        case .object(let o):
            var out = JSONObject()
            for (k, x) in o where !x.isNull { out[k] = dropNulls(x) }
            return .object(out)
        case .array(let a): return .array(a.map(dropNulls))
        default: return v
        }
    }

    // MARK: Delete

    struct DeleteOptions {
        var gracePeriodSeconds: Int64?
        var propagationPolicy: String?
        var preconditionUID: String?
        var preconditionRV: String?
        var dryRun = false
    }

    func deleteOptions(_ ctx: RequestContext) throws -> DeleteOptions {
        var o = DeleteOptions(gracePeriodSeconds: ctx.query.gracePeriodSeconds, propagationPolicy: ctx.query.propagationPolicy,
                              dryRun: ctx.query.dryRun)
        if let orphan = ctx.query.orphanDependents { o.propagationPolicy = orphan ? "Orphan" : "Background" }
        if !ctx.request.body.isEmpty {
            let body: JSONValue
            do { body = try decodeBody(ctx) } catch { throw APIError.badRequest("error decoding DeleteOptions: \(error)") }
            if let g = body["gracePeriodSeconds"]?.intValue { o.gracePeriodSeconds = g }
            if let p = body["propagationPolicy"]?.stringValue { o.propagationPolicy = p }
            if let orphan = body["orphanDependents"]?.boolValue { o.propagationPolicy = orphan ? "Orphan" : "Background" }
            o.preconditionUID = body["preconditions"]?["uid"]?.stringValue
            o.preconditionRV = body["preconditions"]?["resourceVersion"]?.stringValue
            if let d = body["dryRun"]?.arrayValue, d.contains("All") { o.dryRun = true }
        }
        if let p = o.propagationPolicy, !["Orphan", "Background", "Foreground"].contains(p) {
            throw APIError(code: 422, reason: "Invalid",
                           message: "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: \"\(p)\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\"")
        }
        return o
    }

    func delete(_ ctx: RequestContext) throws -> HTTPResponse {
        guard let name = ctx.name else { throw APIError.notFoundPath() }
        if ctx.info.group.isEmpty && ctx.info.plural == "namespaces" && ["default", "kube-system", "kube-public"].contains(name) {
            throw APIError.forbidden(ctx.info, name, "this namespace may not be deleted")
        }
        let opts = try deleteOptions(ctx)
        let (outcome, object) = try deleteObject(ctx, name: name, opts)
        switch outcome {
        case .pending:
            return HTTPResponse(status: 200, contentType: "application/json", body: render(object, ctx))
        case .removed:
            if returnsDeletedObject(ctx.info) {
                return HTTPResponse(status: 200, contentType: "application/json", body: render(object, ctx))
            }
            return Self.success(ctx, code: 200, name: name, uid: object["metadata"]?["uid"]?.stringValue)
        }
    }

    enum DeleteOutcome { case pending, removed }

    /// Pods, namespaces, CRDs and custom resources answer a DELETE with the object; others with a Status.
    func returnsDeletedObject(_ info: ResourceInfo) -> Bool {
        info.isCustom || (info.group.isEmpty && ["pods", "namespaces"].contains(info.plural))
            || info.plural == "customresourcedefinitions"
    }

    /// Deletes or starts deleting: objects with finalizers (including the propagation finalizers) and
    /// running pods get a deletionTimestamp; the rest are removed now.
    func deleteObject(_ ctx: RequestContext, name: String, _ opts: DeleteOptions) throws -> (DeleteOutcome, JSONValue) {
        let key = ctx.objectKey(name)
        // Read outside the store's lock (the closure below runs under it).
        let hasDependents = store.get(ctx.storageKey, key).map { o in
            !store.dependents(of: o.object["metadata"]?["uid"]?.stringValue ?? "").isEmpty
        } ?? false
        let (_, result) = try store.mutate(ctx.storageKey, key) { current -> (Mutation, (DeleteOutcome, JSONValue)) in
            guard let current else { throw APIError.notFound(ctx.info, name) }
            var object = current.object
            let uid = object["metadata"]?["uid"]?.stringValue ?? ""
            if let pre = opts.preconditionUID, pre != uid {
                throw APIError.conflict(ctx.info, name, "Precondition failed: UID in precondition: \(pre), UID in object meta: \(uid)")
            }
            if let pre = opts.preconditionRV, pre != String(current.rv) {
                throw APIError.conflict(ctx.info, name, "Precondition failed: ResourceVersion in precondition: \(pre), ResourceVersion in object meta: \(current.rv)")
            }
            var meta = object["metadata"]?.objectValue ?? JSONObject()
            var finalizers = meta["finalizers"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let alreadyDeleting = meta["deletionTimestamp"] != nil
            let isNamespace = ctx.info.group.isEmpty && ctx.info.plural == "namespaces"
            let isCRD = ctx.info.plural == "customresourcedefinitions"
            if !alreadyDeleting {
                switch opts.propagationPolicy {
                case "Orphan": if !finalizers.contains("orphan") { finalizers.append("orphan") }
                case "Foreground":
                    if hasDependents, !finalizers.contains("foregroundDeletion") {
                        finalizers.append("foregroundDeletion")
                    }
                default: break
                }
                if finalizers.contains("orphan") && !hasDependents { finalizers.removeAll { $0 == "orphan" } }
            }
            var grace: Int64 = 0
            if ctx.info.group.isEmpty && ctx.info.plural == "pods" {
                let phase = object["status"]?["phase"]?.stringValue
                let bound = (object["spec"]?["nodeName"]?.stringValue ?? "") != ""
                if bound && phase != "Succeeded" && phase != "Failed" {
                    grace = opts.gracePeriodSeconds ?? object["spec"]?["terminationGracePeriodSeconds"]?.intValue ?? 30
                    // Bounded so deletionTimestamp stays a real date (the API types cap nothing here).
                    grace = Swift.min(Swift.max(grace, 0), 10 * 365 * 86_400)
                }
            }
            let mustWait = !finalizers.isEmpty || grace > 0 || isNamespace || isCRD
            if !mustWait {
                return (opts.dryRun ? .keep : .remove(nil), (.removed, object))
            }
            if alreadyDeleting {
                // A second delete may shorten a pod's grace period, nothing else.
                if grace == 0 && opts.gracePeriodSeconds == 0 && finalizers.isEmpty {
                    return (opts.dryRun ? .keep : .remove(nil), (.removed, object))
                }
                return (.keep, (.pending, object))
            }
            meta["finalizers"] = finalizers.isEmpty ? JSONValue?.none : .array(finalizers.map(JSONValue.string))
            meta["deletionTimestamp"] = .string(Time.now.adding(seconds: grace).rfc3339)
            meta["deletionGracePeriodSeconds"] = .int(grace)
            object["metadata"] = .object(meta)
            if isNamespace { object.set("Terminating", at: ["status", "phase"]) }
            return (opts.dryRun ? .keep : .put(object), (.pending, object))
        }
        if !opts.dryRun {
            switch result.0 {
            case .removed: afterWrite(ctx, old: result.1, new: nil)
            case .pending: afterWrite(ctx, old: nil, new: result.1)
            }
        }
        return result
    }

    func deleteCollection(_ ctx: RequestContext) throws -> HTTPResponse {
        let opts = try deleteOptions(ctx)
        let filter = try selectorFilter(ctx)
        let page = store.list(ctx.storageKey, namespace: ctx.info.namespaced ? ctx.namespace : nil, filter: filter)
        var items: [JSONValue] = []
        for item in page.items {
            guard let name = item.object["metadata"]?["name"]?.stringValue else { continue }
            var c = ctx
            c.namespace = item.object["metadata"]?["namespace"]?.stringValue ?? ctx.namespace
            if let (_, o) = try? deleteObject(c, name: name, opts) { items.append(o) }
        }
        let list: JSONValue = [
            "kind": .string(ctx.info.listKind), "apiVersion": .string(ctx.apiVersion),
            "metadata": ["resourceVersion": .string(String(store.currentRV))], "items": .array(items),
        ]
        return Self.json(list)
    }

    // MARK: Internal writes (bootstrap, simulators, controllers in-process)

    func internalContext(method: HTTPMethod, path: String, body: JSONValue?, query: String = "") throws -> RequestContext {
        guard let ri = RequestInfo(path: path), let info = registry.find(group: ri.group, version: ri.version, plural: ri.resource) else {
            throw APIError.notFoundPath()
        }
        let request = HTTPRequest(method: method, target: path + (query.isEmpty ? "" : "?" + query),
                                  headers: ["Content-Type": "application/json"], body: body.map { JSONWriter.write($0) } ?? [])
        return RequestContext(info: info, version: ri.version, namespace: ri.namespace, name: ri.name,
                              subresource: ri.subresource, query: try QueryOptions(request), request: request)
    }

    @discardableResult
    func createInternal(path: String, _ object: JSONValue) throws -> JSONValue {
        let ctx = try internalContext(method: .post, path: path, body: object)
        var o = object
        return try createObject(&o, ctx).0
    }
}
