// FastDecoding: hand-written decoders from `JSONValue` for the kinds on the watch hot path (Pod and its
// parts, ObjectMeta), which Codable decodes an order of magnitude more slowly.
//
// Each mirrors its type's Codable conformance exactly: same defaults, null read as absent, unknown members
// collected in order. Anything unexpected (a wrong type, a missing required field, an invalid quantity)
// makes it give up with `FastPathMiss`, and the caller decodes through Codable instead, which then yields
// the same value or the usual error with its field path. Tests check that both paths agree.

struct FastPathMiss: Error {}

enum FastDecoding {
    /// The value decoded by a fast path, or nil to use Codable.
    @inline(__always)
    static func decode<T>(_ type: T.Type, from value: JSONValue) -> T? {
        if T.self == WatchEventFrame.self {
            return (try? WatchEventFrame(fastJSON: value)).map { unsafeBitCast($0, to: T.self) }
        }
        if T.self == Pod.self { return (try? Pod(fastJSON: value)).map { unsafeBitCast($0, to: T.self) } }
        if T.self == ObjectMeta.self { return (try? ObjectMeta(fastJSON: value)).map { unsafeBitCast($0, to: T.self) } }
        if T.self == PodSpec.self { return (try? PodSpec(fastJSON: value)).map { unsafeBitCast($0, to: T.self) } }
        if T.self == PodTemplateSpec.self {
            return (try? PodTemplateSpec(fastJSON: value)).map { unsafeBitCast($0, to: T.self) }
        }
        if T.self == PodStatus.self { return (try? PodStatus(fastJSON: value)).map { unsafeBitCast($0, to: T.self) } }
        if T.self == [String: String].self { return (try? value.stringMap()).map { unsafeBitCast($0, to: T.self) } }
        if T.self == [String: Quantity].self { return (try? value.quantityMap()).map { unsafeBitCast($0, to: T.self) } }
        if T.self == [String].self { return (try? value.stringArray()).map { unsafeBitCast($0, to: T.self) } }
        return nil
    }

    /// A rare subtree decoded through Codable from inside a fast decoder.
    static func codable<T: Decodable>(_ type: T.Type, _ value: JSONValue) throws(FastPathMiss) -> T {
        do {
            return try JSONValueDecoderImpl(value: value, node: nil).decodeValue(type)
        } catch {
            throw FastPathMiss()
        }
    }
}

/// Maps member names to a type's fields. An open-addressing table hashed on the name's length and three
/// of its bytes: much cheaper than a Dictionary's SipHash for the few dozen short names of a type.
struct FieldTable<Field: RawRepresentable & CaseIterable & Sendable>: Sendable where Field.RawValue == String {
    private let names: [String]
    private let fields: [Field?]
    private let mask: Int

    init() {
        let all = Array(Field.allCases)
        var size = 8
        while size < all.count * 4 { size *= 2 }
        var names = [String](repeating: "", count: size)
        var fields = [Field?](repeating: nil, count: size)
        for f in all {
            var slot = Self.hash(f.rawValue) & (size - 1)
            while fields[slot] != nil { slot = (slot + 1) & (size - 1) }
            names[slot] = f.rawValue
            fields[slot] = f
        }
        self.names = names
        self.fields = fields
        self.mask = size - 1
    }

    @inline(__always)
    static func hash(_ name: String) -> Int {
        let h = name.utf8.withContiguousStorageIfAvailable { b -> Int in
            let n = b.count
            guard n > 0 else { return 0 }
            return n &* 0x3B9A_CA07 ^ Int(b[0]) &* 0x9E37_79B9 ^ Int(b[n - 1]) &* 0x85EB_CA6B ^ Int(b[n >> 1]) &* 0xC2B2_AE35
        } ?? name.utf8.count
        return h ^ (h >> 13) ^ (h >> 27)
    }

    @inline(__always)
    func field(_ name: String) -> Field? {
        var slot = Self.hash(name) & mask
        while let f = fields[slot] {
            if names[slot] == name { return f }
            slot = (slot + 1) & mask
        }
        return nil
    }

