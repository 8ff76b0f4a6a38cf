// Device-level fit: does a request fit a node right now, on which devices exactly, and if not, why — with
// per-device counts a user can act on. The hot path allocates nothing; diagnosis runs only on failure.

/// How to choose among devices that all fit.
public struct DeviceChoice: Hashable, Sendable {
    public enum Order: String, Hashable, Sendable {
        /// Fullest fitting device first (keeps empty devices empty).
        case binpack
        /// Emptiest device first (spreads load and heat).
        case spread
    }

    public var order: Order
    /// Devices to use only when nothing else fits (e.g. between the soft and hard temperature).
    public var avoid: DeviceMask
    /// Effective temperature per device position; among equals the cooler one wins.
    public var heat: [Double]?

    public init(order: Order, avoid: DeviceMask = .empty, heat: [Double]? = nil) {
        self.order = order
        self.avoid = avoid
        self.heat = heat
    }

    public static let binpack = DeviceChoice(order: .binpack)
    public static let spread = DeviceChoice(order: .spread)
}

public enum FitResult: Hashable, Sendable {
    case fits(DeviceAssignment)
    case fails(FitFailure)

    public var assignment: DeviceAssignment? {
        if case .fits(let a) = self { return a }
        return nil
    }

    public var failure: FitFailure? {
        if case .fails(let f) = self { return f }
        return nil
    }
}

/// A request resolved against one ledger's interned names, so fit compares integers. Compile once per
/// decision; it stays valid while the ledger gains no new vendor, model or pool names. A class: the hot
/// loops pass one reference instead of copying a dozen fields per node.
public final class CompiledRequest: Sendable {
    public let request: PodRequest
    let sliceCount: Int
    let sliceCores: Int32
    let sliceMemory: Int32?
    /// -1 = any vendor, -2 = a vendor no device has.
    let sliceVendor: Int32
    let whole: [(vendor: Int32, count: Int)]
    let modelAllowed: [Bool]?
    let poolAllowed: [Bool]?
    let cpu: Int64
    let memory: Int64
    let wholeCount: Int

    init(request: PodRequest, sliceCount: Int, sliceCores: Int32, sliceMemory: Int32?, sliceVendor: Int32,
         whole: [(vendor: Int32, count: Int)], modelAllowed: [Bool]?, poolAllowed: [Bool]?, cpu: Int64, memory: Int64, wholeCount: Int) {
        self.request = request
        self.sliceCount = sliceCount
        self.sliceCores = sliceCores
        self.sliceMemory = sliceMemory
        self.sliceVendor = sliceVendor
        self.whole = whole
        self.modelAllowed = modelAllowed
        self.poolAllowed = poolAllowed
        self.cpu = cpu
        self.memory = memory
        self.wholeCount = wholeCount
    }
}

extension DeviceLedger {
    public func compile(_ request: PodRequest) -> CompiledRequest {
        func vendorCode(_ v: String?) -> Int32 {
            guard let v else { return -1 }
            return vendors.existing(v) ?? -2
        }
        var modelAllowed: [Bool]? = nil
        if let allowed = request.allowedModels {
            var m = [Bool](repeating: false, count: models.count)
            for name in allowed { if let c = models.existing(name) { m[Int(c)] = true } }
            modelAllowed = m
        }
        var poolAllowed: [Bool]? = nil
        if let allowed = request.allowedPools {
            var p = [Bool](repeating: false, count: pools.count)
            for name in allowed { if let c = pools.existing(name) { p[Int(c)] = true } }
            poolAllowed = p
        }
        return CompiledRequest(
            request: request,
            sliceCount: request.slices?.count ?? 0,
            sliceCores: Int32(clamping: request.slices?.cores ?? 0),
            sliceMemory: request.slices?.memoryMiB.map { Int32(clamping: $0) },
            sliceVendor: vendorCode(request.slices?.vendor),
            whole: request.wholeDevices.filter { $0.count > 0 }.map { (vendorCode($0.vendor), $0.count) },
            modelAllowed: modelAllowed, poolAllowed: poolAllowed,
            cpu: request.cpuMilli, memory: request.memoryBytes, wholeCount: request.wholeDeviceCount)
    }

