// What individual kinds add to the generic semantics: pod, namespace, service and CRD defaults on create,
// metadata validation, schema processing of custom resources, CRD registration, pods/binding,
// pods/eviction and the scale subresource.

import Foundation
import HTTPServer
import KubeCore

extension APIServer {
    var isCore: (ResourceInfo, String) -> Bool { { info, plural in info.group.isEmpty && info.plural == plural } }

    // MARK: Create defaults

    func prepareForCreate(_ object: inout JSONValue, _ ctx: RequestContext) throws {
        let info = ctx.info
        if isCore(info, "pods") {
            var spec = object["spec"]?.objectValue ?? JSONObject()
            if spec["schedulerName"] == nil { spec["schedulerName"] = "default-scheduler" }
            if spec["restartPolicy"] == nil { spec["restartPolicy"] = "Always" }
            if spec["terminationGracePeriodSeconds"] == nil { spec["terminationGracePeriodSeconds"] = 30 }
            if spec["dnsPolicy"] == nil { spec["dnsPolicy"] = "ClusterFirst" }
            if spec["serviceAccountName"] == nil { spec["serviceAccountName"] = "default" }
            if spec["priority"] == nil { spec["priority"] = 0 }
            if spec["enableServiceLinks"] == nil { spec["enableServiceLinks"] = true }
            if spec["tolerations"] == nil {
                // The DefaultTolerationSeconds admission plugin's two tolerations.
                spec["tolerations"] = .array(["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"].map { key in
                    ["key": .string(key), "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300]
                })
            }
            object["spec"] = .object(spec)
            object["status"] = ["phase": "Pending", "qosClass": .string(Self.qosClass(object))]
        } else if isCore(info, "namespaces") {
            object.set(["kubernetes"], at: ["spec", "finalizers"])
            object["status"] = ["phase": "Active"]
            object.set(.string(object["metadata"]?["name"]?.stringValue ?? ""), at: ["metadata", "labels", "kubernetes.io/metadata.name"])
        } else if isCore(info, "services") {
            var spec = object["spec"]?.objectValue ?? JSONObject()
            if spec["type"] == nil { spec["type"] = "ClusterIP" }
            if spec["clusterIP"] == nil && spec["type"]?.stringValue != "ExternalName" {
                let n = serial.add(1, ordering: .relaxed).newValue
                let ip = JSONValue.string("10.96.\((n >> 8) & 0xff).\(n & 0xff)")
                spec["clusterIP"] = ip
                spec["clusterIPs"] = .array([ip])
            }
            if spec["sessionAffinity"] == nil { spec["sessionAffinity"] = "None" }
            if var ports = spec["ports"]?.arrayValue {
                for i in ports.indices {
                    if ports[i]["protocol"] == nil { ports[i]["protocol"] = "TCP" }
                    if ports[i]["targetPort"] == nil { ports[i]["targetPort"] = ports[i]["port"] }
                }
                spec["ports"] = .array(ports)
            }
            object["spec"] = .object(spec)
            object["status"] = ["loadBalancer": .object(JSONObject())]
        } else if isCore(info, "secrets") {
            if object["type"] == nil { object["type"] = "Opaque" }
        } else if info.plural == "customresourcedefinitions" {
            object["status"] = crdStatus(object)
        }
    }

    func prepareKindForUpdate(_ new: inout JSONValue, old: JSONValue, _ ctx: RequestContext) throws {
        if ctx.info.plural == "customresourcedefinitions" && ctx.subresource == nil {
            new["status"] = crdStatus(new)
        }
        if isCore(ctx.info, "pods"), ctx.subresource == nil {
            // spec.nodeName is set by binding only, and most of a pod's spec is immutable.
            let oldNode = old["spec"]?["nodeName"]
            if new["spec"]?["nodeName"] != oldNode && oldNode != nil && oldNode != .string("") {
                throw APIError.invalid(kind: "Pod", group: "", name: ctx.name ?? "",
                                       [.forbidden("spec", "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)")])
            }
        }
    }

    static func qosClass(_ pod: JSONValue) -> String {
        let containers = pod["spec"]?["containers"]?.arrayValue ?? []
        var any = false
        var guaranteed = !containers.isEmpty
        for c in containers {
            let requests = c["resources"]?["requests"]?.objectValue ?? JSONObject()
            let limits = c["resources"]?["limits"]?.objectValue ?? JSONObject()
            if !requests.isEmpty || !limits.isEmpty { any = true }
            for r in ["cpu", "memory"] {
                guard let l = limits[r] else { guaranteed = false; continue }
                if let q = requests[r], q != l { guaranteed = false }
            }
        }
        if !any { return "BestEffort" }
        return guaranteed ? "Guaranteed" : "Burstable"
    }

    // MARK: Validation

    // Name and label syntax, checked byte by byte: every write goes through these, and
    // NSRegularExpression costs more than the rest of a small create.
    static func isAlnum(_ b: UInt8) -> Bool { (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) }
    static func isAlnumAnyCase(_ b: UInt8) -> Bool { isAlnum(b) || (b >= 0x41 && b <= 0x5A) }

    /// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63 bytes.
    static func isDNS1123Label<S: Collection>(_ s: S) -> Bool where S.Element == UInt8 {
        guard let first = s.first, let last = s.reversed().first, s.count <= 63 else { return false }
        return isAlnum(first) && isAlnum(last) && s.allSatisfy { isAlnum($0) || $0 == 0x2D }
    }

    /// Dot-separated DNS-1123 labels, at most 253 bytes.
    static func isDNS1123Subdomain(_ s: String) -> Bool {
        let bytes = Array(s.utf8)
        guard !bytes.isEmpty, bytes.count <= 253 else { return false }
        return bytes.split(separator: 0x2E, omittingEmptySubsequences: false).allSatisfy { isDNS1123Label($0) }
    }

    /// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`, at most 63 bytes (label values may also be empty).
    static func isQualifiedNamePart<S: Collection>(_ s: S, allowEmpty: Bool = false) -> Bool where S.Element == UInt8 {
        if s.isEmpty { return allowEmpty }
        guard s.count <= 63, let first = s.first, let last = s.reversed().first else { return false }
        return isAlnumAnyCase(first) && isAlnumAnyCase(last)
            && s.allSatisfy { isAlnumAnyCase($0) || $0 == 0x2D || $0 == 0x5F || $0 == 0x2E }
    }

    /// Metadata rules every kind shares (apimachinery ValidateObjectMeta).
    func validateCommon(_ object: JSONValue, _ ctx: RequestContext, old: JSONValue?) throws {
        var errors: [FieldError] = []
        let meta = object["metadata"]?.objectValue ?? JSONObject()
        let name = meta["name"]?.stringValue ?? ""
        if old == nil {
            let label = isCore(ctx.info, "namespaces")
            if label ? !Self.isDNS1123Label(Array(name.utf8)) : !Self.isDNS1123Subdomain(name) {
                let what = label ? "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
                                 : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
                errors.append(.invalid("metadata.name", .string(name), what))
            }
        }
        if let labels = meta["labels"] {
            if let o = labels.objectValue {
                for (k, v) in o {
                    if !Self.validQualifiedKey(k) {
                        errors.append(.invalid("metadata.labels", .string(k), "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"))
                    }
                    guard let s = v.stringValue else {
                        errors.append(.invalid("metadata.labels", v, "must be a string"))
                        continue
                    }
                    if !Self.isQualifiedNamePart(Array(s.utf8), allowEmpty: true) {
                        errors.append(.invalid("metadata.labels", .string(s), "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"))
                    }
                }
            } else if !labels.isNull {
                errors.append(.invalid("metadata.labels", labels, "must be an object"))
            }
        }
        if let annotations = meta["annotations"], !annotations.isNull {
            if let o = annotations.objectValue {
                var total = 0
                for (k, v) in o {
                    total += k.utf8.count + (v.stringValue?.utf8.count ?? 0)
                    if v.stringValue == nil { errors.append(.invalid("metadata.annotations", v, "must be a string")) }
                }
                if total > 256 * 1024 { errors.append(.tooLong("metadata.annotations", 256 * 1024)) }
            } else {
                errors.append(.invalid("metadata.annotations", annotations, "must be an object"))
            }
        }
        if let refs = meta["ownerReferences"]?.arrayValue {
            if refs.filter({ $0["controller"]?.boolValue == true }).count > 1 {
                errors.append(.invalid("metadata.ownerReferences", nil, "Only one reference can have Controller set to true. Found \"true\" in references for \(refs.filter { $0["controller"]?.boolValue == true }.map { "\($0["kind"]?.stringValue ?? "")/\($0["name"]?.stringValue ?? "")" }.joined(separator: " and "))"))
            }
            for (i, r) in refs.enumerated() {
                for f in ["apiVersion", "kind", "name", "uid"] where (r[f]?.stringValue ?? "").isEmpty {
                    errors.append(.invalid("metadata.ownerReferences[\(i)].\(f)", .string(""), "\(f) must not be empty"))
                }
            }
        }
        if let finalizers = meta["finalizers"]?.arrayValue {
            let names = finalizers.compactMap(\.stringValue)
            if names.contains("orphan") && names.contains("foregroundDeletion") {
                errors.append(.invalid("metadata.finalizers", .string("foregroundDeletion"), "finalizer foregroundDeletion and orphan cannot be both set"))
            }
            for f in finalizers where f.stringValue == nil { errors.append(.invalid("metadata.finalizers", f, "must be a string")) }
        }
        if !errors.isEmpty { throw APIError.invalid(kind: ctx.info.kind, group: ctx.info.group, name: name, errors) }
    }

    static func validQualifiedKey(_ key: String) -> Bool {
        let parts = key.utf8.split(separator: 0x2F, omittingEmptySubsequences: false)
        guard parts.count <= 2, let name = parts.last, isQualifiedNamePart(name) else { return false }
        if parts.count == 2 { return isDNS1123Subdomain(String(decoding: parts[0], as: UTF8.self)) }
        return true
    }

    func validateKind(_ object: JSONValue, _ ctx: RequestContext, old: JSONValue?) throws {
        var errors: [FieldError] = []
        let name = object["metadata"]?["name"]?.stringValue ?? ""
        if isCore(ctx.info, "pods") && ctx.subresource == nil {
            let containers = object["spec"]?["containers"]?.arrayValue ?? []
            if containers.isEmpty { errors.append(.required("spec.containers")) }
            for (i, c) in containers.enumerated() {
                if (c["name"]?.stringValue ?? "").isEmpty { errors.append(.required("spec.containers[\(i)].name")) }
                if (c["image"]?.stringValue ?? "").isEmpty { errors.append(.required("spec.containers[\(i)].image")) }
            }
        } else if ctx.info.plural == "customresourcedefinitions" && ctx.subresource == nil {
            errors += validateCRD(object)
        }
        if !errors.isEmpty { throw APIError.invalid(kind: ctx.info.kind, group: ctx.info.group, name: name, errors) }
    }

    /// Prunes, defaults and validates a custom resource; reports pruned fields per fieldValidation.
    func processSchema(_ object: inout JSONValue, _ ctx: RequestContext, old: JSONValue?, warnings: inout [String]) throws {
        guard ctx.info.isCustom, let schema = ctx.info.schemas[ctx.version] else { return }
        let result = StructuralSchema.process(object, schema: schema)
        var errors = result.errors
        if ctx.subresource == "status" {
            errors = errors.filter { $0.field.hasPrefix("status") }
        }
        let name = object["metadata"]?["name"]?.stringValue ?? ""
        if !result.unknownFields.isEmpty {
            switch ctx.query.fieldValidation {
            case "Strict":
                throw APIError.badRequest("\(ctx.info.kind) in version \"\(ctx.version)\" cannot be handled as a \(ctx.info.kind): strict decoding error: " + result.unknownFields.map { "unknown field \"\($0)\"" }.joined(separator: ", "))
            case "Warn":
                warnings += result.unknownFields.map { "unknown field \"\($0)\"" }
            default: break
            }
        }
        if !errors.isEmpty { throw APIError.invalid(kind: ctx.info.kind, group: ctx.info.group, name: name, errors) }
        object = result.object
    }

    // MARK: After a write

    /// Keeps the served resources in step with CRDs and wakes the namespace and garbage collectors.
    func afterWrite(_ ctx: RequestContext, old: JSONValue?, new: JSONValue?) {
        if ctx.info.plural == "customresourcedefinitions" && ctx.info.group == "apiextensions.k8s.io" {
            if let new, new["metadata"]?["deletionTimestamp"] == nil {
                if let info = Self.resourceInfo(fromCRD: new) { registry.register(info) }
            } else if let crd = new ?? old {
                // Deleting a CRD deletes its objects, then the CRD itself.
                if let info = Self.resourceInfo(fromCRD: crd) {
                    store.removeAll(info.storageKey)
                    store.closeWatchers(info.storageKey)
                    registry.unregister(info.servingKey)
                }
                if let new, let name = new["metadata"]?["name"]?.stringValue {
                    _ = try? store.mutate(ctx.storageKey, name) { _ in (.remove(nil), ()) }
                }
            }
        }
        if let new, new["metadata"]?["deletionTimestamp"] != nil {
            scheduleGarbageCollection(pending: ObjectRef(key: ctx.storageKey, name: ctx.objectKey(new["metadata"]?["name"]?.stringValue ?? "")))
        }
    }

    // MARK: CRDs

    func crdStatus(_ crd: JSONValue) -> JSONValue {
        let names = crd["spec"]?["names"] ?? .object(JSONObject())
        var accepted = names
        if accepted["singular"] == nil, let kind = names["kind"]?.stringValue { accepted["singular"] = .string(kind.lowercased()) }
        if accepted["listKind"] == nil, let kind = names["kind"]?.stringValue { accepted["listKind"] = .string(kind + "List") }
        let now = JSONValue.string(Time.now.rfc3339)
        let storage = crd["spec"]?["versions"]?.arrayValue?.first { $0["storage"]?.boolValue == true }?["name"]
        var stored = crd["status"]?["storedVersions"]?.arrayValue ?? []
        if let storage, !stored.contains(storage) { stored.append(storage) }
        return [
            "acceptedNames": accepted,
            "conditions": [
                ["type": "NamesAccepted", "status": "True", "lastTransitionTime": now, "reason": "NoConflicts", "message": "no conflicts found"],
                ["type": "Established", "status": "True", "lastTransitionTime": now, "reason": "InitialNamesAccepted", "message": "the initial names have been accepted"],
            ],
            "storedVersions": .array(stored),
        ]
    }

    func validateCRD(_ crd: JSONValue) -> [FieldError] {
        var errors: [FieldError] = []
        let spec = crd["spec"] ?? .null
        let group = spec["group"]?.stringValue ?? ""
        let plural = spec["names"]?["plural"]?.stringValue ?? ""
        if group.isEmpty { errors.append(.required("spec.group")) }
        if plural.isEmpty { errors.append(.required("spec.names.plural")) }
        if (spec["names"]?["kind"]?.stringValue ?? "").isEmpty { errors.append(.required("spec.names.kind")) }
        let name = crd["metadata"]?["name"]?.stringValue ?? ""
        if !plural.isEmpty && !group.isEmpty && name != "\(plural).\(group)" {
            errors.append(.invalid("metadata.name", .string(name), "must be spec.names.plural+\".\"+spec.group"))
        }
        let scope = spec["scope"]?.stringValue ?? ""
        if scope != "Namespaced" && scope != "Cluster" {
            errors.append(.notSupported("spec.scope", .string(scope), ["Cluster", "Namespaced"]))
        }
        let versions = spec["versions"]?.arrayValue ?? []
        if versions.isEmpty { errors.append(.required("spec.versions", "must have exactly one version marked as storage version")) }
        let storage = versions.filter { $0["storage"]?.boolValue == true }.count
        if !versions.isEmpty && storage != 1 {
            errors.append(.invalid("spec.versions", nil, "must have exactly one version marked as storage version"))
        }
        for (i, v) in versions.enumerated() {
            if (v["name"]?.stringValue ?? "").isEmpty { errors.append(.required("spec.versions[\(i)].name")) }
            if v["schema"]?["openAPIV3Schema"] == nil {
                errors.append(.required("spec.versions[\(i)].schema.openAPIV3Schema", "schemas are required"))
            }
        }
        return errors
    }

    /// The resource a CRD serves.
    static func resourceInfo(fromCRD crd: JSONValue) -> ResourceInfo? {
        let spec = crd["spec"] ?? .null
        guard let group = spec["group"]?.stringValue, let names = spec["names"], let plural = names["plural"]?.stringValue,
              let kind = names["kind"]?.stringValue else { return nil }
        let all = spec["versions"]?.arrayValue ?? []
        let served = all.filter { $0["served"]?.boolValue != false }
        let versionNames = served.compactMap { $0["name"]?.stringValue }.sorted { VersionPriority.compare($0, $1) }
        guard !versionNames.isEmpty else { return nil }
        var info = ResourceInfo(group: group, versions: versionNames, plural: plural,
                                singular: names["singular"]?.stringValue ?? kind.lowercased(), kind: kind,
                                namespaced: spec["scope"]?.stringValue != "Cluster",
                                shortNames: names["shortNames"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                                categories: names["categories"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                                hasGeneration: true, isCustom: true, allowUnconditionalUpdate: false)
        if let listKind = names["listKind"]?.stringValue { info.listKind = listKind }
        for v in served {
            guard let name = v["name"]?.stringValue else { continue }
            if let schema = v["schema"]?["openAPIV3Schema"] { info.schemas[name] = schema }
            if v["subresources"]?["status"] != nil { info.hasStatus = true }
            if let scale = v["subresources"]?["scale"] {
                info.scale = ScaleSubresource(specReplicasPath: scale["specReplicasPath"]?.stringValue ?? ".spec.replicas",
                                              statusReplicasPath: scale["statusReplicasPath"]?.stringValue ?? ".status.replicas",
                                              labelSelectorPath: scale["labelSelectorPath"]?.stringValue)
            }
            info.printerColumns[name] = (v["additionalPrinterColumns"]?.arrayValue ?? []).compactMap { c in
                guard let n = c["name"]?.stringValue, let p = c["jsonPath"]?.stringValue else { return nil }
                return PrinterColumn(name: n, type: c["type"]?.stringValue ?? "string", format: c["format"]?.stringValue ?? "",
                                     description: c["description"]?.stringValue ?? "", priority: Int(c["priority"]?.intValue ?? 0),
                                     jsonPath: p)
            }
        }
        return info
    }

    // MARK: pods/binding

    func bind(_ ctx: RequestContext) throws -> HTTPResponse {
        guard let name = ctx.name else { throw APIError.notFoundPath() }
        let binding = try decodeBody(ctx)
        guard let target = binding["target"], let node = target["name"]?.stringValue, !node.isEmpty else {
            throw APIError.invalid(kind: "Binding", group: "", name: name, [.required("target.name")])
        }
        if let kind = target["kind"]?.stringValue, !kind.isEmpty, kind != "Node" {
            throw APIError.invalid(kind: "Binding", group: "", name: name, [.notSupported("target.kind", .string(kind), ["Node", "<empty>"])])
        }
        let uid = binding["metadata"]?["uid"]?.stringValue
        let (stored, _) = try store.mutate(ctx.storageKey, ctx.objectKey(name)) { current -> (Mutation, Void) in
            guard var pod = current?.object else { throw APIError.notFound(ctx.info, name) }
            if let uid, !uid.isEmpty, uid != pod["metadata"]?["uid"]?.stringValue {
                throw APIError.conflict(ctx.info, name, "Precondition failed: UID in precondition: \(uid), UID in object meta: \(pod["metadata"]?["uid"]?.stringValue ?? "")")
            }
            if pod["metadata"]?["deletionTimestamp"] != nil {
                throw APIError(code: 409, reason: "Conflict", message: "Operation cannot be fulfilled on pods/binding \"\(name)\": pod \(name) is being deleted, cannot be assigned to a host",
                               details: StatusDetails(name: name, kind: "pods/binding"))
            }
            if let current = pod["spec"]?["nodeName"]?.stringValue, !current.isEmpty {
                throw APIError(code: 409, reason: "Conflict", message: "Operation cannot be fulfilled on pods/binding \"\(name)\": pod \(name) is already assigned to node \"\(current)\"",
                               details: StatusDetails(name: name, kind: "pods/binding"))
            }
            pod.set(.string(node), at: ["spec", "nodeName"])
            for (k, v) in binding["metadata"]?["annotations"]?.objectValue ?? JSONObject() {
                pod.set(v, at: ["metadata", "annotations", k])
            }
            var conditions = pod["status"]?["conditions"]?.arrayValue ?? []
            conditions.removeAll { $0["type"]?.stringValue == "PodScheduled" }
            conditions.append(["type": "PodScheduled", "status": "True", "lastProbeTime": nil,
                               "lastTransitionTime": .string(Time.now.rfc3339)])
            pod.set(.array(conditions), at: ["status", "conditions"])
            return (ctx.query.dryRun ? .keep : .put(pod), ())
        }
        _ = stored
        return Self.json(["kind": "Status", "apiVersion": "v1", "metadata": .object(JSONObject()), "status": "Success", "code": 201], status: 201)
    }

    // MARK: pods/eviction

    func evict(_ ctx: RequestContext) throws -> HTTPResponse {
        guard let name = ctx.name else { throw APIError.notFoundPath() }
        let eviction = try decodeBody(ctx)
        if let n = eviction["metadata"]?["name"]?.stringValue, n != name {
            throw APIError.badRequest("name in URL does not match name in Eviction object")
        }
        var opts = DeleteOptions()
        opts.gracePeriodSeconds = eviction["deleteOptions"]?["gracePeriodSeconds"]?.intValue
        opts.preconditionUID = eviction["deleteOptions"]?["preconditions"]?["uid"]?.stringValue
        opts.preconditionRV = eviction["deleteOptions"]?["preconditions"]?["resourceVersion"]?.stringValue
        opts.dryRun = ctx.query.dryRun || eviction["deleteOptions"]?["dryRun"]?.arrayValue?.contains("All") == true
        var c = ctx
        c.subresource = nil
        _ = try deleteObject(c, name: name, opts)
        return Self.json(["kind": "Status", "apiVersion": "v1", "metadata": .object(JSONObject()), "status": "Success", "code": 201], status: 201)
    }

    // MARK: scale

    func scaleObject(_ object: JSONValue, _ scale: ScaleSubresource) -> JSONValue {
        let meta = object["metadata"] ?? .null
        var status: JSONValue = ["replicas": .int(JSONPath.evaluate(scale.statusReplicasPath, object).first?.intValue ?? 0)]
        if let sel = scale.labelSelectorPath, let s = JSONPath.evaluate(sel, object).first?.stringValue { status["selector"] = .string(s) }
        return [
            "kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": ["name": meta["name"] ?? .null, "namespace": meta["namespace"] ?? .null, "uid": meta["uid"] ?? .null,
                         "resourceVersion": meta["resourceVersion"] ?? .null, "creationTimestamp": meta["creationTimestamp"] ?? .null],
            "spec": ["replicas": .int(JSONPath.evaluate(scale.specReplicasPath, object).first?.intValue ?? 0)],
            "status": status,
        ]
    }

    func serveScale(_ ctx: RequestContext) throws -> HTTPResponse {
        guard let name = ctx.name, let scale = ctx.info.scale else { throw APIError.notFoundPath() }
        let path = scale.specReplicasPath.split(separator: ".").map(String.init)
        switch ctx.request.method {
        case .get:
            guard let stored = store.get(ctx.storageKey, ctx.objectKey(name)) else { throw APIError.notFound(ctx.info, name) }
            return Self.json(scaleObject(stored.object, scale))
        case .put, .patch:
            let body = try decodeBody(ctx)
            let contentType = (ctx.request.headers["Content-Type"] ?? "").lowercased()
            var main = ctx
            main.subresource = "scale"
            var warnings: [String] = []
            var precondition: String?
            if ctx.request.method == .put { precondition = body["metadata"]?["resourceVersion"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } }
            let result = try writeExisting(main, name: name, createIfMissing: false, preconditionRV: precondition, warnings: &warnings) { old in
                var current = self.scaleObject(old, scale)
                if ctx.request.method == .put {
                    current = body
                } else if contentType.hasPrefix("application/json-patch+json") {
                    do { current = try Patches.applyJSONPatch(body, to: current) } catch let e as PatchError {
                        throw APIError(code: e.code, reason: "Invalid", message: e.message)
                    }
                } else {
                    current = JSONMergePatch.apply(body, to: current)
                }
                guard let replicas = current["spec"]?["replicas"]?.intValue, replicas >= 0 else {
                    throw APIError.invalid(kind: "Scale", group: "autoscaling", name: name,
                                           [.invalid("spec.replicas", current["spec"]?["replicas"], "must be greater than or equal to 0")])
                }
                var updated = old
                updated.set(.int(replicas), at: path)
                return updated
            }
            switch result {
            case .created(let o), .updated(let o), .removed(let o): return Self.json(scaleObject(o, scale))
            }
        default:
            throw APIError.methodNotAllowed("the server does not allow this method on the requested resource")
        }
    }
}

extension APIServer {
    /// `pods/log`: what the simulated container "printed": its start, and its exit when it has one. Like the
    /// real kubelet, a container that has not started yet is a 400.
    func podLog(_ ctx: RequestContext) throws -> HTTPResponse {
        guard let name = ctx.name, let stored = store.get(ctx.storageKey, ctx.objectKey(name)) else {
            throw APIError.notFound(ctx.info, ctx.name ?? "")
        }
        let pod = stored.object
        let containers = pod["spec"]?["containers"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        let container = ctx.request.query("container") ?? containers.first ?? ""
        guard containers.contains(container) else {
            throw APIError.badRequest("container \(container) is not valid for pod \(name)")
        }
        if ctx.request.query("container") == nil && containers.count > 1 {
            throw APIError.badRequest("a container name must be specified for pod \(name), choose one of: [\(containers.joined(separator: " "))]")
        }
        let status = pod["status"]?["containerStatuses"]?.arrayValue?.first { $0["name"]?.stringValue == container }
        guard let status, status["state"]?["waiting"] == nil, status["state"] != nil else {
            throw APIError.badRequest("container \"\(container)\" in pod \"\(name)\" is waiting to start: ContainerCreating")
        }
        var lines: [String] = []
        if let started = status["state"]?["running"]?["startedAt"]?.stringValue ?? status["state"]?["terminated"]?["startedAt"]?.stringValue {
            lines.append("\(started) sim: container \(container) started (image \(status["image"]?.stringValue ?? ""))")
        }
        if let restarts = status["restartCount"]?.intValue, restarts > 0 { lines.append("sim: restarted \(restarts) time(s)") }
        if let t = status["state"]?["terminated"] {
            lines.append("\(t["finishedAt"]?.stringValue ?? "") sim: container \(container) exited with code \(t["exitCode"]?.intValue ?? 0)")
        }
        if let tail = ctx.request.query("tailLines").flatMap({ Int($0) }), tail >= 0 { lines = Array(lines.suffix(tail)) }
        return .text(lines.map { $0 + "\n" }.joined())
    }
}

extension APIServer {
    /// Access reviews (`kubectl auth can-i`): the dev cluster has no authorization, so everything is allowed.
    func review(_ ctx: RequestContext) throws -> HTTPResponse {
        var object = try decodeBody(ctx)
        try checkTypeMeta(&object, ctx)
        if ctx.info.kind == "SelfSubjectRulesReview" {
            object["status"] = ["resourceRules": [["verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]]],
                                "nonResourceRules": [["verbs": ["*"], "nonResourceURLs": ["*"]]], "incomplete": false]
        } else {
            object["status"] = ["allowed": true, "reason": "the dev cluster does not authorize requests"]
        }
        return Self.json(object, status: 201)
    }
}