    /// Calls `body` for each member with a known name, in order, and returns the other members.
    @inline(__always)
    func read(_ value: JSONValue, _ body: (Field, JSONValue) throws(FastPathMiss) -> Void) throws(FastPathMiss)
        -> UnknownFields?
    {
        guard case .object(let object) = value else { throw FastPathMiss() }
        var unknown: JSONObject? = nil
        // Reading members in place avoids a retain and release of each key and value.
        try object.entries.withUnsafeBufferPointer { (members) throws(FastPathMiss) in
            for i in members.indices {
                if let field = field(members[i].key) {
                    try body(field, members[i].value)
                } else {
                    if unknown == nil { unknown = JSONObject() }
                    unknown?.appendUnchecked(key: members[i].key, value: members[i].value)
                }
            }
        }
        return unknown.map { UnknownFields($0) }
    }
}

// MARK: - Leaves, mirroring JSONValueDecoderImpl and the types' own init(from:)

extension JSONValue {
    @inline(__always) func string() throws(FastPathMiss) -> String {
        guard case .string(let s) = self else { throw FastPathMiss() }
        return s
    }

    /// Missing and null are both absent, as `decodeIfPresent` reads them.
    @inline(__always) func optionalString() throws(FastPathMiss) -> String? {
        switch self {
        case .null: return nil
        case .string(let s): return s
        default: throw FastPathMiss()
        }
    }

    @inline(__always) func optionalBool() throws(FastPathMiss) -> Bool? {
        switch self {
        case .null: return nil
        case .bool(let b): return b
        default: throw FastPathMiss()
        }
    }

    @inline(__always) func integer<I: FixedWidthInteger>(_ type: I.Type) throws(FastPathMiss) -> I {
        guard let i = intValue, let exact = I(exactly: i) else { throw FastPathMiss() }
        return exact
    }

    @inline(__always) func optionalInteger<I: FixedWidthInteger>(_ type: I.Type) throws(FastPathMiss) -> I? {
        if case .null = self { return nil }
        return try integer(type)
    }

    /// (Not a ternary: `nil` there would be JSONValue's own null literal.)
    @inline(__always) func optionalJSON() -> JSONValue? {
        if isNull { return .none }
        return self
    }

    func stringArray() throws(FastPathMiss) -> [String] {
        guard case .array(let items) = self else { throw FastPathMiss() }
        var out: [String] = []
        out.reserveCapacity(items.count)
        for item in items { out.append(try item.string()) }
        return out
    }

    func optionalStringArray() throws(FastPathMiss) -> [String]? {
        if case .null = self { return nil }
        return try stringArray()
    }

    func optionalJSONArray() throws(FastPathMiss) -> [JSONValue]? {
        switch self {
        case .null: return nil
        case .array(let items): return items
        default: throw FastPathMiss()
        }
    }

    func stringMap() throws(FastPathMiss) -> [String: String] {
        guard case .object(let o) = self else { throw FastPathMiss() }
        var out: [String: String] = Dictionary(minimumCapacity: o.count)
        for e in o.entries { out[e.key] = try e.value.string() }
        return out
    }

    func optionalStringMap() throws(FastPathMiss) -> [String: String]? {
        if case .null = self { return nil }
        return try stringMap()
    }

    func quantityMap() throws(FastPathMiss) -> [String: Quantity] {
        guard case .object(let o) = self else { throw FastPathMiss() }
        var out: [String: Quantity] = Dictionary(minimumCapacity: o.count)
        let cache = QuantityCache.current
        for e in o.entries { out[e.key] = try e.value.quantity(cache) }
        return out
    }

    func optionalQuantityMap() throws(FastPathMiss) -> [String: Quantity]? {
        if case .null = self { return nil }
        return try quantityMap()
    }

    /// As `Quantity.init(from:)`: a string, an integer, a finite number; null is zero.
    func quantity(_ cache: QuantityCache = .current) throws(FastPathMiss) -> Quantity {
        let text: String
        switch self {
        case .string(let s): text = s
        case .null: return .zero
        default:
            if let i = intValue {
                text = String(i)
            } else if case .double(let d) = self, d.isFinite {
                text = d.description
            } else {
                throw FastPathMiss()
            }
        }
        guard let q = cache.quantity(text.trimmingASCIISpaces()) else { throw FastPathMiss() }
        return q
    }

    func optionalQuantity() throws(FastPathMiss) -> Quantity? {
        if case .null = self { return nil }
        return try quantity()
    }

    func optionalTime() throws(FastPathMiss) -> Time? {
        switch self {
        case .null: return nil
        case .string(let s):
            guard let t = Time(rfc3339: s) else { throw FastPathMiss() }
            return t
        default: throw FastPathMiss()
        }
    }

