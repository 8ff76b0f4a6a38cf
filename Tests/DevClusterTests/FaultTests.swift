// Every fault mode, by configuration and at run time through /devcluster/faults, and reproducibility of
// a seeded fault sequence.

import Foundation
import HTTPServer
import KubeCore
import Testing

@testable import DevCluster

struct FaultTests {
    let cm = "/api/v1/namespaces/default/configmaps"

    @Test func failingShareGets500() async {
        var f = FaultConfig()
        f.errorRate = 1
        let c = TestCluster(faults: f)
        let r = await c.get(cm)
        #expect(r.status == 500)
        #expect(r.reason == "InternalError")
        // The simulators' own requests are never failed.
        let internalReply = await c.server.handle(HTTPRequest(method: .get, target: cm), bypassFaults: true)
        #expect(internalReply.status == 200)
    }

    @Test func throttlingGets429WithRetryAfter() async {
        var f = FaultConfig()
        f.throttleRate = 1
        let c = TestCluster(faults: f)
        let r = await c.get(cm)
        #expect(r.status == 429)
        #expect(r.headers["Retry-After"] == "1")
        #expect(r["details", "retryAfterSeconds"] == 1)
    }

    @Test func injectedConflictsOnlyHitWrites() async {
        var f = FaultConfig()
        f.conflictRate = 1
        let c = TestCluster(faults: f)
        #expect(await c.post(cm, TestCluster.configMap("a")).status == 201)
        #expect(await c.get("\(cm)/a").status == 200)
        let r = await c.patch("\(cm)/a", ["data": ["k": "2"]])
        #expect(r.status == 409 && r.reason == "Conflict")
        #expect(c.server.faults.counts["conflict"] == 1)
    }

    @Test func latencyDelaysButServes() async {
        var f = FaultConfig()
        f.latency = 0.01
        let c = TestCluster(faults: f)
        #expect(await c.get(cm).status == 200)
    }

    @Test func seededSequencesRepeat() async {
        func run() async -> [Int] {
            var f = FaultConfig()
            f.seed = 42
            f.errorRate = 0.5
            let c = TestCluster(faults: f)
            var codes: [Int] = []
            for _ in 0..<32 { codes.append(await c.get(cm).status) }
            return codes
        }
        let a = await run()
        let b = await run()
        #expect(a == b)
        #expect(a.contains(500) && a.contains(200))
    }

    @Test func droppedWatchesEnd() async {
        let c = TestCluster()
        let w = await c.watch("\(cm)?watch=1")
        c.server.dropWatches()
        #expect(await w.ended())
        var f = FaultConfig()
        f.watchDropRate = 1
        c.server.faults.configure(f)
        let w2 = await c.watch("\(cm)?watch=1")
        #expect(await w2.ended())
        #expect(c.server.faults.counts["watchDrop"] == 1)
    }

    @Test func expiringVersionsMakesResumes410() async {
        let c = TestCluster()
        let rv = await c.get(cm).rv
        await c.post(cm, TestCluster.configMap("a"))
        c.server.expireResourceVersions()
        let w = await c.watch("\(cm)?watch=1&resourceVersion=\(rv)")
        #expect(await w.next()?["object"]?["code"] == 410)
        // A fresh list and a watch from its version work again.
        let fresh = await c.get(cm).rv
        let w2 = await c.watch("\(cm)?watch=1&resourceVersion=\(fresh)")
        await c.post(cm, TestCluster.configMap("b"))
        #expect(await w2.next()?["type"] == "ADDED")
        w2.cancel()
    }

    @Test func restartKeepsStateDropsWatchesAndRefusesBriefly() async {
        let c = TestCluster()
        await c.post(cm, TestCluster.configMap("a"))
        let w = await c.watch("\(cm)?watch=1")
        c.server.restart(downtime: 1)
        #expect(await c.get(cm).status == 503)
        #expect(await w.ended())
        #expect(await eventually { await c.get(cm).status == 200 })
        #expect(await c.get(cm).names == ["a"])
    }

    @Test func periodicFaultsFire() async {
        let c = TestCluster()
        let rv = await c.get(cm).rv
        await c.post(cm, TestCluster.configMap("a"))
        let w = await c.watch("\(cm)?watch=1")
        #expect(await c.request(.patch, "/devcluster/faults", ["dropWatchesEvery": 0.1, "expireEvery": 0.1]).status == 200)
        #expect(await w.ended())
        #expect(await eventually { (c.server.faults.counts["expire"] ?? 0) >= 1 })
        let resumed = await c.watch("\(cm)?watch=1&resourceVersion=\(rv)")
        #expect(await resumed.next()?["object"]?["code"] == 410)
        #expect(await c.request(.patch, "/devcluster/faults", ["expireEvery": 0.01]).status == 400)
        c.server.faults.configure(FaultConfig())
    }

    @Test func runtimeControlEndpoint() async {
        let c = TestCluster()
        let set = await c.request(.put, "/devcluster/faults", ["errorRate": 1, "seed": 7])
        #expect(set.status == 200)
        #expect(await c.get(cm).status == 500)
        let shown = await c.get("/devcluster/faults")
        #expect(shown["errorRate"] == 1)
        #expect(shown["counts"]?["error"] == 1)
        #expect(await c.request(.patch, "/devcluster/faults", ["errorRate": 0]).status == 200)
        #expect(await c.get(cm).status == 200)
        #expect(await c.request(.put, "/devcluster/faults", ["errorRate": 2]).status == 400)
        #expect(await c.request(.put, "/devcluster/faults", ["bogus": 1]).status == 400)
        #expect(await c.request(.post, "/devcluster/faults?action=expire").status == 200)
        #expect(await c.request(.post, "/devcluster/faults?action=nothing").status == 400)
    }
}
