// Node and device binpack/spread (Volcano binpack style): how full a node or the chosen devices would be
// after placing the pod. Binpack prefers fuller, spread emptier; both monotone in the resulting fill.

extension LedgerNode {
    /// Share of the node in use after placing `r`, averaged over the resources the pod asks for
    /// (CPU, memory, device cores); 0 for a pod that asks for nothing.
    public func utilizationAfter(_ r: CompiledRequest) -> Double { utilizationAfter(r, totals) }

    @inline(__always)
    func utilizationAfter(_ r: CompiledRequest, _ t: NodeTotals) -> Double {
        var sum = 0.0
        var n = 0
        if r.cpu > 0 && cpuCapacity > 0 {
            sum += Double(cpuUsed + r.cpu) / Double(cpuCapacity)
            n += 1
        }
        if r.memory > 0 && memoryCapacity > 0 {
            sum += Double(memoryUsed + r.memory) / Double(memoryCapacity)
            n += 1
        }
        let asked = r.wholeCount * 100 + r.sliceCount * Int(r.sliceCores)
        if asked > 0 && t.totalCores > 0 {
            sum += Double(t.usedCores + asked) / Double(t.totalCores)
            n += 1
        }
        return n == 0 ? 0 : min(1, max(0, sum / Double(n)))
    }

    /// Mean fill of the assigned devices after placement (a whole device is full), or nil without devices.
    @inline(__always)
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
