// SchedulerConfiguration: the parts of a real `kubescheduler.config.k8s.io/v1` KubeSchedulerConfiguration the
// shim honours: profiles' scheduler names, back-off, percentageOfNodesToScore, and the extenders with the
// field names, defaults and validation rules of kube-scheduler (weight > 0 with a prioritize verb, one
// binder, no duplicate managed resources, enableHTTPS spelled exactly so).

import Foundation
import GantryAPI
import KubeCore

public struct ExtenderConfig: Sendable, Equatable {
    public var urlPrefix: String
    public var filterVerb = ""
    public var prioritizeVerb = ""
    public var bindVerb = ""
    public var preemptVerb = ""
    public var weight: Int64 = 0
    public var nodeCacheCapable = false
    /// Extended resources the extender manages; `ignoredByScheduler` ones are not checked by the shim's fit.
    public var managedResources: [(name: String, ignoredByScheduler: Bool)] = []
    public var ignorable = false
    /// Seconds; kube-scheduler's default is 5.
    public var httpTimeout: Double = 5

    public init(urlPrefix: String) { self.urlPrefix = urlPrefix }

    public static func == (a: ExtenderConfig, b: ExtenderConfig) -> Bool {
        a.urlPrefix == b.urlPrefix && a.filterVerb == b.filterVerb && a.prioritizeVerb == b.prioritizeVerb
            && a.bindVerb == b.bindVerb && a.preemptVerb == b.preemptVerb && a.weight == b.weight
            && a.nodeCacheCapable == b.nodeCacheCapable && a.ignorable == b.ignorable && a.httpTimeout == b.httpTimeout
            && a.managedResources.map(\.name) == b.managedResources.map(\.name)
            && a.managedResources.map(\.ignoredByScheduler) == b.managedResources.map(\.ignoredByScheduler)
    }

    /// `urlPrefix` without trailing slashes, plus "/" + verb, as extender.go builds it.
    public func url(_ verb: String) -> String {
        var prefix = urlPrefix
        while prefix.hasSuffix("/") { prefix.removeLast() }
        return prefix + "/" + verb
    }

    /// Whether the pod is sent to this extender: every pod when it manages nothing, else pods whose
    /// containers or init containers request or limit one of the managed resources.
    public func isInterested(in pod: JSONValue) -> Bool {
        if managedResources.isEmpty { return true }
        let names = Set(managedResources.map(\.name))
        let containers = (pod["spec"]?["containers"]?.arrayValue ?? []) + (pod["spec"]?["initContainers"]?.arrayValue ?? [])
        for c in containers {
            for section in ["requests", "limits"] {
                for key in c["resources"]?[section]?.objectValue?.keys ?? [] where names.contains(key) { return true }
            }
        }
        return false
    }
}

public struct SchedulerConfiguration: Sendable, Equatable {
    public var schedulerNames: [String] = ["default-scheduler"]
    public var extenders: [ExtenderConfig] = []
    public var podInitialBackoffSeconds: Double = 1
    public var podMaxBackoffSeconds: Double = 10
    public var percentageOfNodesToScore: Int = 0

    public init() {}

    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    /// Resources the shim's fit does not check (managed by an extender with ignoredByScheduler).
    public var ignoredResources: Set<String> {
        Set(extenders.flatMap { $0.managedResources.filter(\.ignoredByScheduler).map(\.name) })
    }

