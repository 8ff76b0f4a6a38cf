// Access to the repository's committed files (CRDs, examples, docs) from tests.

import Foundation
import KubeCore

enum Repository {
    /// The repository root: three levels above this file (Tests/GantryAPITests/Support).
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func text(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    static func files(in directory: String, suffix: String) throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(directory).path)
        return names.filter { $0.hasSuffix(suffix) }.sorted().map { "\(directory)/\($0)" }
    }

    /// The documents of a manifest file.
    static func documents(_ path: String) throws -> [JSONValue] {
        try Manifest.parse(try text(path))
    }
}

enum Manifest {
    /// Parses manifest text: every document, comments dropped.
    static func parse(_ text: String) throws -> [JSONValue] { try YAML.decodeAll(text) }
}
