// The kube-scheduler extender protocol on the wire (k8s.io/kube-scheduler/extender/v1). The Go structs have
// no JSON tags, so kube-scheduler sends PascalCase keys with `null` for every unset field, and decodes replies
// case-insensitively. We read both spellings the same way and always answer in PascalCase with explicit nulls,
// so a reply means exactly what the Go types would.

import KubeCore

/// A request the extender cannot act on: malformed JSON, a wrong type, a missing field. It becomes the
/// reply's `Error` (filter, bind, preempt) or an empty priority list, never a placement.
public struct ExtenderRequestError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Members of extender messages, looked up as Go's encoding/json does: exact name first, then ignoring case.
enum WireKeys {
    static func member(_ object: JSONObject, _ name: String) -> JSONValue? {
        if let exact = object[name] { return exact }
        for e in object.entries where e.key.utf8.count == name.utf8.count && e.key.lowercased() == name.lowercased() {
            return e.value
        }
        return nil
    }

    /// `value` as a JSON string, byte for byte what `JSONWriter` writes: raw UTF-8 between quotes when nothing
    /// needs escaping (node names never do), else the writer's own escaping. Going through `JSONValue` cost
    /// ~400 instructions per name in replies of 5,000.
    @inline(__always)
    static func writeString(_ value: String, into out: inout [UInt8]) {
        let plain = value.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            for c in bytes where c < 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") { return false }
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: bytes)
            out.append(UInt8(ascii: "\""))
            return true
        }
        if plain != true { JSONWriter.write(.string(value), into: &out) }
    }

    /// Whether two strings have the same UTF-8 bytes, which `==` does not tell (it equates canonically equivalent
    /// spellings); immediate for two copies of one string, as the reasons of a run are.
    @inline(__always)
    static func sameBytes(_ a: String, _ b: String?) -> Bool {
        guard let b else { return false }
        let same = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y in
                x.count == y.count && (x.count == 0 || x.baseAddress == y.baseAddress || x.elementsEqual(y))
            }
        }
        return (same ?? nil) ?? a.utf8.elementsEqual(b.utf8)
    }

    /// The UTF-8 length of `value` when `writeString` would write it unescaped, else nil.
    @inline(__always)
    static func plainLength(_ value: String) -> Int? {
        let n = value.utf8.withContiguousStorageIfAvailable { bytes -> Int? in
            for c in bytes where c < 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") { return nil }
            return bytes.count
        }
        return n ?? nil
    }

    static func object(_ value: JSONValue, _ what: String) throws(ExtenderRequestError) -> JSONObject {
        guard case .object(let o) = value else { throw ExtenderRequestError("\(what) must be a JSON object, got \(value.typeName)") }
        return o
    }

    static func parse(_ body: [UInt8], _ what: String) throws(ExtenderRequestError) -> JSONObject {
        let value: JSONValue
        do { value = try JSONParser.parse(body) } catch { throw ExtenderRequestError("\(what): \(error)") }
        return try object(value, what)
    }

    /// A string member that may be absent or null (Go zero value "").
    static func string(_ object: JSONObject, _ name: String, _ what: String) throws(ExtenderRequestError) -> String {
        switch member(object, name) {
        case nil, .null?: return ""
        case .string(let s)?: return s
        case let v?: throw ExtenderRequestError("\(what).\(name) must be a string, got \(v.typeName)")
        }
    }

    static func decodePod(_ value: JSONValue?, _ what: String) throws(ExtenderRequestError) -> Pod {
        guard let value, !value.isNull else { throw ExtenderRequestError("\(what).Pod is required") }
        guard case .object = value else { throw ExtenderRequestError("\(what).Pod must be an object, got \(value.typeName)") }
        var pod = value
        // Go writes a nil slice as null (`"containers":null` in kube-scheduler's own golden JSON); Kubernetes means [].
        if let spec = pod["spec"], spec.objectValue != nil, spec["containers"] == nil || spec["containers"] == .null {
            pod.set(.array([]), at: ["spec", "containers"])
        }
        do {
            return try JSONValueDecoder().decode(Pod.self, from: pod)
        } catch let e as DecodingError {
            throw ExtenderRequestError("\(what).Pod: \(e.summary)")
        } catch {
            throw ExtenderRequestError("\(what).Pod: \(error)")
        }
    }
}