    /// An optional array of `T` read by `element`; null elements go to `element` like any other value.
    @inline(__always)
    func optionalArray<T>(_ element: (JSONValue) throws(FastPathMiss) -> T) throws(FastPathMiss) -> [T]? {
        switch self {
        case .null: return nil
        case .array(let items):
            var out: [T] = []
            out.reserveCapacity(items.count)
            for item in items { out.append(try element(item)) }
            return out
        default: throw FastPathMiss()
        }
    }
}

// MARK: - meta/v1

extension WatchEventFrame {
    private enum Field: String, CaseIterable, Sendable { case type, object }
    private static let table = FieldTable<Field>()

    /// Unknown members of a frame are dropped, as the synthesized Codable conformance drops them.
    init(fastJSON value: JSONValue) throws(FastPathMiss) {
        var type: WatchEventType?, object: JSONValue?
        _ = try Self.table.read(value) { (field, v) throws(FastPathMiss) in
            switch field {
            case .type:
                guard let t = WatchEventType(rawValue: try v.string()) else { throw FastPathMiss() }
                type = t
            case .object: object = v
            }
        }
        guard let type, let object else { throw FastPathMiss() }
        self.init(type: type, object: object)
    }
}

extension ObjectMeta {
    private enum Field: String, CaseIterable, Sendable {
        case name, generateName, namespace, uid, resourceVersion, generation, creationTimestamp, deletionTimestamp,
            deletionGracePeriodSeconds, labels, annotations, ownerReferences, finalizers, managedFields, unknownFields
    }
    private static let table = FieldTable<Field>()

    init(fastJSON value: JSONValue) throws(FastPathMiss) {
        self.init()
        unknownFields = try Self.table.read(value) { (field, v) throws(FastPathMiss) in
            switch field {
            case .name: name = try v.optionalString()
            case .generateName: generateName = try v.optionalString()
            case .namespace: namespace = try v.optionalString()
            case .uid: uid = try v.optionalString()
            case .resourceVersion: resourceVersion = try v.optionalString()
            case .generation: generation = try v.optionalInteger(Int64.self)
            case .creationTimestamp: creationTimestamp = try v.optionalTime()
            case .deletionTimestamp: deletionTimestamp = try v.optionalTime()
            case .deletionGracePeriodSeconds: deletionGracePeriodSeconds = try v.optionalInteger(Int64.self)
            case .labels: labels = try v.optionalStringMap()
            case .annotations: annotations = try v.optionalStringMap()
            case .ownerReferences: ownerReferences = try v.optionalArray(OwnerReference.init(fastJSON:))
            case .finalizers: finalizers = try v.optionalStringArray()
            case .managedFields: managedFields = try v.optionalJSONArray()
            case .unknownFields: break
            }
        }
    }
}

extension OwnerReference {
    private enum Field: String, CaseIterable, Sendable {
        case apiVersion, kind, name, uid, controller, blockOwnerDeletion, unknownFields
    }
    private static let table = FieldTable<Field>()

    init(fastJSON value: JSONValue) throws(FastPathMiss) {
        var apiVersion: String?, kind: String?, name: String?, uid: String?
        var controller: Bool?, block: Bool?
        let unknown = try Self.table.read(value) { (field, v) throws(FastPathMiss) in
            switch field {
            case .apiVersion: apiVersion = try v.string()
            case .kind: kind = try v.string()
            case .name: name = try v.string()
            case .uid: uid = try v.string()
            case .controller: controller = try v.optionalBool()
            case .blockOwnerDeletion: block = try v.optionalBool()
            case .unknownFields: break
            }
        }
        guard let apiVersion, let kind, let name, let uid else { throw FastPathMiss() }
        self.init(apiVersion: apiVersion, kind: kind, name: name, uid: uid, controller: controller, blockOwnerDeletion: block)
        unknownFields = unknown
    }
}

// MARK: - core/v1 Pod

extension Pod {
    private enum Field: String, CaseIterable, Sendable { case apiVersion, kind, metadata, spec, status, unknownFields }
    private static let table = FieldTable<Field>()

