// gantry-scheduler-extender: the HTTP webhook kube-scheduler calls (filter, prioritize, bind, preempt). Parses
// flags and environment, builds the service, serves verbs, probes and metrics on one port until SIGTERM.

import Foundation
import GantryControllers
import HTTPServer
import KubeClient
import KubeRuntime

let configuration: ExtenderConfiguration
do {
    configuration = try ExtenderConfiguration.parse(arguments: Array(CommandLine.arguments.dropFirst()))
} catch {
    let text = "\(error)"
    let isHelp = text == ExtenderConfiguration.usage
    FileHandle.standardError.write(Data((isHelp ? text : "gantry-scheduler-extender: \(text)\n\n\(ExtenderConfiguration.usage)") .utf8 + [10]))
    exit(isHelp ? 0 : 2)
}

let logger = Logger(label: "gantry-scheduler-extender", level: configuration.logLevel, format: configuration.logFormat)
do {
    let client = try KubeClient(configuration: try ClientConfiguration.load(explicitPath: configuration.kubeconfig,
                                                                           context: configuration.context))
    // Probes and metrics share the extender's port: one Service port, one containerPort.
    let manager = Manager(ManagerConfiguration(name: "gantry-scheduler-extender", probes: nil), logger: logger)
    let service = ExtenderService(client: client, configuration: configuration, registry: manager.metrics, logger: logger)
    await service.register(with: manager)
    let server = try service.makeServer(fallback: manager.httpHandler)
    await manager.addRunnable(ClosureRunnable(name: "extender-http") { try await server.run() })
    logger.info("serving", ["address": "\(configuration.host):\(server.port)", "verbs": "\(configuration.pathPrefix)/{filter,prioritize,bind,preempt}"])
    exit(await manager.runUntilStopped())
} catch {
    logger.error("cannot start", ["error": error])
    exit(1)
}
