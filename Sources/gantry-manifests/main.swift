// gantry-manifests: writes the generated CRDs (CRDs/<plural>.gantry.dev.yaml) and docs/api.md from the
// Swift schema descriptions in GantryAPI. `make manifests` runs it from the repository root; `--check`
// only reports files that differ (exit status 1), for CI.

import Foundation
import GantryAPI

var root = FileManager.default.currentDirectoryPath
var check = false
var args = CommandLine.arguments.dropFirst()
while let arg = args.popFirst() {
    switch arg {
    case "--root":
        guard let value = args.popFirst() else {
            FileHandle.standardError.write(Data("gantry-manifests: --root needs a directory\n".utf8))
            exit(2)
        }
        root = value
    case "--check":
        check = true
    case "-h", "--help":
        print("usage: gantry-manifests [--root <repository>] [--check]")
        exit(0)
    default:
        FileHandle.standardError.write(Data("gantry-manifests: unknown argument \(arg)\n".utf8))
        exit(2)
    }
}

do {
    var stale: [String] = []
    for (path, contents) in try CRDGenerator.files() {
        let url = URL(fileURLWithPath: root).appendingPathComponent(path)
        let current = try? String(contentsOf: url, encoding: .utf8)
        if current == contents { continue }
        stale.append(path)
        if !check {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try contents.write(to: url, atomically: true, encoding: .utf8)
        }
    }
    for path in stale { print(check ? "out of date: \(path)" : "wrote \(path)") }
    if check && !stale.isEmpty {
        print("run `make manifests` and commit the result")
        exit(1)
    }
} catch {
    FileHandle.standardError.write(Data("gantry-manifests: \(error)\n".utf8))
    exit(1)
}