    /// Fit on the node in `slot`; `blocked` devices (over the hard temperature) are never used.
    public func fit(_ r: CompiledRequest, slot: Int, blocked: DeviceMask = .empty, choice: DeviceChoice = .binpack) -> FitResult {
        guard slot >= 0 && slot < nodes.count else { return .fails(.unknownNode("#\(slot)")) }
        return nodes[slot].fit(r, blocked: blocked, choice: choice)
    }

    public func fit(_ request: PodRequest, node: String, choice: DeviceChoice = .binpack) -> FitResult {
        guard let slot = slot(of: node) else { return .fails(.unknownNode(node)) }
        return fit(compile(request), slot: slot, choice: choice)
    }

    /// The grants an assignment stands for on the node in `slot`.
    public func grants(for r: CompiledRequest, slot: Int, assignment: DeviceAssignment) -> [DeviceGrant] {
        nodes[slot].grants(for: r, assignment: assignment)
    }
}

extension LedgerNode {
    @inline(__always) func modelOK(_ r: CompiledRequest, _ d: LedgerDevice) -> Bool {
        guard let m = r.modelAllowed else { return true }
        let c = Int(d.model)
        return c < m.count && m[c]
    }

    @inline(__always) func vendorOK(_ want: Int32, _ d: LedgerDevice) -> Bool { want == -1 || want == d.vendor }

    /// Device memory one slice takes on `d`.
    @inline(__always) func sliceMemory(_ r: CompiledRequest, _ d: LedgerDevice) -> Int32 {
        if let m = r.sliceMemory { return m }
        return Int32(clamping: Int64(d.totalMemoryMiB) * Int64(r.sliceCores) / 100)
    }

    @inline(__always) public func canHostSlice(_ r: CompiledRequest, at i: Int) -> Bool {
        let d = devices[i]
        return d.healthy && !d.exclusive && d.slices < d.maxSlices && Int32(d.freeCores) >= r.sliceCores
            && vendorOK(r.sliceVendor, d) && modelOK(r, d) && Int32(clamping: d.freeMemoryMiB) >= sliceMemory(r, d)
    }

    @inline(__always) func canTakeWhole(_ r: CompiledRequest, vendor: Int32, at i: Int) -> Bool {
        let d = devices[i]
        return d.healthy && d.isIdle && vendorOK(vendor, d) && modelOK(r, d)
    }

    /// Node-level checks that need no device: cordon, pool, taints, CPU, memory, pod count.
    public func basicFailure(_ r: CompiledRequest) -> FitFailure? {
        if !active { return .unknownNode(name) }
        if !schedulable { return .cordoned }
        if let allowed = r.poolAllowed {
            let c = Int(poolCode)
            if c < 0 || c >= allowed.count || !allowed[c] { return .notInAllowedPool(pool: spec.pool) }
        }
        if hasTaints {
            for t in spec.taints where t.repels && !r.request.tolerations.contains(t.key) {
                return .untoleratedTaint(key: t.key)
            }
        }
        if cpuFree < r.cpu { return .insufficientCPU(freeMilli: cpuFree, requestedMilli: r.cpu, capacityMilli: cpuCapacity) }
        if memoryFree < r.memory {
            return .insufficientMemory(freeBytes: memoryFree, requestedBytes: r.memory, capacityBytes: memoryCapacity)
        }
        if podsFree < 1 { return .tooManyPods(capacity: maxPods) }
        return nil
    }