    init(fastJSON value: JSONValue) throws(FastPathMiss) {
        self.init()
        unknownFields = try Self.table.read(value) { (field, v) throws(FastPathMiss) in
            switch field {
            case .apiVersion: if let s = try v.optionalString() { apiVersion = s }
            case .kind: if let s = try v.optionalString() { kind = s }
            case .metadata: if !v.isNull { metadata = try ObjectMeta(fastJSON: v) }
            case .spec: spec = v.isNull ? nil : try PodSpec(fastJSON: v)
            case .status: status = v.isNull ? nil : try PodStatus(fastJSON: v)
            case .unknownFields: break
            }
        }
    }
}

extension PodTemplateSpec {
    private enum Field: String, CaseIterable, Sendable { case metadata, spec, unknownFields }
    private static let table = FieldTable<Field>()

    init(fastJSON value: JSONValue) throws(FastPathMiss) {
        self.init()
        unknownFields = try Self.table.read(value) { (field, v) throws(FastPathMiss) in
            switch field {
            case .metadata: metadata = v.isNull ? nil : try ObjectMeta(fastJSON: v)
            case .spec: spec = v.isNull ? nil : try PodSpec(fastJSON: v)
            case .unknownFields: break
            }
        }
    }
}

extension PodSpec {
    private enum Field: String, CaseIterable, Sendable {
        case volumes, initContainers, containers, ephemeralContainers, restartPolicy, terminationGracePeriodSeconds,
            activeDeadlineSeconds, dnsPolicy, nodeSelector, serviceAccountName, serviceAccount,
            automountServiceAccountToken, nodeName, hostNetwork, hostPID, hostIPC, shareProcessNamespace,
            securityContext, imagePullSecrets, hostname, subdomain, affinity, schedulerName, tolerations, hostAliases,
            priorityClassName, priority, dnsConfig, readinessGates, runtimeClassName, enableServiceLinks,
            preemptionPolicy, overhead, topologySpreadConstraints, setHostnameAsFQDN, os, hostUsers, schedulingGates,
            resourceClaims, resources, unknownFields
    }
    private static let table = FieldTable<Field>()

    init(fastJSON value: JSONValue) throws(FastPathMiss) {
        self.init()
        var sawContainers = false
        unknownFields = try Self.table.read(value) { (field, v) throws(FastPathMiss) in
            switch field {
            case .volumes: volumes = try v.optionalArray(Volume.init(fastJSON:))
            case .initContainers: initContainers = try v.optionalArray(Container.init(fastJSON:))
            case .containers:
                guard let list = try v.optionalArray(Container.init(fastJSON:)) else { throw FastPathMiss() }
                containers = list
                sawContainers = true
            case .ephemeralContainers: ephemeralContainers = try v.optionalJSONArray()
            case .restartPolicy: restartPolicy = try v.optionalString()
            case .terminationGracePeriodSeconds: terminationGracePeriodSeconds = try v.optionalInteger(Int64.self)
            case .activeDeadlineSeconds: activeDeadlineSeconds = try v.optionalInteger(Int64.self)
            case .dnsPolicy: dnsPolicy = try v.optionalString()
            case .nodeSelector: nodeSelector = try v.optionalStringMap()
            case .serviceAccountName: serviceAccountName = try v.optionalString()
            case .serviceAccount: serviceAccount = try v.optionalString()
            case .automountServiceAccountToken: automountServiceAccountToken = try v.optionalBool()
            case .nodeName: nodeName = try v.optionalString()
            case .hostNetwork: hostNetwork = try v.optionalBool()
            case .hostPID: hostPID = try v.optionalBool()
            case .hostIPC: hostIPC = try v.optionalBool()
            case .shareProcessNamespace: shareProcessNamespace = try v.optionalBool()
            case .securityContext: securityContext = v.optionalJSON()
            case .imagePullSecrets: imagePullSecrets = try v.optionalArray(LocalObjectReference.init(fastJSON:))
            case .hostname: hostname = try v.optionalString()
            case .subdomain: subdomain = try v.optionalString()
            case .affinity: affinity = v.isNull ? nil : try FastDecoding.codable(Affinity.self, v)
            case .schedulerName: schedulerName = try v.optionalString()
            case .tolerations: tolerations = try v.optionalArray(Toleration.init(fastJSON:))
            case .hostAliases: hostAliases = try v.optionalJSONArray()
            case .priorityClassName: priorityClassName = try v.optionalString()
            case .priority: priority = try v.optionalInteger(Int32.self)
            case .dnsConfig: dnsConfig = v.optionalJSON()
            case .readinessGates:
                readinessGates = try v.optionalArray { (g) throws(FastPathMiss) in try FastDecoding.codable(PodReadinessGate.self, g) }
            case .runtimeClassName: runtimeClassName = try v.optionalString()
            case .enableServiceLinks: enableServiceLinks = try v.optionalBool()
            case .preemptionPolicy: preemptionPolicy = try v.optionalString()
            case .overhead: overhead = try v.optionalQuantityMap()
            case .topologySpreadConstraints:
                topologySpreadConstraints = try v.optionalArray { (c) throws(FastPathMiss) in
                    try FastDecoding.codable(TopologySpreadConstraint.self, c)
                }
            case .setHostnameAsFQDN: setHostnameAsFQDN = try v.optionalBool()
            case .os: os = v.optionalJSON()
            case .hostUsers: hostUsers = try v.optionalBool()
            case .schedulingGates:
                schedulingGates = try v.optionalArray { (g) throws(FastPathMiss) in try FastDecoding.codable(PodSchedulingGate.self, g) }
            case .resourceClaims: resourceClaims = try v.optionalJSONArray()
            case .resources: resources = v.isNull ? nil : try ResourceRequirements(fastJSON: v)
            case .unknownFields: break
            }
        }
        // `containers` is required: Codable reports it missing.
        guard sawContainers else { throw FastPathMiss() }
    }
}

