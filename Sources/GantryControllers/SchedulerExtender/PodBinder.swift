// Bind, the API half (DESIGN §5, §6.4): with the shares reserved in the ledger, write the allocation record
// (`gantry.dev/devices`, `gantry.dev/node`, `gantry.dev/bind-time`) in a merge patch guarded by the pod's
// resourceVersion, post `pods/binding`, then commit — or roll the ledger back on any failure, so nothing leaks.
// The record is written before the binding, so a bound pod always carries it and a restart rebuilds from it.

import Foundation
import GantryAPI
import KubeClient
import KubeCore
import KubeRuntime

public struct PodBinder: Sendable {
    let client: KubeClient
    let ledger: ClusterLedger
    let logger: Logger
    /// Conflicts retried with a fresh read before giving up (the pod's status changes while it is pending).
    let conflictRetries = 3

    public init(client: KubeClient, ledger: ClusterLedger, logger: Logger) {
        self.client = client
        self.ledger = ledger
        self.logger = logger
    }

    public struct Bound: Sendable, Equatable {
        public var node: String
        public var devices: String
    }

    /// Binds the pod (as last seen in the cache, `cached`, or read from the API server when the cache does not
    /// have it) to `args.node`.
    public func bind(_ args: ExtenderBindingArgs, cached: PodFacts?) async throws(BindError) -> Bound {
        let key = "\(args.podNamespace)/\(args.podName)"
        let pod: PodFacts
        if let cached, args.podUID.isEmpty || cached.uid == args.podUID {
            pod = cached
        } else {
            pod = PodFacts(try await read(args, key: key))
        }
        if !args.podUID.isEmpty, pod.uid != args.podUID {
            throw .uidMismatch(pod: key, expected: args.podUID, actual: pod.uid)
        }
        let ticket = try await ledger.reserve(pod, node: args.node)
        do {
            try await writeRecord(ticket, pod: pod, args: args, key: key)
            try await postBinding(args, key: key)
        } catch {
            await ledger.rollback(ticket)
            await removeRecord(args, ticket: ticket, key: key)
            throw error
        }
        await ledger.commit(ticket)
        return Bound(node: ticket.node, devices: ticket.devices)
    }

    private func read(_ args: ExtenderBindingArgs, key: String) async throws(BindError) -> Pod {
        do {
            return try await client.get(Pod.self, name: args.podName, namespace: args.podNamespace)
        } catch let e as KubeError where e.isNotFound {
            throw .podNotFound(key)
        } catch {
            throw .api(pod: key, "reading the pod: \(error)")
        }
    }

    /// The merge patch with the allocation record; its resourceVersion makes the API server refuse it (409) if the
    /// pod changed since it was read. On a conflict the pod is read again: still ours to bind, the patch is retried.
    private func writeRecord(_ ticket: BindTicket, pod: PodFacts, args: ExtenderBindingArgs, key: String) async throws(BindError) {
        var resourceVersion = pod.resourceVersion ?? ""
        for attempt in 0...conflictRetries {
            let patch: JSONValue = ["metadata": [
                "resourceVersion": .string(resourceVersion),
                "annotations": [
                    AnnotationKey.devices: .string(ticket.devices),
                    AnnotationKey.node: .string(ticket.node),
                    AnnotationKey.bindTime: .string(Time.now.rfc3339),
                ],
            ]]
            do {
                // Only whether it applied matters: the reply is read as metadata, not decoded into a whole Pod.
                _ = try await client.patch(PartialObjectMetadata<Pod>.self, name: args.podName, namespace: args.podNamespace, patch: .merge(patch))
                return
            } catch let e as KubeError where e.isConflict && attempt < conflictRetries {
                let current = try await read(args, key: key)
                resourceVersion = current.metadata.resourceVersion ?? ""
                if current.metadata.uid != ticket.podUID {
                    throw .uidMismatch(pod: key, expected: ticket.podUID, actual: current.metadata.uid ?? "")
                }
                if let node = current.spec?.nodeName, !node.isEmpty { throw .alreadyBound(pod: key, node: node) }
                logger.debug("pod changed before its allocation record was written; retrying", ["pod": key, "attempt": attempt + 1])
            } catch let e as KubeError where e.isNotFound {
                throw .podNotFound(key)
            } catch {
                throw .api(pod: key, "writing the allocation record: \(error)")
            }
        }
        throw .api(pod: key, "writing the allocation record: the pod kept changing (\(conflictRetries + 1) conflicts)")
    }

    private func postBinding(_ args: ExtenderBindingArgs, key: String) async throws(BindError) {
        do {
            try await client.bind(pod: args.podName, namespace: args.podNamespace, podUID: args.podUID.isEmpty ? nil : args.podUID,
                                  node: args.node)
        } catch let e as KubeError {
            // A binding whose reply was lost and is retried meets 409: fine if the pod is on our node.
            if e.isConflict, let pod = try? await client.get(Pod.self, name: args.podName, namespace: args.podNamespace),
               pod.spec?.nodeName == args.node {
                return
            }
            if e.isNotFound { throw .podNotFound(key) }
            throw .api(pod: key, "posting the binding: \(e)")
        } catch {
            throw .api(pod: key, "posting the binding: \(error)")
        }
    }

    /// Best effort after a failed bind: take our record off the pod unless it got bound anyway, so the pool
    /// controller does not count devices the pod never received. A record left behind on an unbound pod is
    /// harmless to the ledger, which only reads records of bound pods.
    private func removeRecord(_ args: ExtenderBindingArgs, ticket: BindTicket, key: String) async {
        guard let current = try? await client.get(Pod.self, name: args.podName, namespace: args.podNamespace),
              current.metadata.uid == ticket.podUID, (current.spec?.nodeName ?? "").isEmpty,
              current.metadata.annotations?[AnnotationKey.node] == ticket.node else { return }
        let patch: JSONValue = ["metadata": [
            "resourceVersion": .string(current.metadata.resourceVersion ?? ""),
            "annotations": [AnnotationKey.devices: nil, AnnotationKey.node: nil,
                            AnnotationKey.bindTime: nil],
        ]]
        do {
            _ = try await client.patch(PartialObjectMetadata<Pod>.self, name: current.metadata.name ?? "", namespace: current.metadata.namespace, patch: .merge(patch))
        } catch {
            logger.debug("could not remove the allocation record after a failed bind", ["pod": key, "error": error])
        }
    }
}
