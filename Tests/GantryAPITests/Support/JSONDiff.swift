// Where two JSON values differ, for readable test failures.

import KubeCore

enum JSONDiff {
    /// Paths at which `a` and `b` differ, with both values.
    static func differences(_ a: JSONValue?, _ b: JSONValue?, path: String = "") -> [String] {
        switch (a, b) {
        case (.object(let x)?, .object(let y)?):
            let keys = x.keys + y.keys.filter { !x.contains($0) }
            return keys.flatMap { differences(x[$0], y[$0], path: path + "." + $0) }
        case (.array(let x)?, .array(let y)?) where x.count == y.count:
            return x.indices.flatMap { differences(x[$0], y[$0], path: "\(path)[\($0)]") }
        default:
            return a == b ? [] : ["\(path): \(a.map(\.description) ?? "absent") != \(b.map(\.description) ?? "absent")"]
        }
    }
}