extension Container {
    private enum Field: String, CaseIterable, Sendable {
        case name, image, command, args, workingDir, ports, envFrom, env, resources, resizePolicy, restartPolicy,
            volumeMounts, volumeDevices, livenessProbe, readinessProbe, startupProbe, lifecycle, terminationMessagePath,
            terminationMessagePolicy, imagePullPolicy, securityContext, stdin, stdinOnce, tty, unknownFields
    }
    private static let table = FieldTable<Field>()

    init(fastJSON value: JSONValue) throws(FastPathMiss) {
        self.init(name: "")
        var sawName = false
        unknownFields = try Self.table.read(value) { (field, v) throws(FastPathMiss) in
            switch field {
            case .name:
                name = try v.string()
                sawName = true
            case .image: image = try v.optionalString()
            case .command: command = try v.optionalStringArray()
            case .args: args = try v.optionalStringArray()
            case .workingDir: workingDir = try v.optionalString()
            case .ports: ports = try v.optionalArray(ContainerPort.init(fastJSON:))
            case .envFrom:
                envFrom = try v.optionalArray { (e) throws(FastPathMiss) in try FastDecoding.codable(EnvFromSource.self, e) }
            case .env: env = try v.optionalArray(EnvVar.init(fastJSON:))
            case .resources: resources = v.isNull ? nil : try ResourceRequirements(fastJSON: v)
            case .resizePolicy: resizePolicy = try v.optionalJSONArray()
            case .restartPolicy: restartPolicy = try v.optionalString()
            case .volumeMounts: volumeMounts = try v.optionalArray(VolumeMount.init(fastJSON:))
            case .volumeDevices: volumeDevices = try v.optionalJSONArray()
            case .livenessProbe: livenessProbe = v.optionalJSON()
            case .readinessProbe: readinessProbe = v.optionalJSON()
            case .startupProbe: startupProbe = v.optionalJSON()
            case .lifecycle: lifecycle = v.optionalJSON()
            case .terminationMessagePath: terminationMessagePath = try v.optionalString()
            case .terminationMessagePolicy: terminationMessagePolicy = try v.optionalString()
            case .imagePullPolicy: imagePullPolicy = try v.optionalString()
            case .securityContext: securityContext = v.optionalJSON()
            case .stdin: stdin = try v.optionalBool()
            case .stdinOnce: stdinOnce = try v.optionalBool()
            case .tty: tty = try v.optionalBool()
            case .unknownFields: break
            }
        }
        guard sawName else { throw FastPathMiss() }
    }
}

extension ContainerPort {
    private enum Field: String, CaseIterable, Sendable { case name, hostPort, containerPort, `protocol`, hostIP, unknownFields }
    private static let table = FieldTable<Field>()

