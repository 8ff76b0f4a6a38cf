// SchedulerExtender: the HTTP face of the extender. POST <prefix>/filter, /prioritize, /bind, /preempt as
// kube-scheduler calls them, GET /debug/pods/<ns>/<name> and /debug/ledger; anything else goes to the fallback
// (the manager's /healthz, /readyz, /metrics). Every request is decoded defensively: a bad one gets an `Error`
// reply or a 4xx, never a crash and never a placement.

import Foundation
import GantryAPI
import HTTPServer
import KubeCore
import KubeRuntime

public final class SchedulerExtender: Sendable {
    public let ledger: ClusterLedger
    public let decisions: DecisionLog
    public let metrics: ExtenderMetrics
    let binder: PodBinder?
    let podStore: Store<CachedPod>?
    let isReady: @Sendable () -> Bool
    let logger: Logger
    /// Path prefix of the verbs, e.g. "/gantry" for `urlPrefix: http://host:port/gantry`; "" for the root.
    public let prefix: String

    public init(ledger: ClusterLedger, binder: PodBinder?, podStore: Store<CachedPod>?, metrics: ExtenderMetrics,
                decisions: DecisionLog = DecisionLog(), prefix: String = "", logger: Logger = Logger(label: "extender", sink: .discarding),
                isReady: @escaping @Sendable () -> Bool = { true }) {
        self.ledger = ledger
        self.binder = binder
        self.podStore = podStore
        self.metrics = metrics
        self.decisions = decisions
        self.logger = logger
        self.isReady = isReady
        var p = prefix
        while p.hasSuffix("/") { p.removeLast() }
        if !p.isEmpty && !p.hasPrefix("/") { p = "/" + p }
        self.prefix = p
    }

    /// The routes; `fallback` answers everything else (probes and metrics).
    public func handler(fallback: HTTPHandler? = nil) -> HTTPHandler {
        var router = HTTPRouter(fallback: fallback)
        router.post("\(prefix)/filter") { [self] in await timed("filter", $0, filter) }
        router.post("\(prefix)/prioritize") { [self] in await timed("prioritize", $0, prioritize) }
        router.post("\(prefix)/bind") { [self] in await timed("bind", $0, bind) }
        router.post("\(prefix)/preempt") { [self] in await timed("preempt", $0, preempt) }
        router.get("/debug/pods/{namespace}/{name}") { [self] in debugPod($0) }
        router.get("/debug/ledger") { [self] _ in await debugLedger() }
        return router.handler
    }

    private func timed(_ verb: String, _ request: HTTPRequest,
                       _ body: (HTTPRequest) async -> (HTTPResponse, Bool)) async -> HTTPResponse {
        let start = ContinuousClock.now
        let (response, ok) = await body(request)
        let elapsed = ContinuousClock.now - start
        metrics.observe(verb: verb, seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, ok: ok)
        return response
    }

    static let notReady = "gantry extender is starting: its caches are not synced yet"

    /// The cached facts of a pod at exactly the version a request carries (see `ExtenderArgs.decode`).
    func cachedFacts(_ v: ExtenderArgs.PodVersion) -> PodFacts? {
        guard let cached = podStore?.get(namespace: v.namespace, name: v.name), cached.metadata.uid == v.uid,
              cached.metadata.resourceVersion == v.resourceVersion else { return nil }
        return cached.facts
    }

    // MARK: filter

    func filter(_ request: HTTPRequest) async -> (HTTPResponse, Bool) {
        let args: ExtenderArgs
        do {
            args = try ExtenderArgs.decode(request.body, known: cachedFacts)
        } catch {
            logger.warning("malformed filter request", ["error": error.message])
            return (.json(ExtenderFilterResult.failure("malformed ExtenderArgs: \(error.message)").bytes), false)
        }
        let facts = args.facts
        guard isReady() else {
            decisions.recordError(facts.key, uid: facts.uid, verb: "filter", message: Self.notReady)
            return (.json(ExtenderFilterResult.failure(Self.notReady).bytes), false)
        }
        let candidates = args.candidates
        let outcome: FilterOutcome
        if facts.isPassThrough {
            outcome = FilterOutcome(feasible: candidates)
        } else {
            outcome = await ledger.filter(facts, candidates: candidates)
        }
        metrics.record(outcome)
        decisions.recordFilter(facts.key, uid: facts.uid, request: Self.describe(facts), candidates: candidates.count,
                               outcome: outcome, passThrough: facts.isPassThrough)
        let reply: [UInt8]
        if args.sentNodeObjects {
            let keep = Set(outcome.feasible)
            let nodes = (args.nodes ?? []).filter { keep.contains($0["metadata"]?["name"]?.stringValue ?? "") }
            reply = ExtenderFilterResult.write(nodes: nodes, nodeNames: nil, rejected: outcome.rejected, error: "")
        } else {
            reply = ExtenderFilterResult.write(nodes: nil, nodeNames: outcome.feasible, rejected: outcome.rejected, error: "")
        }
        return (.json(reply), true)
    }

    // MARK: prioritize

