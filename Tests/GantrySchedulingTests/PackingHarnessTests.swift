// The packing benchmark's harness on a tiny synthetic trace whose outcome is worked out by hand, so the
// replay, the metric and the BestFit baseline are checked without the real trace (that stays a benchmark).

import Foundation
import Testing
@testable import GantryScheduling
@testable import gantry_bench

struct PackingHarnessTests {
    // Two 1-GPU nodes: S with 4 cores, L with 64. Four sharing pods of half a GPU: X1, X2 need 2 cores, Y1, Y2
    // need 40. Demand = capacity exactly, so nothing is sampled and only the arrival order varies by seed.
    // BestFit sends every X to S (its free CPU after placement is smallest), Y1 to L and Y2 fails (24 cores
    // left): 1,500 of 2,000 milli-GPU allocated when arrivals reach 100 %, i.e. 25 % unallocated, any order.
    let nodes = [TraceNode(name: "S", cpuMilli: 4000, memoryMiB: 16_384, gpus: 1, model: "T4"),
                 TraceNode(name: "L", cpuMilli: 64_000, memoryMiB: 16_384, gpus: 1, model: "T4")]
    let pods = [TracePod(name: "x1", cpuMilli: 2000, memoryMiB: 1024, gpuCount: 1, gpuMilli: 500, models: []),
                TracePod(name: "x2", cpuMilli: 2000, memoryMiB: 1024, gpuCount: 1, gpuMilli: 500, models: []),
                TracePod(name: "y1", cpuMilli: 40_000, memoryMiB: 1024, gpuCount: 1, gpuMilli: 500, models: []),
                TracePod(name: "y2", cpuMilli: 40_000, memoryMiB: 1024, gpuCount: 1, gpuMilli: 500, models: [])]

    @Test(arguments: [UInt64(42), 43, 44, 45])
    func bestFitReproducesTheWorkedResult(seed: UInt64) {
        let r = PackingBenchmark.replay(trace: "tiny", pods: pods, nodes: nodes, policy: "bestfit", seed: seed, ratio: 1.0)
        #expect(abs(r.unallocatedAt100 - 25) < 1e-9)
        #expect(r.failedPods == 1 && r.violations == 0)
    }

    @Test func sequenceInflatesToTheTargetAndStopsBeforeCrossingIt() {
        let seq = TraceReplay.sequence(pods, capacityMilli: 2000, seed: 7, ratio: 1.3)
        // 2,000 of the trace, then 500-milli samples while they stay within 2,600: one more.
        #expect(seq.count == 5 && seq.reduce(0) { $0 + $1.demandMilli } == 2500)
        #expect(Set(seq.prefix(4).map(\.name)) == ["x1", "x2", "y1", "y2"])
        let thinned = TraceReplay.sequence(pods, capacityMilli: 2000, seed: 7, ratio: 0.5)
        #expect(thinned.reduce(0) { $0 + $1.demandMilli } <= 1000)
    }

    @Test func traceRowsMapToEngineRequests() {
        let share = TracePod(name: "p", cpuMilli: 6000, memoryMiB: 2048, gpuCount: 1, gpuMilli: 470, models: ["T4", "P100"])
        #expect(share.request.slices == SliceRequest(count: 1, cores: 47))
        #expect(share.request.allowedModels == ["T4", "P100"])
        #expect(share.request.memoryBytes == 2048 << 20)
        let multi = TracePod(name: "q", cpuMilli: 1000, memoryMiB: 0, gpuCount: 4, gpuMilli: 1000, models: [])
        #expect(multi.request.wholeDevices == [WholeDeviceRequest(count: 4)] && multi.request.allowedModels == nil)
        #expect(TracePod(name: "c", cpuMilli: 1000, memoryMiB: 0, gpuCount: 0, gpuMilli: 0, models: []).request.asksForDevices == false)
    }
}
