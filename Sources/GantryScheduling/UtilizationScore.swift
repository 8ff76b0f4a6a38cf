// Node and device binpack/spread (Volcano binpack style): how full a node or the chosen devices would be
// after placing the pod. Binpack prefers fuller, spread emptier; both monotone in the resulting fill.

extension LedgerNode {
    /// Share of the node in use after placing `r`, averaged over the resources the pod asks for
    /// (CPU, memory, device cores); 0 for a pod that asks for nothing.
    public func utilizationAfter(_ r: CompiledRequest) -> Double {
        var sum = 0.0
        var n = 0
        if r.cpu > 0 && spec.cpuMilli > 0 {
            sum += Double(cpuUsed + r.cpu) / Double(spec.cpuMilli)
            n += 1
        }
        if r.memory > 0 && spec.memoryBytes > 0 {
            sum += Double(memoryUsed + r.memory) / Double(spec.memoryBytes)
            n += 1
        }
        let asked = r.wholeCount * 100 + r.sliceCount * Int(r.sliceCores)
        if asked > 0 {
            var total = 0
            var used = 0
            for d in devices where d.healthy {
                total += Int(d.totalCores)
                used += Int(d.usedCores)
            }
            if total > 0 {
                sum += Double(used + asked) / Double(total)
                n += 1
            }
        }
        return n == 0 ? 0 : min(1, max(0, sum / Double(n)))
    }

    /// Mean fill of the assigned devices after placement (a whole device is full), or nil without devices.
    public func deviceFillAfter(_ r: CompiledRequest, _ a: DeviceAssignment) -> Double? {
        var sum = 0.0
        var n = 0
        for i in a.whole where i < devices.count {
            sum += 1
            n += 1
        }
        for i in a.slices where i < devices.count { sum += sliceFillAfter(r, at: i); n += 1 }
        return n == 0 ? nil : sum / Double(n)
    }

    @inline(__always) func sliceFillAfter(_ r: CompiledRequest, at i: Int) -> Double {
        let d = devices[i]
        guard d.totalCores > 0 else { return 1 }
        return min(1, Double(Int(d.usedCores) + Int(r.sliceCores)) / Double(d.totalCores))
    }
}
