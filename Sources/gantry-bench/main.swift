// gantry-bench: Gantry's benchmarks, one subcommand per area. Build in release (`make bench`) and record
// results in docs/benchmarks.md with the command, the machine and the date.

import Foundation

let benchmarks: [String: (summary: String, run: ([String]) throws -> Void)] = [
    "json": ("parse and write ~2 KB Pod watch events", JSONBenchmark.run),
    "packing": ("Alibaba GPU trace packing: unallocated GPU % vs the FGD paper", PackingBenchmark.run),
    "scheduling": ("engine speed: filter+score, gang planning, fair share", SchedulingBenchmark.run),
]

let arguments = Array(CommandLine.arguments.dropFirst())
guard let name = arguments.first, let bench = benchmarks[name] else {
    var usage = "usage: gantry-bench <benchmark> [options]\n\nbenchmarks:\n"
    for (name, b) in benchmarks.sorted(by: { $0.key < $1.key }) { usage += "  \(name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(b.summary)\n" }
    FileHandle.standardError.write(Data(usage.utf8))
    exit(arguments.isEmpty || arguments.first == "--help" ? 0 : 2)
}
do {
    try bench.run(Array(arguments.dropFirst()))
} catch {
    FileHandle.standardError.write(Data("gantry-bench \(name): \(error)\n".utf8))
    exit(1)
}
