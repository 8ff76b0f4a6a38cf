// The shipped configuration: Manifests/scheduler-config.yaml as the dev cluster's shim (which validates like
// kube-scheduler) reads it, the real-cluster manifests declaring the same extender with least-privilege RBAC,
// and the extender's own flags and environment.

import Foundation
import GantryAPI
import GantryScheduling
import KubeCore
import KubeRuntime
import Testing

@testable import DevCluster
@testable import GantryControllers

struct ExtenderConfigurationTests {
    @Test func schedulerConfigDeclaresTheExtenderAsTheShimReadsIt() throws {
        let config = try SchedulerConfiguration.load(path: ExtenderHarness.manifest("scheduler-config.yaml"))
        try #require(config.extenders.count == 1)
        let e = config.extenders[0]
        #expect(e.url("filter") == "http://127.0.0.1:8888/gantry/filter")
        #expect([e.filterVerb, e.prioritizeVerb, e.bindVerb, e.preemptVerb] == ["filter", "prioritize", "bind", "preempt"])
        #expect(e.nodeCacheCapable)
        #expect(!e.ignorable)
        #expect(e.weight > 0)
        #expect(e.httpTimeout == 5)
        let managed = Dictionary(uniqueKeysWithValues: e.managedResources.map { ($0.name, $0.ignoredByScheduler) })
        #expect(Set(managed.keys) == Set(ResourceName.extenderManaged))
        for name in [ResourceName.vgcu, ResourceName.vgcuCores, ResourceName.vgcuMemory] { #expect(managed[name] == true) }
        #expect(config.ignoredResources == [ResourceName.vgcu, ResourceName.vgcuCores, ResourceName.vgcuMemory])
        #expect(config.schedulerNames.contains("default-scheduler") && config.schedulerNames.contains("gantry-scheduler"))
    }

    @Test func clusterManifestsCarryTheSameExtenderAndLeastPrivilege() throws {
        let text = try String(contentsOfFile: ExtenderHarness.manifest("scheduler-extender.yaml"), encoding: .utf8)
        let docs = try YAML.decodeAll(text)
        func doc(_ kind: String, _ name: String) -> JSONValue? {
            docs.first { $0["kind"]?.stringValue == kind && $0["metadata"]?["name"]?.stringValue == name }
        }
        // The ConfigMap's KubeSchedulerConfiguration declares the same extender as scheduler-config.yaml.
        let embedded = try #require(doc("ConfigMap", "gantry-scheduler-config")?["data"]?["scheduler-config.yaml"]?.stringValue)
        let inCluster = try SchedulerConfiguration.parse(try YAML.decode(embedded))
        let devCluster = try SchedulerConfiguration.load(path: ExtenderHarness.manifest("scheduler-config.yaml"))
        #expect(inCluster.extenders == devCluster.extenders)
        #expect(inCluster.schedulerNames == ["gantry-scheduler"])
        // The extender's ClusterRole: reads, plus exactly pods patch and pods/binding create as writes.
        let rules = try #require(doc("ClusterRole", "gantry-scheduler-extender")?["rules"]?.arrayValue)
        var writes: [String] = []
        for r in rules {
            for resource in r["resources"]?.arrayValue?.compactMap(\.stringValue) ?? [] {
                for verb in r["verbs"]?.arrayValue?.compactMap(\.stringValue) ?? [] where !["get", "list", "watch"].contains(verb) {
                    writes.append("\(verb) \(resource)")
                }
            }
        }
        #expect(writes.sorted() == ["create pods/binding", "patch pods"])
        let reads = rules.flatMap { $0["resources"]?.arrayValue?.compactMap(\.stringValue) ?? [] }
        for r in ["nodes", "pods", "deviceslices", "resourcepools", "quotas"] { #expect(reads.contains(r)) }
        // The Deployment runs kube-scheduler with that config and the extender beside it, probed on its probe port.
        let deployment = try #require(doc("Deployment", "gantry-scheduler"))
        let containers = deployment["spec"]?["template"]?["spec"]?["containers"]?.arrayValue ?? []
        #expect(containers.compactMap { $0["name"]?.stringValue } == ["kube-scheduler", "extender"])
        let extender = containers.first { $0["name"] == "extender" }
        let args = extender?["args"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let parsed = try ExtenderConfiguration.parse(arguments: args, environment: [:])
        #expect(parsed.port == 8888 && parsed.pathPrefix == "/gantry" && parsed.host == "127.0.0.1")
        #expect(extender?["readinessProbe"]?["httpGet"]?["path"] == "/readyz")
        #expect(doc("Service", "gantry-scheduler-extender") != nil)
        #expect(deployment["spec"]?["template"]?["spec"]?["serviceAccountName"] == "gantry-scheduler")
    }

    @Test func flagsOverrideEnvironmentAndBadValuesAreErrors() throws {
        let c = try ExtenderConfiguration.parse(
            arguments: ["--port", "9999", "--reservation-ttl=90s", "--path-prefix", "ext/", "--score-weights", "node-spread=2,thermal-headroom=1"],
            environment: ["GANTRY_EXTENDER_PORT": "7000", "GANTRY_THERMAL_STALE_AFTER": "1m30s", "GANTRY_LOG_LEVEL": "debug",
                          "GANTRY_EXTENDER_PROBE_PORT": "0"])
        #expect(c.port == 9999)
        #expect(c.probePort == 0)
        #expect(c.reservationTTL == 90)
        #expect(c.thermalStaleAfter == 90)
        #expect(c.pathPrefix == "/ext")
        #expect(c.logLevel == .debug)
        #expect(c.defaultProfile == ScoringProfile([.nodeSpread: 2, .thermalHeadroom: 1]))
        for bad in [["--port", "70000"], ["--reservation-ttl", "soon"], ["--bogus", "1"], ["--port"], ["--log-level", "loud"],
                    ["--score-weights", "speed=1"], ["--score-weights", "fragmentation=0"], ["stray"]] {
            #expect(throws: ExtenderConfiguration.Invalid.self, "\(bad)") { try ExtenderConfiguration.parse(arguments: bad, environment: [:]) }
        }
    }
}