    /// `basicFailure(r) == nil` without building a reason: the filter's first check for every node.
    @inline(__always) func fitsBasics(_ r: CompiledRequest) -> Bool {
        guard active && schedulable else { return false }
        if let allowed = r.poolAllowed {
            let c = Int(poolCode)
            if c < 0 || c >= allowed.count || !allowed[c] { return false }
        }
        if hasTaints { return basicFailure(r) == nil }
        return cpuFree >= r.cpu && memoryFree >= r.memory && podsFree >= 1
    }

    /// `sliceCandidates(r, blocked:excluding:)` for the hot path: only devices in the cached `openMask`
    /// (healthy, not held whole, below their slice limit) are looked at.
    @inline(__always) func openSliceCandidates(_ r: CompiledRequest, skip: DeviceMask) -> DeviceMask {
        var m = DeviceMask()
        var rest = openMask.bits & ~skip.bits
        while rest != 0 {
            let i = rest.trailingZeroBitCount
            rest &= rest &- 1
            let d = devices[i]
            if Int32(d.freeCores) >= r.sliceCores && vendorOK(r.sliceVendor, d) && modelOK(r, d)
                && Int32(clamping: d.freeMemoryMiB) >= sliceMemory(r, d) {
                m.bits |= 1 << UInt64(i)
            }
        }
        return m
    }

    /// `pickWhole(r, blocked:choice:)` with `choice` = binpack / `avoid` / `heat`, for the hot path: the
    /// same devices, from the cached `idleMask`, or nil where `pickWhole` reports a failed part.
    @inline(__always) func pickWholeFast(_ r: CompiledRequest, blocked: DeviceMask, avoid: DeviceMask, heat: [Double]?) -> DeviceMask? {
        var taken = DeviceMask()
        for part in r.whole {
            var cand = DeviceMask(bits: idleMask.bits & ~blocked.bits & ~taken.bits)
            if part.vendor != -1 || r.modelAllowed != nil {
                var rest = cand.bits
                cand = DeviceMask()
                while rest != 0 {
                    let i = rest.trailingZeroBitCount
                    rest &= rest &- 1
                    if vendorOK(part.vendor, devices[i]) && modelOK(r, devices[i]) { cand.bits |= 1 << UInt64(i) }
                }
            }
            let n = cand.count
            if n < part.count { return nil }
            if n == part.count {
                taken = taken.union(cand)
            } else if heat == nil {
                // Every key is (avoid ? 1 : 0, 0, 0): `pick` takes the lowest positions outside `avoid`, then
                // the lowest inside it.
                let cool = Self.lowest(part.count, of: cand.bits & ~avoid.bits)
                let warm = Self.lowest(part.count - cool.nonzeroBitCount, of: cand.bits & avoid.bits)
                taken.bits |= cool | warm
            } else {
                taken = taken.union(pick(part.count, from: cand, choice: DeviceChoice(order: .binpack, avoid: avoid, heat: heat),
                                         key: { _ in 0 }))
            }
        }
        return taken
    }

    /// The `k` lowest set bits of `bits`.
    @inline(__always) static func lowest(_ k: Int, of bits: UInt64) -> UInt64 {
        var out: UInt64 = 0, rest = bits, n = 0
        while n < k && rest != 0 {
            out |= rest & (0 &- rest)
            rest &= rest &- 1
            n += 1
        }
        return out
    }

    /// Devices that could host one slice of the request, leaving out `blocked` and `excluding`.
    public func sliceCandidates(_ r: CompiledRequest, blocked: DeviceMask, excluding: DeviceMask = .empty) -> DeviceMask {
        var m = DeviceMask()
        let skip = blocked.union(excluding)
        for i in 0..<devices.count where !skip.contains(i) && canHostSlice(r, at: i) { m.insert(i) }
        return m
    }