/// `ExtenderArgs`: the body of filter and prioritize. With `nodeCacheCapable: true` the scheduler sends only
/// `NodeNames`; otherwise `Nodes` (a NodeList), kept here as JSON so a filter reply echoes the objects untouched.
public struct ExtenderArgs: Sendable {
    /// The pod as sent; nil when its facts came from the extender's cache instead (see `decode`).
    public var pod: Pod?
    public var facts: PodFacts
    public var nodes: [JSONValue]?
    public var nodeNames: [String]?

    public init(pod: Pod, nodes: [JSONValue]? = nil, nodeNames: [String]? = nil) {
        self.init(pod: pod, facts: PodFacts(pod), nodes: nodes, nodeNames: nodeNames)
    }

    init(pod: Pod?, facts: PodFacts, nodes: [JSONValue]?, nodeNames: [String]?) {
        self.pod = pod
        self.facts = facts
        self.nodes = nodes
        self.nodeNames = nodeNames
    }

    /// The identity of the pod in a request: what the cache is asked for in `decode`.
    public struct PodVersion: Sendable, Equatable {
        public var namespace: String
        public var name: String
        public var uid: String
        public var resourceVersion: String
    }

    /// Candidate node names in the order they came, from whichever form was sent.
    public var candidates: [String] {
        if let nodeNames { return nodeNames }
        return (nodes ?? []).map { $0["metadata"]?["name"]?.stringValue ?? "" }
    }

    /// True when the candidates came as `Nodes` objects (nodeCacheCapable: false).
    public var sentNodeObjects: Bool { nodeNames == nil && nodes != nil }

    /// `known` returns the facts of the pod the cache holds at exactly that version (uid and resourceVersion), or
    /// nil: an object version never changes, so its facts need not be decoded again. kube-scheduler sends the same
    /// pod to filter and to prioritize, and the extender's watch has usually seen it already.
    public static func decode(_ body: [UInt8], known: (PodVersion) -> PodFacts? = { _ in nil }) throws(ExtenderRequestError) -> ExtenderArgs {
        let o = try WireKeys.parse(body, "ExtenderArgs")
        let podValue = WireKeys.member(o, "Pod")
        var pod: Pod?
        let facts: PodFacts
        if let version = Self.version(podValue), let cached = known(version) {
            facts = cached
        } else {
            let decoded = try WireKeys.decodePod(podValue, "ExtenderArgs")
            pod = decoded
            facts = PodFacts(decoded)
        }
        var names: [String]?
        switch WireKeys.member(o, "NodeNames") {
        case nil, .null?: names = nil
        case .array(let items)?:
            var out: [String] = []
            out.reserveCapacity(items.count)
            for (i, item) in items.enumerated() {
                guard case .string(let s) = item else {
                    throw ExtenderRequestError("ExtenderArgs.NodeNames[\(i)] must be a string, got \(item.typeName)")
                }
                out.append(s)
            }
            names = out
        case let v?: throw ExtenderRequestError("ExtenderArgs.NodeNames must be a list of strings, got \(v.typeName)")
        }
        var nodes: [JSONValue]?
        switch WireKeys.member(o, "Nodes") {
        case nil, .null?: nodes = nil
        case .object(let list)?:
            switch WireKeys.member(list, "items") {
            case nil, .null?: nodes = []
            case .array(let items)?:
                for (i, item) in items.enumerated() {
                    guard item["metadata"]?["name"]?.stringValue?.isEmpty == false else {
                        throw ExtenderRequestError("ExtenderArgs.Nodes.items[\(i)].metadata.name is required")
                    }
                }
                nodes = items
            case let v?: throw ExtenderRequestError("ExtenderArgs.Nodes.items must be a list, got \(v.typeName)")
            }
        case let v?: throw ExtenderRequestError("ExtenderArgs.Nodes must be a NodeList object, got \(v.typeName)")
        }
        return ExtenderArgs(pod: pod, facts: facts, nodes: nodes, nodeNames: names)
    }