    /// Errors are not sent as `Error` (the reply is a bare list): kube-scheduler ignores a failed prioritize, so
    /// a 4xx/503 makes this extender add nothing, which is the safe answer.
    func prioritize(_ request: HTTPRequest) async -> (HTTPResponse, Bool) {
        let args: ExtenderArgs
        do {
            args = try ExtenderArgs.decode(request.body, known: cachedFacts)
        } catch {
            return (.text("malformed ExtenderArgs: \(error.message)\n", status: 400), false)
        }
        guard isReady() else { return (.text(Self.notReady + "\n", status: 503), false) }
        let facts = args.facts
        let candidates = args.candidates
        let scores: [HostPriority]
        if facts.isPassThrough {
            scores = candidates.map { HostPriority(host: $0, score: 0) }
        } else {
            scores = await ledger.prioritize(facts, candidates: candidates)
            decisions.recordPrioritize(facts.key, uid: facts.uid, request: Self.describe(facts), scores: scores)
        }
        return (.json(HostPriority.bytes(scores)), true)
    }

    // MARK: bind

    func bind(_ request: HTTPRequest) async -> (HTTPResponse, Bool) {
        func reply(_ error: String) -> HTTPResponse { .json(JSONWriter.write(ExtenderBindingResult(error: error).json)) }
        let args: ExtenderBindingArgs
        do {
            args = try ExtenderBindingArgs.decode(request.body)
        } catch {
            metrics.bind(result: "rejected")
            return (reply("malformed ExtenderBindingArgs: \(error.message)"), false)
        }
        let key = "\(args.podNamespace)/\(args.podName)"
        guard isReady() else {
            metrics.bind(result: "rejected")
            return (reply(Self.notReady), false)
        }
        guard let binder else {
            metrics.bind(result: "rejected")
            return (reply("this extender has no API client to bind with"), false)
        }
        let cached = podStore?.get(namespace: args.podNamespace, name: args.podName)?.facts
        do {
            let bound = try await binder.bind(args, cached: cached)
            metrics.bind(result: "bound")
            decisions.recordBind(key, uid: args.podUID, node: bound.node, devices: bound.devices, error: nil)
            logger.debug("bound", ["pod": key, "node": bound.node, "devices": bound.devices])
            return (reply(""), true)
        } catch {
            let rolledBack: Bool
            switch error {
            case .api, .uidMismatch, .podNotFound: rolledBack = true
            default: rolledBack = false
            }
            metrics.bind(result: rolledBack ? "rolled_back" : "rejected")
            decisions.recordBind(key, uid: args.podUID, node: args.node, devices: nil, error: error.description)
            logger.info("bind failed", ["pod": key, "node": args.node, "error": error.description])
            return (reply(error.description), false)
        }
    }

    // MARK: preempt

    /// The reply type has no error field: a malformed request gets 400, which kube-scheduler treats as a failed
    /// preemption (or skips an ignorable extender).
    func preempt(_ request: HTTPRequest) async -> (HTTPResponse, Bool) {
        let args: ExtenderPreemptionArgs
        do {
            args = try ExtenderPreemptionArgs.decode(request.body)
        } catch {
            return (.text("malformed ExtenderPreemptionArgs: \(error.message)\n", status: 400), false)
        }
        guard isReady() else { return (.text(Self.notReady + "\n", status: 503), false) }
        let facts = PodFacts(args.pod)
        let victims = await ledger.preempt(facts, candidates: args.candidates)
        decisions.recordPreempt(facts.key, uid: facts.uid, request: Self.describe(facts), victims: victims)
        return (.json(JSONWriter.write(ExtenderPreemptionResult(nodeNameToMetaVictims: victims).json)), true)
    }

    // MARK: debug

    func debugPod(_ request: HTTPRequest) -> HTTPResponse {
        let key = "\(request.pathParameters["namespace"] ?? "")/\(request.pathParameters["name"] ?? "")"
        guard let json = decisions.json(for: key) else {
            return .json(JSONWriter.write(["error": .string("no decision recorded for pod \(key)")]), status: 404)
        }
        return .json(JSONWriter.write(json, options: .prettyPrinted))
    }

    func debugLedger() async -> HTTPResponse {
        let byNode = await ledger.allocationsByNode()
        let gangs = await ledger.gangReservations
        let counts = await ledger.bookkeeping
        let body: JSONValue = [
            "allocations": .int(Int64(counts.allocations)), "bindsInFlight": .int(Int64(counts.inFlight)),
            "unresolved": .int(Int64(counts.unresolved)), "inferred": .int(Int64(counts.inferred)),
            "reservations": .int(Int64(counts.reservations)),
            "gangs": .object(JSONObject(gangs.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.array($0.value.map(JSONValue.string))) })),
            "nodes": .object(JSONObject(byNode.sorted { $0.key < $1.key }.map { node, pods in
                (node, JSONValue.object(JSONObject(pods.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) })))
            })),
        ]
        return .json(JSONWriter.write(body, options: .prettyPrinted))
    }

    /// A one-line summary of what the pod asks for, for the debug endpoint.
    static func describe(_ f: PodFacts) -> String {
        if let e = f.requestError { return "invalid: \(e)" }
        var parts: [String] = []
        if let s = f.request.slices {
            parts.append("\(s.count) vGCU × \(s.cores)%" + (s.memoryMiB.map { " / \($0) MiB" } ?? ""))
        }
        for w in f.request.wholeDevices { parts.append("\(w.count) whole \(w.vendor ?? "any")") }
        parts.append("cpu \(f.request.cpuMilli)m")
        if let g = f.gang { parts.append("gang \(g) (min \(f.owner.gangMinMember))") }
        if let q = f.quota { parts.append("quota \(q)") }
        return parts.joined(separator: ", ")
    }
}
