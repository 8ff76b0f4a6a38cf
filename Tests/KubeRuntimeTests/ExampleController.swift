// Example: a whole controller — informers, an owned kind, finalizer, status, events, leader election, manager.

import KubeClient
import KubeCore
import KubeRuntime

func widgetManager(client: KubeClient, identity: String, production: Bool = true) async -> Manager {
    let log = Logger.fromEnvironment(label: "widget-controller")  // components are silent unless given a logger
    let widgets = Informer<Widget>(client: client, namespace: "default", logger: log)
    let configs = Informer<PartialObjectMetadata<ConfigMap>>(client: client, namespace: "default")  // owners only
    let events = EventRecorder(
        component: "widget-controller", instance: identity,
        sink: ClientEventSink(client: client), logger: log)
    let controller = Controller(name: "widgets", for: widgets, predicates: [.generationChanged], logger: log) { key in
        guard let widget = widgets.store.get(key) else { return .done }  // deleted: its ConfigMap is garbage-collected
        return try await client.withFinalizer("test.gantry.dev/cleanup", on: widget) { event in
            switch event {
            case .cleanup(let w):
                events.record(.normal, reason: "CleanedUp", message: "released \(w.name)", on: w)
                return .done
            case .apply(let w):
                let name = "\(w.name)-config"
                let data = ["size": String(w.spec?.size ?? 0)]
                do {
                    var current = try await client.get(ConfigMap.self, name: name, namespace: w.namespace)
                    if current.data != data {
                        current.data = data
                        _ = try await client.update(current)
                    }
                } catch let error as KubeError where error.isNotFound {
                    let owner = [w.controllerReference()]
                    _ = try await client.create(
                        ConfigMap(
                            metadata: ObjectMeta(
                                name: name, namespace: w.namespace,
                                ownerReferences: owner), data: data))
                    events.record(.normal, reason: "Created", message: "ConfigMap \(name)", on: w)
                }
                _ = try await client.updateStatus(w) { widget in
                    var status = widget.status ?? Widget.WidgetStatus()
                    status.observedSize = widget.spec?.size
                    status.observedGeneration = widget.metadata.generation
                    var conditions = status.conditions ?? []
                    conditions.set(
                        type: "Ready", status: .true, reason: "ConfigWritten",
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
    let manager = Manager(
        ManagerConfiguration(
            name: "widget-controller", leaderElection: (lease, LeaderElectionConfiguration(identity: identity)),
            exitOnLeadershipLoss: production, handleSignals: production, probes: .init(host: "127.0.0.1", port: 0)),
        logger: log)
    await manager.add(widgets)  // informers gate /readyz until synced
    await manager.add(configs)
    await manager.add(controller)  // runs only while this replica leads
    await manager.addRunnable(events)
    return manager
}
