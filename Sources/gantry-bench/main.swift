// gantry-bench: Gantry's benchmarks, one subcommand per area. Build in release (`make bench`) and record
// results in docs/benchmarks.md with the command, the machine and the date.

import Foundation

let benchmarks: [String: (summary: String, options: String, run: ([String]) throws -> Void)] = [
    "devcluster": ("dev cluster: writes/s over HTTP, 20 watchers' events/s, RSS with 100k Pods, 1,000-node start",
                   "--only fleet|writes|watch|handler|memory --nodes N --connections N --seconds S --watchers N --events N --objects N --runs N",
                   DevClusterBenchmark.run),
    "extender": ("scheduler extender: filter/prioritize/bind latency, RSS with N nodes and P pods, pods/s through the shim "
                 + "(with the release gantry-scheduler-extender binary as its own process)",
                 "--nodes N --candidates K --pods P --iterations N --binds N --e2e-nodes N --e2e-pods N --profile --no-store --json",
                 ExtenderBenchmark.run),
    "http": ("small keep-alive requests/s against the in-process HTTP server (--serve N for wrk)",
             "--connections N --pipeline N --seconds S --runs N --event-loops N --streams N --events N --event-size B --idle-connections N --serve S --port P",
             HTTPBenchmark.run),
    "json": ("parse, write and decode to typed Pods ~2 KB watch events", "--events N --runs N --only NAME", JSONBenchmark.run),
    "packing": ("Alibaba GPU trace packing: unallocated GPU % vs the FGD paper's policies", "--help lists them", PackingBenchmark.run),
    "runtime": ("queue + dispatch per reconcile, watcher-fed store events/s, RSS of 10,000 cached Pods",
                "--part queue|store|memory|decode|overhead (repeatable) --runs N --keys N --events N --pods N --pingpongs N",
                RuntimeBenchmark.run),
    "scheduling": ("engine speed: filter+score over 5,000 nodes, 64-member gang, fair share over 1,000 queues",
                   "--runs N --dump (every decision, to compare two builds)", SchedulingBenchmark.run),
    "training": ("1,000 single-pod TrainingJobs on 200 nodes: pods after admission, controller RSS, reconcile p99",
                 "--jobs N --nodes N --controller PATH", TrainingBenchmark.run),
    "watch": ("client watch decoding of ~2 KB Pod events from a loopback server; idle client RSS",
              "--events N --runs N --mode dynamic|typed", WatchBenchmark.run),
]

let arguments = Array(CommandLine.arguments.dropFirst())
guard let name = arguments.first, let bench = benchmarks[name] else {
    var usage = "usage: gantry-bench <benchmark> [options]\n\nbenchmarks:\n"
    for (name, b) in benchmarks.sorted(by: { $0.key < $1.key }) { usage += "  \(name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(b.summary)\n" }
    FileHandle.standardError.write(Data(usage.utf8))
    exit(arguments.isEmpty || arguments.first == "--help" ? 0 : 2)
}
if arguments.dropFirst().contains("--help") && name != "packing" {
    print("gantry-bench \(name): \(bench.summary)\noptions: \(bench.options)")
    exit(0)
}
do {
    try bench.run(Array(arguments.dropFirst()))
} catch {
    FileHandle.standardError.write(Data("gantry-bench \(name): \(error)\n".utf8))
    exit(1)
}