    /// Whole-device picks for every whole part of the request, or the part that cannot be met.
    func pickWhole(_ r: CompiledRequest, blocked: DeviceMask, choice: DeviceChoice) -> (DeviceMask, failedPart: Int?) {
        var taken = DeviceMask()
        for (p, part) in r.whole.enumerated() {
            var cand = DeviceMask()
            for i in 0..<devices.count where !blocked.contains(i) && !taken.contains(i) && canTakeWhole(r, vendor: part.vendor, at: i) {
                cand.insert(i)
            }
            if cand.count < part.count { return (taken, p) }
            // Idle devices are interchangeable for capacity; prefer those not to avoid, then cooler, then lowest index.
            taken = taken.union(pick(part.count, from: cand, choice: choice, key: { _ in 0 }))
        }
        return (taken, nil)
    }

    /// Chooses `k` devices from `cand`: outside `choice.avoid` first, then by `key` (lower first), then cooler,
    /// then lower position — fully deterministic.
    func pick(_ k: Int, from cand: DeviceMask, choice: DeviceChoice, key: (Int) -> Int) -> DeviceMask {
        if cand.count <= k { return cand }
        var chosen = DeviceMask()
        for _ in 0..<k {
            var best = -1
            var bestKey = (1, Int.max, Double.infinity)
            for i in cand.subtracting(chosen) {
                let h = choice.heat.flatMap { i < $0.count ? $0[i] : nil } ?? 0
                let k = (choice.avoid.contains(i) ? 1 : 0, key(i), h)
                if best < 0 || k < bestKey { best = i; bestKey = k }
            }
            chosen.insert(best)
        }
        return chosen
    }

    public func fit(_ r: CompiledRequest, blocked: DeviceMask = .empty, choice: DeviceChoice = .binpack) -> FitResult {
        if let f = basicFailure(r) { return .fails(f) }
        if r.wholeCount == 0 && r.sliceCount == 0 { return .fits(.none) }
        var whole = DeviceMask()
        if r.wholeCount > 0 {
            let (taken, failed) = pickWhole(r, blocked: blocked, choice: choice)
            if let p = failed { return .fails(.devices(diagnoseWhole(r, part: p, blocked: blocked, taken: taken))) }
            whole = taken
        }
        var slices = DeviceMask()
        if r.sliceCount > 0 {
            let cand = sliceCandidates(r, blocked: blocked, excluding: whole)
            if cand.count < r.sliceCount { return .fails(.devices(diagnose(r, blocked: blocked, excluding: whole))) }
            switch choice.order {
            case .binpack: slices = pick(r.sliceCount, from: cand, choice: choice) { devices[$0].freeCores }
            case .spread: slices = pick(r.sliceCount, from: cand, choice: choice) { -devices[$0].freeCores }
            }
        }
        return .fits(DeviceAssignment(whole: whole, slices: slices))
    }

    /// Why the slice part does not fit: a tally over every device.
    public func diagnose(_ r: CompiledRequest, blocked: DeviceMask, excluding: DeviceMask) -> DeviceShortfall {
        let mem: Int? = r.sliceMemory.map(Int.init)
        var s = DeviceShortfall(kind: .slices(cores: Int(r.sliceCores), memoryMiB: mem), needed: r.sliceCount,
                                fitting: 0, total: spec.devices.count, fittingWhenEmpty: 0)
        for i in 0..<spec.devices.count {
            guard i < devices.count else { s.beyondLimit += 1; continue }
            let d = devices[i]
            let need = sliceMemory(r, d)
            let eligible = d.healthy && vendorOK(r.sliceVendor, d) && modelOK(r, d) && !blocked.contains(i) && !excluding.contains(i)
            if eligible && d.maxSlices >= 1 && d.totalCores >= r.sliceCores && d.totalMemoryMiB >= need { s.fittingWhenEmpty += 1 }
            if !d.healthy { s.unhealthy += 1 }
            else if !vendorOK(r.sliceVendor, d) { s.otherVendor += 1 }
            else if !modelOK(r, d) { s.modelNotAllowed += 1 }
            else if blocked.contains(i) { s.overheated += 1 }
            else if excluding.contains(i) { s.takenBySameRequest += 1 }
            else if d.exclusive { s.busy += 1 }
            else if d.slices >= d.maxSlices { s.atSliceLimit += 1 }
            else if Int32(d.freeCores) < r.sliceCores { s.lowCores += 1 }
            else if Int32(clamping: d.freeMemoryMiB) < need { s.lowMemory += 1 }
            else { s.fitting += 1 }
        }
        return s
    }