    public static func load(path: String) throws -> SchedulerConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else { throw Invalid(description: "cannot read \(path)") }
        return try parse(try DocumentReader.parse(Array(data)))
    }

    public static func parse(_ doc: JSONValue) throws -> SchedulerConfiguration {
        guard doc.objectValue != nil else { throw Invalid(description: "scheduler configuration must be an object") }
        if let kind = doc["kind"]?.stringValue, kind != "KubeSchedulerConfiguration" {
            throw Invalid(description: "kind must be KubeSchedulerConfiguration, got \(kind)")
        }
        if let v = doc["apiVersion"]?.stringValue, !v.hasPrefix("kubescheduler.config.k8s.io/") {
            throw Invalid(description: "apiVersion must be kubescheduler.config.k8s.io/v1, got \(v)")
        }
        var config = SchedulerConfiguration()
        if let profiles = doc["profiles"]?.arrayValue, !profiles.isEmpty {
            config.schedulerNames = profiles.map { $0["schedulerName"]?.stringValue ?? "default-scheduler" }
        }
        if let b = doc["podInitialBackoffSeconds"]?.doubleValue { config.podInitialBackoffSeconds = b }
        if let b = doc["podMaxBackoffSeconds"]?.doubleValue { config.podMaxBackoffSeconds = b }
        if let p = doc["percentageOfNodesToScore"]?.intValue { config.percentageOfNodesToScore = Int(p) }
        let known: Set<String> = ["urlPrefix", "filterVerb", "prioritizeVerb", "bindVerb", "preemptVerb", "weight",
                                  "nodeCacheCapable", "managedResources", "ignorable", "httpTimeout", "enableHTTPS", "tlsConfig"]
        var binders = 0
        var managed: Set<String> = []
        for (i, e) in (doc["extenders"]?.arrayValue ?? []).enumerated() {
            let path = "extenders[\(i)]"
            for key in e.objectValue?.keys ?? [] where !known.contains(key) {
                // The v1 decoder is strict: `enableHttps` (the old Policy spelling) is an error.
                throw Invalid(description: "\(path): unknown field \"\(key)\"")
            }
            guard let url = e["urlPrefix"]?.stringValue, !url.isEmpty else { throw Invalid(description: "\(path).urlPrefix: Required value") }
            var x = ExtenderConfig(urlPrefix: url)
            x.filterVerb = e["filterVerb"]?.stringValue ?? ""
            x.prioritizeVerb = e["prioritizeVerb"]?.stringValue ?? ""
            x.bindVerb = e["bindVerb"]?.stringValue ?? ""
            x.preemptVerb = e["preemptVerb"]?.stringValue ?? ""
            x.weight = e["weight"]?.intValue ?? 0
            x.nodeCacheCapable = e["nodeCacheCapable"]?.boolValue ?? false
            x.ignorable = e["ignorable"]?.boolValue ?? false
            if let t = e["httpTimeout"] {
                // metav1.Duration is a Go duration string ("2s"); a bare number is read as seconds.
                guard let s = t.stringValue.flatMap({ try? GoDuration.seconds($0) }) ?? t.doubleValue, s.isFinite, s >= 0 else {
                    throw Invalid(description: "\(path).httpTimeout: invalid duration \(t)")
                }
                if s > 0 { x.httpTimeout = s }
            }
            if e["enableHTTPS"]?.boolValue == true {
                throw Invalid(description: "\(path).enableHTTPS: the dev cluster's scheduler shim calls extenders over plain HTTP only")
            }
            for r in e["managedResources"]?.arrayValue ?? [] {
                guard let name = r["name"]?.stringValue, !name.isEmpty else {
                    throw Invalid(description: "\(path).managedResources: name is required")
                }
                if name.hasPrefix("kubernetes.io/") || !name.contains("/") {
                    throw Invalid(description: "\(path).managedResources[\(name)]: must be a valid extended resource name")
                }
                if !managed.insert(name).inserted {
                    throw Invalid(description: "\(path).managedResources[\(name)]: duplicate extender managed resource name")
                }
                x.managedResources.append((name, r["ignoredByScheduler"]?.boolValue ?? false))
            }
            if !x.prioritizeVerb.isEmpty && x.weight <= 0 {
                throw Invalid(description: "\(path).weight: Invalid value: \(x.weight): must have a positive weight applied to it")
            }
            if !x.bindVerb.isEmpty { binders += 1 }
            config.extenders.append(x)
        }
        if binders > 1 { throw Invalid(description: "extenders: Invalid value: only one extender can implement bind") }
        // Ignorable extenders go last, as kube-scheduler orders them.
        config.extenders = config.extenders.filter { !$0.ignorable } + config.extenders.filter(\.ignorable)
        return config
    }
}
