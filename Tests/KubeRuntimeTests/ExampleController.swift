// Example: a complete controller on KubeRuntime — informers (one metadata-only), an owned kind, a finalizer,
// status with conditions, events, leader election, and the manager with probes and metrics.

import KubeClient
import KubeCore
import KubeRuntime

func widgetManager(client: KubeClient, identity: String, production: Bool = true) async -> Manager {
    let widgets = Informer<Widget>(client: client, namespace: "default")
    let configs = Informer<PartialObjectMetadata<ConfigMap>>(client: client, namespace: "default")  // owners only
    let events = EventRecorder(component: "widget-controller", instance: identity, sink: ClientEventSink(client: client))
    let controller = Controller(name: "widgets", for: widgets, predicates: [.generationChanged]) { key in
        guard let widget = widgets.store.get(key) else { return .done }  // deleted: its ConfigMap is garbage-collected
        return try await client.withFinalizer("test.gantry.dev/cleanup", on: widget) { event in
            switch event {
            case .cleanup(let w):
                events.record(.normal, reason: "CleanedUp", message: "released \(w.name)", on: w)
                return .done
            case .apply(let w):
                let size = w.spec?.size ?? 0
                let config = ConfigMap(metadata: ObjectMeta(name: "\(w.name)-config", namespace: w.namespace,
                                                            ownerReferences: [w.controllerReference()]),
                                       data: ["size": String(size)])
                do {
                    var current = try await client.get(ConfigMap.self, name: "\(w.name)-config", namespace: w.namespace)
                    if current.data != config.data {
                        current.data = config.data
                        _ = try await client.update(current)
                    }
                } catch let error as KubeError where error.isNotFound {
                    _ = try await client.create(config)
                    events.record(.normal, reason: "Created", message: "ConfigMap \(w.name)-config", on: w)
                }
                _ = try await client.updateStatus(w) { widget in
                    var status = widget.status ?? Widget.WidgetStatus()
                    status.observedSize = size
                    status.observedGeneration = widget.metadata.generation
                    var conditions = status.conditions ?? []
                    conditions.set(type: "Ready", status: .true, reason: "ConfigWritten",
                                   observedGeneration: widget.metadata.generation)
                    status.conditions = conditions
                    widget.status = status
                }
                return .requeue(after: .seconds(600))  // a periodic check, as kube-rs recommends
            }
        }
    }
    controller.owns(configs)
    let lease = ClientLeaseLock(client: client, namespace: "default", name: "widget-controller")
    let manager = Manager(ManagerConfiguration(
        name: "widget-controller", leaderElection: (lease, LeaderElectionConfiguration(identity: identity)),
        exitOnLeadershipLoss: production, handleSignals: production, probes: .init(host: "127.0.0.1", port: 0)))
    await manager.add(widgets)
    await manager.add(configs)
    await manager.add(controller)
    await manager.addRunnable(events)
    return manager
}
