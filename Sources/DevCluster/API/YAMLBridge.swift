// YAMLBridge: YAML request bodies (server-side apply sends `application/apply-patch+yaml`). kubectl and
// helm send JSON, which is YAML too and is parsed as JSON first; real YAML needs KubeCore's YAML reader.

import KubeCore

enum YAMLBridge {
    struct Unsupported: Error, CustomStringConvertible {
        var description: String { "YAML request bodies are not supported yet; send JSON" }
    }

    static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        throw Unsupported()
    }
}
