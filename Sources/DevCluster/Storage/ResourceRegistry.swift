// ResourceRegistry: the resources currently served, built-in and from established CRDs. Discovery lists
// it, routing resolves `/apis/<group>/<version>/<plural>` through it, and CRD writes change it.

import KubeCore
import Synchronization

public final class ResourceRegistry: Sendable {
    private struct State {
        var resources: [StorageKey: ResourceInfo] = [:]
        /// Registration order of groups, so discovery lists them stably (core groups first).
        var groupOrder: [String] = []
    }
    private let state = Mutex(State())

    public init() {
        for info in ResourceInfo.builtins { register(info) }
    }

    public func register(_ info: ResourceInfo) {
        state.withLock { s in
            s.resources[info.servingKey] = info
            if !s.groupOrder.contains(info.group) { s.groupOrder.append(info.group) }
        }
    }

    public func unregister(_ key: StorageKey) {
        state.withLock { s in
            s.resources[key] = nil
            if !s.resources.keys.contains(where: { $0.group == key.group }) { s.groupOrder.removeAll { $0 == key.group } }
        }
    }

    public func info(_ key: StorageKey) -> ResourceInfo? { state.withLock { $0.resources[key] } }

    /// The resource served at group/version under this plural, if that version is served.
    public func find(group: String, version: String, plural: String) -> ResourceInfo? {
        state.withLock { s in
            guard let info = s.resources[StorageKey(group: group, resource: plural)], info.versions.contains(version) else {
                return nil
            }
            return info
        }
    }

    /// The resource of a kind at an apiVersion ("v1", "gantry.dev/v1alpha1"), for owner references and bindings.
    public func find(apiVersion: String, kind: String) -> ResourceInfo? {
        let gvk = GroupVersionKind(apiVersion: apiVersion, kind: kind)
        return state.withLock { s in
            s.resources.values.first { $0.group == gvk.group && $0.kind == kind && $0.versions.contains(gvk.version) }
        }
    }

    public var all: [ResourceInfo] { state.withLock { s in Array(s.resources.values) } }

    /// Groups in registration order with their served versions, preferred first.
    public var groups: [(name: String, versions: [String])] {
        state.withLock { s in
            s.groupOrder.map { group in
                var versions: [String] = []
                for info in s.resources.values where info.group == group {
                    for v in info.versions where !versions.contains(v) { versions.append(v) }
                }
                return (group, versions.sorted { VersionPriority.compare($0, $1) })
            }
        }
    }

    public func resources(group: String, version: String) -> [ResourceInfo] {
        state.withLock { s in
            s.resources.values.filter { $0.group == group && $0.versions.contains(version) }.sorted { $0.plural < $1.plural }
        }
    }
}

/// Kubernetes version ordering: GA before beta before alpha, higher numbers first, others last alphabetically.
enum VersionPriority {
    static func parse(_ v: String) -> (major: Int, level: Int, minor: Int)? {
        guard v.hasPrefix("v") else { return nil }
        let rest = v.dropFirst()
        let digits = rest.prefix { $0.isNumber }
        guard let major = Int(digits) else { return nil }
        let tail = rest.dropFirst(digits.count)
        if tail.isEmpty { return (major, 3, 0) }
        for (name, level) in [("beta", 2), ("alpha", 1)] where tail.hasPrefix(name) {
            guard let minor = Int(tail.dropFirst(name.count)) else { return nil }
            return (major, level, minor)
        }
        return nil
    }

    /// True when `a` is preferred over `b`.
    static func compare(_ a: String, _ b: String) -> Bool {
        switch (parse(a), parse(b)) {
        case let (x?, y?):
            if x.level != y.level { return x.level > y.level }
            if x.major != y.major { return x.major > y.major }
            return x.minor > y.minor
        case (.some, nil): return true
        case (nil, .some): return false
        default: return a < b
        }
    }
}