    init(fastJSON value: JSONValue) throws(FastPathMiss) {
        self.init(containerPort: 0)
        var sawPort = false
        unknownFields = try Self.table.read(value) { (field, v) throws(FastPathMiss) in
            switch field {
            case .name: name = try v.optionalString()
            case .hostPort: hostPort = try v.optionalInteger(Int32.self)
            case .containerPort:
                containerPort = try v.integer(Int32.self)
                sawPort = true
            case .protocol: self.protocol = try v.optionalString()
            case .hostIP: hostIP = try v.optionalString()
            case .unknownFields: break
            }
        }
        guard sawPort else { throw FastPathMiss() }
    }
}

extension EnvVar {
    private enum Field: String, CaseIterable, Sendable { case name, value, valueFrom, unknownFields }
    private static let table = FieldTable<Field>()

    init(fastJSON json: JSONValue) throws(FastPathMiss) {
        self.init(name: "")
        var sawName = false
        unknownFields = try Self.table.read(json) { (field, v) throws(FastPathMiss) in
            switch field {
            case .name:
                name = try v.string()
                sawName = true
            case .value: value = try v.optionalString()
            case .valueFrom: valueFrom = v.isNull ? nil : try FastDecoding.codable(EnvVarSource.self, v)
            case .unknownFields: break
            }
        }
        guard sawName else { throw FastPathMiss() }
    }
}

extension ResourceRequirements {
    private enum Field: String, CaseIterable, Sendable { case limits, requests, claims, unknownFields }
    private static let table = FieldTable<Field>()

    init(fastJSON value: JSONValue) throws(FastPathMiss) {
        self.init()
        unknownFields = try Self.table.read(value) { (field, v) throws(FastPathMiss) in
            switch field {
            case .limits: limits = try v.optionalQuantityMap()
            case .requests: requests = try v.optionalQuantityMap()
            case .claims: claims = try v.optionalJSONArray()
            case .unknownFields: break
            }
        }
    }
}

extension VolumeMount {
    private enum Field: String, CaseIterable, Sendable {
        case name, mountPath, readOnly, recursiveReadOnly, subPath, mountPropagation, subPathExpr, unknownFields
    }
    private static let table = FieldTable<Field>()

    init(fastJSON value: JSONValue) throws(FastPathMiss) {
        var name: String?, mountPath: String?
        var readOnly: Bool?, recursive: String?, subPath: String?, propagation: String?, expr: String?
        let unknown = try Self.table.read(value) { (field, v) throws(FastPathMiss) in
            switch field {
            case .name: name = try v.string()
            case .mountPath: mountPath = try v.string()
            case .readOnly: readOnly = try v.optionalBool()
            case .recursiveReadOnly: recursive = try v.optionalString()
            case .subPath: subPath = try v.optionalString()
            case .mountPropagation: propagation = try v.optionalString()
            case .subPathExpr: expr = try v.optionalString()
            case .unknownFields: break
            }
        }
        guard let name, let mountPath else { throw FastPathMiss() }
        self.init(name: name, mountPath: mountPath, readOnly: readOnly, recursiveReadOnly: recursive, subPath: subPath,
                  mountPropagation: propagation, subPathExpr: expr)
        unknownFields = unknown
    }
}

extension Volume {
    private enum Field: String, CaseIterable, Sendable {
        case name, emptyDir, persistentVolumeClaim, configMap, secret, hostPath, projected, unknownFields
    }
    private static let table = FieldTable<Field>()

    init(fastJSON value: JSONValue) throws(FastPathMiss) {
        self.init(name: "")
        var sawName = false
        unknownFields = try Self.table.read(value) { (field, v) throws(FastPathMiss) in
            switch field {
            case .name:
                name = try v.string()
                sawName = true
            case .emptyDir: emptyDir = v.optionalJSON()
            case .persistentVolumeClaim: persistentVolumeClaim = v.optionalJSON()
            case .configMap: configMap = v.optionalJSON()
            case .secret: secret = v.optionalJSON()
            case .hostPath: hostPath = v.optionalJSON()
            case .projected: projected = v.optionalJSON()
            case .unknownFields: break
            }
        }
        guard sawName else { throw FastPathMiss() }
    }
}

extension LocalObjectReference {
    private enum Field: String, CaseIterable, Sendable { case name, unknownFields }
    private static let table = FieldTable<Field>()

    init(fastJSON value: JSONValue) throws(FastPathMiss) {
        self.init()
        unknownFields = try Self.table.read(value) { (field, v) throws(FastPathMiss) in
            if field == .name { name = try v.optionalString() }
        }
    }
}