    /// The pod's namespace, name, uid and resourceVersion when all are present strings.
    static func version(_ pod: JSONValue?) -> PodVersion? {
        guard case .object(let meta)? = pod?["metadata"], case .string(let name)? = meta["name"],
              case .string(let uid)? = meta["uid"], case .string(let rv)? = meta["resourceVersion"],
              !uid.isEmpty, !rv.isEmpty else { return nil }
        return PodVersion(namespace: meta["namespace"]?.stringValue ?? "", name: name, uid: uid, resourceVersion: rv)
    }

    public func encode() throws -> JSONValue {
        var o = JSONObject()
        o["Pod"] = try pod.map { try JSONValueEncoder().encode($0) } ?? .null
        o["Nodes"] = nodes.map { .object(JSONObject([("metadata", .object(JSONObject())), ("items", .array($0))])) } ?? .null
        o["NodeNames"] = nodeNames.map { .array($0.map(JSONValue.string)) } ?? .null
        return .object(o)
    }
}

/// `ExtenderFilterResult`. Feasible nodes go back in the form they came: names for names, objects for objects;
/// the other field is `null`. Both null would mean "no node passes" to kube-scheduler, so an empty result is
/// an empty list, never null.
public struct ExtenderFilterResult: Sendable, Equatable {
    public var nodes: [JSONValue]?
    public var nodeNames: [String]?
    /// Node → reason; preemption may help (kube-scheduler's `Unschedulable`).
    public var failedNodes: [String: String]
    /// Node → reason; preemption cannot help (`UnschedulableAndUnresolvable`): heat, pools, gang plans.
    public var failedAndUnresolvableNodes: [String: String]
    public var error: String

    public init(nodes: [JSONValue]? = nil, nodeNames: [String]? = nil, failedNodes: [String: String] = [:],
                failedAndUnresolvableNodes: [String: String] = [:], error: String = "") {
        self.nodes = nodes
        self.nodeNames = nodeNames
        self.failedNodes = failedNodes
        self.failedAndUnresolvableNodes = failedAndUnresolvableNodes
        self.error = error
    }

    /// An error reply; kube-scheduler fails the attempt (or skips an ignorable extender).
    public static func failure(_ message: String) -> ExtenderFilterResult {
        ExtenderFilterResult(error: message)
    }

    /// The reply bytes, failed nodes sorted by name.
    public var bytes: [UInt8] {
        let rejected = failedNodes.sorted { $0.key < $1.key }.map { FilterOutcome.Rejection(node: $0.key, reason: $0.value, resolvable: true) }
            + failedAndUnresolvableNodes.sorted { $0.key < $1.key }.map { FilterOutcome.Rejection(node: $0.key, reason: $0.value, resolvable: false) }
        return Self.write(nodes: nodes, nodeNames: nodeNames, rejected: rejected, error: error)
    }

    public var json: JSONValue { (try? JSONParser.parse(bytes)) ?? .null }

    /// Writes the reply straight to bytes (no intermediate JSON tree: a filter answers hundreds of nodes within a
    /// millisecond), rejections in the order given, keys in the Go struct's field order.
    static func write(nodes: [JSONValue]?, nodeNames: [String]?, rejected: [FilterOutcome.Rejection], error: String) -> [UInt8] {
        if nodes == nil, let nodeNames, let bytes = sized(nodeNames: nodeNames, rejected: rejected, error: error) { return bytes }
        return appended(nodes: nodes, nodeNames: nodeNames, rejected: rejected, error: error)
    }

