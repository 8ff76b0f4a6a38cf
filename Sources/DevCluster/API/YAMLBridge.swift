// YAMLBridge: YAML request bodies and configuration files (server-side apply sends
// `application/apply-patch+yaml`; fleet files and KubeSchedulerConfiguration are YAML), read by KubeCore's YAML.

import KubeCore

enum YAMLBridge {
    static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        try YAML.decode(bytes)
    }
}