extension Toleration {
    private enum Field: String, CaseIterable, Sendable { case key, `operator`, value, effect, tolerationSeconds, unknownFields }
    private static let table = FieldTable<Field>()

    init(fastJSON json: JSONValue) throws(FastPathMiss) {
        self.init()
        unknownFields = try Self.table.read(json) { (field, v) throws(FastPathMiss) in
            switch field {
            case .key: key = try v.optionalString()
            case .operator: self.operator = try v.optionalString().map(Operator.init(rawValue:))
            case .value: value = try v.optionalString()
            case .effect: effect = try v.optionalString().map(Taint.Effect.init(rawValue:))
            case .tolerationSeconds: tolerationSeconds = try v.optionalInteger(Int64.self)
            case .unknownFields: break
            }
        }
    }
}

// MARK: - core/v1 PodStatus

extension PodStatus {
    private enum Field: String, CaseIterable, Sendable {
        case observedGeneration, phase, conditions, message, reason, nominatedNodeName, hostIP, hostIPs, podIP, podIPs,
            startTime, initContainerStatuses, containerStatuses, ephemeralContainerStatuses, qosClass, resize,
            resourceClaimStatuses, unknownFields
    }
    private static let table = FieldTable<Field>()

    init(fastJSON value: JSONValue) throws(FastPathMiss) {
        self.init()
        unknownFields = try Self.table.read(value) { (field, v) throws(FastPathMiss) in
            switch field {
            case .observedGeneration: observedGeneration = try v.optionalInteger(Int64.self)
            case .phase: phase = try v.optionalString().map(PodPhase.init(rawValue:))
            case .conditions: conditions = try v.optionalArray(PodCondition.init(fastJSON:))
            case .message: message = try v.optionalString()
            case .reason: reason = try v.optionalString()
            case .nominatedNodeName: nominatedNodeName = try v.optionalString()
            case .hostIP: hostIP = try v.optionalString()
            case .hostIPs: hostIPs = try v.optionalArray(PodIP.init(fastJSON:))
            case .podIP: podIP = try v.optionalString()
            case .podIPs: podIPs = try v.optionalArray(PodIP.init(fastJSON:))
            case .startTime: startTime = try v.optionalTime()
            case .initContainerStatuses: initContainerStatuses = try v.optionalArray(ContainerStatus.init(fastJSON:))
            case .containerStatuses: containerStatuses = try v.optionalArray(ContainerStatus.init(fastJSON:))
            case .ephemeralContainerStatuses: ephemeralContainerStatuses = try v.optionalArray(ContainerStatus.init(fastJSON:))
            case .qosClass: qosClass = try v.optionalString()
            case .resize: resize = try v.optionalString()
            case .resourceClaimStatuses: resourceClaimStatuses = try v.optionalJSONArray()
            case .unknownFields: break
            }
        }
    }
}

extension PodIP {
    private enum Field: String, CaseIterable, Sendable { case ip, unknownFields }
    private static let table = FieldTable<Field>()

    init(fastJSON value: JSONValue) throws(FastPathMiss) {
        var ip: String?
        let unknown = try Self.table.read(value) { (field, v) throws(FastPathMiss) in
            if field == .ip { ip = try v.string() }
        }
        guard let ip else { throw FastPathMiss() }
        self.init(ip: ip)
        unknownFields = unknown
    }
}

extension PodCondition {
    private enum Field: String, CaseIterable, Sendable {
        case type, status, observedGeneration, lastProbeTime, lastTransitionTime, reason, message, unknownFields
    }
    private static let table = FieldTable<Field>()

    init(fastJSON value: JSONValue) throws(FastPathMiss) {
        var type: String?, status: String?
        var generation: Int64?, probe: Time?, transition: Time?, reason: String?, message: String?
        let unknown = try Self.table.read(value) { (field, v) throws(FastPathMiss) in
            switch field {
            case .type: type = try v.string()
            case .status: status = try v.string()
            case .observedGeneration: generation = try v.optionalInteger(Int64.self)
            case .lastProbeTime: probe = try v.optionalTime()
            case .lastTransitionTime: transition = try v.optionalTime()
            case .reason: reason = try v.optionalString()
            case .message: message = try v.optionalString()
            case .unknownFields: break
            }
        }
        guard let type, let status else { throw FastPathMiss() }
        self.init(type: type, status: ConditionStatus(rawValue: status), observedGeneration: generation,
                  lastProbeTime: probe, lastTransitionTime: transition, reason: reason, message: message)
        unknownFields = unknown
    }
}