    /// `write` for names, sized exactly and written through a pointer, when no name, reason or error needs
    /// escaping (the usual case); nil otherwise. Appending piece by piece cost ~350 instructions per node.
    static func sized(nodeNames: [String], rejected: [FilterOutcome.Rejection], error: String) -> [UInt8]? {
        guard let errorLength = WireKeys.plainLength(error) else { return nil }
        // The fixed text is 89 bytes; each name `"n",`, each rejection `"n":"reason",`.
        var size = 89 + errorLength
        for n in nodeNames {
            guard let k = WireKeys.plainLength(n) else { return nil }
            size += k + 3
        }
        // Reasons come in runs of one shared string: measured once per run.
        var lastReason: String?
        var reasonLength = 0
        for r in rejected {
            guard let k = WireKeys.plainLength(r.node) else { return nil }
            if !WireKeys.sameBytes(r.reason, lastReason) {
                guard let m = WireKeys.plainLength(r.reason) else { return nil }
                lastReason = r.reason
                reasonLength = m
            }
            size += k + reasonLength + 6
        }
        var overflowed = false
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            var out = ByteSink(buffer)
            out.put(#"{"Nodes":null,"NodeNames":["#)
            for (i, n) in nodeNames.enumerated() {
                if i > 0 { out.put(UInt8(ascii: ",")) }
                out.putQuoted(n)
            }
            for (opening, resolvable) in [(#"],"FailedNodes":{"# as StaticString, true), (#"},"FailedAndUnresolvableNodes":{"#, false)] {
                out.put(opening)
                var first = true
                for r in rejected where r.resolvable == resolvable {
                    if !first { out.put(UInt8(ascii: ",")) }
                    first = false
                    out.putQuoted(r.node)
                    out.put(UInt8(ascii: ":"))
                    out.putQuoted(r.reason)
                }
            }
            out.put(#"},"Error":"#)
            out.putQuoted(error)
            out.put(UInt8(ascii: "}"))
            overflowed = out.overflowed
            count = overflowed ? 0 : out.count
        }
        return overflowed ? nil : bytes
    }

    /// `write` by appending: node objects, or text that needs escaping.
    static func appended(nodes: [JSONValue]?, nodeNames: [String]?, rejected: [FilterOutcome.Rejection], error: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 + (nodeNames?.count ?? nodes?.count ?? 0) * 24 + rejected.count * 96)
        out.append(contentsOf: #"{"Nodes":"#.utf8)
        if let nodes {
            JSONWriter.write(.object(JSONObject([("metadata", .object(JSONObject())), ("items", .array(nodes))])), into: &out)
        } else {
            out.append(contentsOf: "null".utf8)
        }
        out.append(contentsOf: #","NodeNames":"#.utf8)
        if let nodeNames {
            out.append(UInt8(ascii: "["))
            for (i, n) in nodeNames.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                WireKeys.writeString(n, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        } else {
            out.append(contentsOf: "null".utf8)
        }
        // Most rejections share a reason (the filter builds each distinct one once): escape it once per run.
        var lastReason: String?
        var reasonBytes: [UInt8] = []
        for (key, resolvable) in [("FailedNodes", true), ("FailedAndUnresolvableNodes", false)] {
            out.append(contentsOf: ",\"\(key)\":{".utf8)
            var first = true
            for r in rejected where r.resolvable == resolvable {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                WireKeys.writeString(r.node, into: &out)
                out.append(UInt8(ascii: ":"))
                if !WireKeys.sameBytes(r.reason, lastReason) {
                    reasonBytes.removeAll(keepingCapacity: true)
                    WireKeys.writeString(r.reason, into: &reasonBytes)
                    lastReason = r.reason
                }
                out.append(contentsOf: reasonBytes)
            }
            out.append(UInt8(ascii: "}"))
        }
        out.append(contentsOf: #","Error":"#.utf8)
        JSONWriter.write(.string(error), into: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }
}

/// One entry of `HostPriorityList`, the prioritize reply (a bare JSON array).
public struct HostPriority: Sendable, Equatable {
    public var host: String
    /// 0...10 (`MinExtenderPriority`...`MaxExtenderPriority`); kube-scheduler does not clamp, so we do.
    public var score: Int64

    public static let minScore: Int64 = 0
    public static let maxScore: Int64 = 10

    public init(host: String, score: Int64) {
        self.host = host
        self.score = min(max(score, Self.minScore), Self.maxScore)
    }

    public static func json(_ list: [HostPriority]) -> JSONValue { (try? JSONParser.parse(bytes(list))) ?? .null }

    /// `HostPriorityList` as bytes, written directly (no intermediate JSON tree).
    public static func bytes(_ list: [HostPriority]) -> [UInt8] {
        // Sized exactly and written through a pointer when every host name needs no escaping and every score is
        // 0...10 (always, in practice): appending to the array piece by piece, with its uniqueness and capacity
        // checks, was ~650 instructions per host on replies of 5,000.
        var size = 2
        for h in list {
            guard h.score >= 0 && h.score <= 10, let n = WireKeys.plainLength(h.host) else { return appended(list) }
            size += n + (h.score == 10 ? 23 : 22)
        }
        var overflowed = false
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            var out = ByteSink(buffer)
            out.put(UInt8(ascii: "["))
            for (i, h) in list.enumerated() {
                out.put(i == 0 ? #"{"Host":"# : #",{"Host":"#)
                out.putQuoted(h.host)
                out.put(#","Score":"#)
                if h.score == 10 { out.put("10") } else { out.put(UInt8(ascii: "0") + UInt8(h.score)) }
                out.put(UInt8(ascii: "}"))
            }
            out.put(UInt8(ascii: "]"))
            overflowed = out.overflowed
            count = overflowed ? 0 : out.count
        }
        return overflowed ? appended(list) : bytes
    }

    /// `bytes` by appending, for host names that need escaping.
    static func appended(_ list: [HostPriority]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "[")]
        out.reserveCapacity(list.count * 32 + 2)
        for (i, h) in list.enumerated() {
            out.append(contentsOf: (i == 0 ? #"{"Host":"# : #",{"Host":"#).utf8)
            WireKeys.writeString(h.host, into: &out)
            out.append(contentsOf: #","Score":"#.utf8)
            out.append(contentsOf: String(h.score).utf8)
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "]"))
        return out
    }
}

/// `ExtenderBindingArgs`.
public struct ExtenderBindingArgs: Sendable, Equatable {
    public var podName: String
    public var podNamespace: String
    public var podUID: String
    public var node: String

    public init(podName: String, podNamespace: String, podUID: String, node: String) {
        self.podName = podName
        self.podNamespace = podNamespace
        self.podUID = podUID
        self.node = node
    }

    public static func decode(_ body: [UInt8]) throws(ExtenderRequestError) -> ExtenderBindingArgs {
        let o = try WireKeys.parse(body, "ExtenderBindingArgs")
        let args = ExtenderBindingArgs(podName: try WireKeys.string(o, "PodName", "ExtenderBindingArgs"),
                                       podNamespace: try WireKeys.string(o, "PodNamespace", "ExtenderBindingArgs"),
                                       podUID: try WireKeys.string(o, "PodUID", "ExtenderBindingArgs"),
                                       node: try WireKeys.string(o, "Node", "ExtenderBindingArgs"))
        if args.podName.isEmpty { throw ExtenderRequestError("ExtenderBindingArgs.PodName is required") }
        if args.node.isEmpty { throw ExtenderRequestError("ExtenderBindingArgs.Node is required") }
        return args
    }

    public var json: JSONValue {
        .object(JSONObject([("PodName", .string(podName)), ("PodNamespace", .string(podNamespace)),
                            ("PodUID", .string(podUID)), ("Node", .string(node))]))
    }
}

/// `ExtenderBindingResult`: an empty `Error` means bound.
public struct ExtenderBindingResult: Sendable, Equatable {
    public var error: String
    public init(error: String = "") { self.error = error }
    public var json: JSONValue { .object(JSONObject([("Error", .string(error))])) }
}

/// `MetaVictims`: the pods (by UID) to evict on one node.
public struct MetaVictims: Sendable, Equatable {
    public var podUIDs: [String]
    public var numPDBViolations: Int64

    public init(podUIDs: [String], numPDBViolations: Int64 = 0) {
        self.podUIDs = podUIDs
        self.numPDBViolations = numPDBViolations
    }

    var json: JSONValue {
        .object(JSONObject([("Pods", .array(podUIDs.map { .object(JSONObject([("UID", .string($0))])) })),
                            ("NumPDBViolations", .int(numPDBViolations))]))
    }
}

/// `ExtenderPreemptionArgs`: the preemptor and, per candidate node, the victims kube-scheduler proposes —
/// as UIDs (`NodeNameToMetaVictims`, nodeCacheCapable) or full pods (`NodeNameToVictims`), reduced to UIDs here.
public struct ExtenderPreemptionArgs: Sendable {
    public var pod: Pod
    public var candidates: [String: MetaVictims]

    public init(pod: Pod, candidates: [String: MetaVictims]) {
        self.pod = pod
        self.candidates = candidates
    }

    public static func decode(_ body: [UInt8]) throws(ExtenderRequestError) -> ExtenderPreemptionArgs {
        let o = try WireKeys.parse(body, "ExtenderPreemptionArgs")
        let pod = try WireKeys.decodePod(WireKeys.member(o, "Pod"), "ExtenderPreemptionArgs")
        var candidates: [String: MetaVictims] = [:]
        // kube-scheduler sends one of the two (meta when nodeCacheCapable); should both come, the UIDs win.
        let key = (WireKeys.member(o, "NodeNameToMetaVictims").map { !$0.isNull } ?? false) ? "NodeNameToMetaVictims" : "NodeNameToVictims"
        switch WireKeys.member(o, key) {
        case nil, .null?: break
        case .object(let map)?:
            for e in map {
                candidates[e.key] = try victims(e.value, meta: key == "NodeNameToMetaVictims", "\(key)[\(e.key)]")
            }
        case let v?: throw ExtenderRequestError("ExtenderPreemptionArgs.\(key) must be an object, got \(v.typeName)")
        }
        return ExtenderPreemptionArgs(pod: pod, candidates: candidates)
    }

    private static func victims(_ value: JSONValue, meta: Bool, _ what: String) throws(ExtenderRequestError) -> MetaVictims {
        if value.isNull { return MetaVictims(podUIDs: []) }
        let o = try WireKeys.object(value, what)
        var uids: [String] = []
        switch WireKeys.member(o, "Pods") {
        case nil, .null?: break
        case .array(let pods)?:
            for (i, p) in pods.enumerated() {
                let po = try WireKeys.object(p, "\(what).Pods[\(i)]")
                // MetaPod{UID} or a full v1.Pod (metadata.uid).
                let uid = meta ? try WireKeys.string(po, "UID", "\(what).Pods[\(i)]") : (po["metadata"]?["uid"]?.stringValue ?? "")
                guard !uid.isEmpty else { throw ExtenderRequestError("\(what).Pods[\(i)] has no UID") }
                uids.append(uid)
            }
        case let v?: throw ExtenderRequestError("\(what).Pods must be a list, got \(v.typeName)")
        }
        var pdb: Int64 = 0
        switch WireKeys.member(o, "NumPDBViolations") {
        case nil, .null?: break
        case .int(let n)?: pdb = n
        case let v?: throw ExtenderRequestError("\(what).NumPDBViolations must be an integer, got \(v.typeName)")
        }
        return MetaVictims(podUIDs: uids, numPDBViolations: pdb)
    }
}

/// `ExtenderPreemptionResult`: the candidate nodes that remain, each with the victims to evict there.
public struct ExtenderPreemptionResult: Sendable, Equatable {
    public var nodeNameToMetaVictims: [String: MetaVictims]

    public init(nodeNameToMetaVictims: [String: MetaVictims] = [:]) { self.nodeNameToMetaVictims = nodeNameToMetaVictims }

    public var json: JSONValue {
        .object(JSONObject([("NodeNameToMetaVictims", .object(JSONObject(
            nodeNameToMetaVictims.sorted { $0.key < $1.key }.map { ($0.key, $0.value.json) })))]))
    }
}

/// Bytes written through a pointer into storage sized beforehand (see `HostPriority.bytes`).
struct ByteSink {
    private let base: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    private(set) var count = 0
    /// A write did not fit: nothing past the capacity was written, and the caller must not use the bytes. Sizing is
    /// computed beforehand, so this only guards against a sizing mistake becoming a heap overrun.
    private(set) var overflowed = false

    init(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
        base = buffer.baseAddress!
        capacity = buffer.count
    }

    @inline(__always) mutating func put(_ byte: UInt8) {
        guard count < capacity else { overflowed = true; return }
        base[count] = byte
        count += 1
    }

    @inline(__always) mutating func put(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let src = bytes.baseAddress else { return }
        guard bytes.count <= capacity - count else { overflowed = true; return }
        (base + count).update(from: src, count: bytes.count)
        count += bytes.count
    }

    @inline(__always) mutating func put(_ text: StaticString) {
        text.withUTF8Buffer { put($0) }
    }

    /// A string that needs no escaping (see `WireKeys.plainLength`), between quotes.
    @inline(__always) mutating func putQuoted(_ value: String) {
        put(UInt8(ascii: "\""))
        value.utf8.withContiguousStorageIfAvailable { put($0) }
        put(UInt8(ascii: "\""))
    }
}