    func diagnoseWhole(_ r: CompiledRequest, part: Int, blocked: DeviceMask, taken: DeviceMask) -> DeviceShortfall {
        let want = r.whole[part]
        let vendorName = r.request.wholeDevices.filter { $0.count > 0 }[part].vendor
        var s = DeviceShortfall(kind: .whole(vendor: vendorName), needed: want.count, fitting: 0,
                                total: spec.devices.count, fittingWhenEmpty: 0)
        for i in 0..<spec.devices.count {
            guard i < devices.count else { s.beyondLimit += 1; continue }
            let d = devices[i]
            if d.healthy && vendorOK(want.vendor, d) && modelOK(r, d) && !blocked.contains(i) && !taken.contains(i) {
                s.fittingWhenEmpty += 1
            }
            if !d.healthy { s.unhealthy += 1 }
            else if !vendorOK(want.vendor, d) { s.otherVendor += 1 }
            else if !modelOK(r, d) { s.modelNotAllowed += 1 }
            else if blocked.contains(i) { s.overheated += 1 }
            else if taken.contains(i) { s.takenBySameRequest += 1 }
            else if !d.isIdle { s.busy += 1 }
            else { s.fitting += 1 }
        }
        return s
    }

    /// Validates a caller-supplied assignment against the request and the free state.
    func check(_ r: CompiledRequest, assignment a: DeviceAssignment) throws(LedgerError) {
        if let f = basicFailure(r) { throw .doesNotFit(node: name, f) }
        if !a.whole.intersection(a.slices).isEmpty { throw .assignmentMismatch("a device is both whole and sliced") }
        for i in a.devices where i >= devices.count { throw .assignmentMismatch("device position \(i) does not exist") }
        if a.slices.count != r.sliceCount {
            throw .assignmentMismatch("\(a.slices.count) slice devices for \(r.sliceCount) slices")
        }
        if a.whole.count != r.wholeCount {
            throw .assignmentMismatch("\(a.whole.count) whole devices for \(r.wholeCount) requested")
        }
        // Whole devices: every one idle and usable, and the vendor counts match the request's parts.
        var remaining = a.whole
        for part in r.whole {
            var n = 0
            for i in remaining where n < part.count && canTakeWhole(r, vendor: part.vendor, at: i) {
                remaining.remove(i)
                n += 1
            }
            if n < part.count {
                throw .doesNotFit(node: spec.name, .devices(diagnoseWhole(r, part: r.whole.firstIndex { $0 == part } ?? 0,
                                                                           blocked: .empty, taken: .empty)))
            }
        }
        for i in a.slices where !canHostSlice(r, at: i) {
            throw .doesNotFit(node: spec.name, .devices(diagnose(r, blocked: .empty, excluding: a.whole)))
        }
    }

    func grants(for r: CompiledRequest, assignment a: DeviceAssignment) -> [DeviceGrant] {
        var out: [DeviceGrant] = []
        out.reserveCapacity(a.devices.count)
        for i in a.devices {
            let d = devices[i]
            let id = spec.devices[i].id
            if a.whole.contains(i) {
                out.append(DeviceGrant(deviceID: id, cores: Int(d.totalCores), memoryMiB: Int(d.totalMemoryMiB), whole: true))
            } else {
                out.append(DeviceGrant(deviceID: id, cores: Int(r.sliceCores), memoryMiB: Int(sliceMemory(r, d))))
            }
        }
        return out
    }
}