extension ContainerStatus {
    private enum Field: String, CaseIterable, Sendable {
        case name, state, lastState, ready, restartCount, image, imageID, containerID, started, allocatedResources,
            resources, volumeMounts, user, allocatedResourcesStatus, stopSignal, unknownFields
    }
    private static let table = FieldTable<Field>()

    init(fastJSON value: JSONValue) throws(FastPathMiss) {
        self.init(name: "")
        var sawName = false
        unknownFields = try Self.table.read(value) { (field, v) throws(FastPathMiss) in
            switch field {
            case .name:
                name = try v.string()
                sawName = true
            case .state: state = v.isNull ? nil : try ContainerState(fastJSON: v)
            case .lastState: lastState = v.isNull ? nil : try ContainerState(fastJSON: v)
            case .ready: ready = try v.optionalBool() ?? false
            case .restartCount: restartCount = try v.optionalInteger(Int32.self) ?? 0
            case .image: image = try v.optionalString() ?? ""
            case .imageID: imageID = try v.optionalString() ?? ""
            case .containerID: containerID = try v.optionalString()
            case .started: started = try v.optionalBool()
            case .allocatedResources: allocatedResources = try v.optionalQuantityMap()
            case .resources: resources = v.isNull ? nil : try ResourceRequirements(fastJSON: v)
            case .volumeMounts: volumeMounts = try v.optionalJSONArray()
            case .user: user = v.optionalJSON()
            case .allocatedResourcesStatus: allocatedResourcesStatus = try v.optionalJSONArray()
            case .stopSignal: stopSignal = try v.optionalString()
            case .unknownFields: break
            }
        }
        guard sawName else { throw FastPathMiss() }
    }
}

extension ContainerState {
    private enum Field: String, CaseIterable, Sendable { case waiting, running, terminated, unknownFields }
    private static let table = FieldTable<Field>()

    init(fastJSON value: JSONValue) throws(FastPathMiss) {
        self.init()
        unknownFields = try Self.table.read(value) { (field, v) throws(FastPathMiss) in
            switch field {
            case .waiting: waiting = v.isNull ? nil : try Waiting(fastJSON: v)
            case .running: running = v.isNull ? nil : try Running(fastJSON: v)
            case .terminated: terminated = v.isNull ? nil : try Terminated(fastJSON: v)
            case .unknownFields: break
            }
        }
    }
}

extension ContainerState.Waiting {
    private enum Field: String, CaseIterable, Sendable { case reason, message, unknownFields }
    private static let table = FieldTable<Field>()

    init(fastJSON value: JSONValue) throws(FastPathMiss) {
        self.init()
        unknownFields = try Self.table.read(value) { (field, v) throws(FastPathMiss) in
            switch field {
            case .reason: reason = try v.optionalString()
            case .message: message = try v.optionalString()
            case .unknownFields: break
            }
        }
    }
}

extension ContainerState.Running {
    private enum Field: String, CaseIterable, Sendable { case startedAt, unknownFields }
    private static let table = FieldTable<Field>()

    init(fastJSON value: JSONValue) throws(FastPathMiss) {
        self.init()
        unknownFields = try Self.table.read(value) { (field, v) throws(FastPathMiss) in
            if field == .startedAt { startedAt = try v.optionalTime() }
        }
    }
}

extension ContainerState.Terminated {
    private enum Field: String, CaseIterable, Sendable {
        case exitCode, signal, reason, message, startedAt, finishedAt, containerID, unknownFields
    }
    private static let table = FieldTable<Field>()

    init(fastJSON value: JSONValue) throws(FastPathMiss) {
        self.init(exitCode: 0)
        var sawExitCode = false
        unknownFields = try Self.table.read(value) { (field, v) throws(FastPathMiss) in
            switch field {
            case .exitCode:
                exitCode = try v.integer(Int32.self)
                sawExitCode = true
            case .signal: signal = try v.optionalInteger(Int32.self)
            case .reason: reason = try v.optionalString()
            case .message: message = try v.optionalString()
            case .startedAt: startedAt = try v.optionalTime()
            case .finishedAt: finishedAt = try v.optionalTime()
            case .containerID: containerID = try v.optionalString()
            case .unknownFields: break
            }
        }
        guard sawExitCode else { throw FastPathMiss() }
    }
}
