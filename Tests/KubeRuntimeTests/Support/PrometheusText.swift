// An independent parser of the Prometheus text format 0.0.4, used to check the registry's output: it
// rejects what a Prometheus server would (samples before their TYPE, duplicate HELP/TYPE, bad escapes,
// non-cumulative histogram buckets).

import Foundation

struct PrometheusText {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct ParseError: Error, CustomStringConvertible {
        var line: Int
        var message: String
        var description: String { "line \(line): \(message)" }
    }

    var help: [String: String] = [:]
    var types: [String: String] = [:]
    var samples: [Sample] = []

    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    func samples(named name: String) -> [Sample] { samples.filter { $0.name == name } }

    static func parse(_ text: String) throws -> PrometheusText {
        var out = PrometheusText()
        guard text.isEmpty || text.hasSuffix("\n") else { throw ParseError(line: 0, message: "no final newline") }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        for (i, raw) in lines.enumerated() {
            let line = String(raw)
            let n = i + 1
            if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") {
                let rest = line.dropFirst(7)
                guard let space = rest.firstIndex(of: " ") else { throw ParseError(line: n, message: "bad comment") }
                let name = String(rest[..<space])
                let body = String(rest[rest.index(after: space)...])
                if line.hasPrefix("# HELP ") {
                    guard out.help[name] == nil else { throw ParseError(line: n, message: "second HELP for \(name)") }
                    out.help[name] = try unescape(body, quotes: false, line: n)
                } else {
                    guard out.types[name] == nil else { throw ParseError(line: n, message: "second TYPE for \(name)") }
                    guard ["counter", "gauge", "histogram", "summary", "untyped"].contains(body) else {
                        throw ParseError(line: n, message: "bad type \(body)")
                    }
                    guard !out.samples.contains(where: { family(of: $0.name, types: [name: body]) == name }) else {
                        throw ParseError(line: n, message: "TYPE after samples of \(name)")
                    }
                    out.types[name] = body
                }
                continue
            }
            if line.hasPrefix("#") || line.isEmpty { continue }
            let sample = try parseSample(line, line: n)
            guard family(of: sample.name, types: out.types) != nil else {
                throw ParseError(line: n, message: "sample \(sample.name) has no TYPE")
            }
            out.samples.append(sample)
        }
        try out.checkHistograms()
        return out
    }

    /// The declared family a sample name belongs to (histograms own `_bucket`, `_sum`, `_count`).
    static func family(of name: String, types: [String: String]) -> String? {
        if types[name] != nil { return name }
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            let base = String(name.dropLast(suffix.count))
            if types[base] == "histogram" || types[base] == "summary" { return base }
        }
        return nil
    }

    static func parseSample(_ line: String, line n: Int) throws -> Sample {
        let chars = Array(line.unicodeScalars)
        var i = 0
        var name = ""
        while i < chars.count, chars[i] != "{", chars[i] != " " {
            name.unicodeScalars.append(chars[i])
            i += 1
        }
        guard !name.isEmpty else { throw ParseError(line: n, message: "no metric name") }
        var labels: [String: String] = [:]
        if i < chars.count, chars[i] == "{" {
            i += 1
            while i < chars.count, chars[i] != "}" {
                var key = ""
                while i < chars.count, chars[i] != "=" {
                    key.unicodeScalars.append(chars[i])
                    i += 1
                }
                guard i + 1 < chars.count, chars[i + 1] == "\"" else { throw ParseError(line: n, message: "label without quotes") }
                i += 2
                var raw = ""
                while i < chars.count, chars[i] != "\"" {
                    if chars[i] == "\\", i + 1 < chars.count {
                        raw.unicodeScalars.append(chars[i])
                        i += 1
                    }
                    raw.unicodeScalars.append(chars[i])
                    i += 1
                }
                guard i < chars.count else { throw ParseError(line: n, message: "unterminated label value") }
                i += 1
                guard labels[key] == nil else { throw ParseError(line: n, message: "duplicate label \(key)") }
                labels[key] = try unescape(raw, quotes: true, line: n)
                if i < chars.count, chars[i] == "," { i += 1 }
            }
            guard i < chars.count else { throw ParseError(line: n, message: "unterminated labels") }
            i += 1
        }
        guard i < chars.count, chars[i] == " " else { throw ParseError(line: n, message: "no value") }
        let valueText = String(String.UnicodeScalarView(chars[(i + 1)...])).split(separator: " ").first.map(String.init) ?? ""
        let value: Double
        switch valueText {
        case "+Inf": value = .infinity
        case "-Inf": value = -.infinity
        case "NaN": value = .nan
        default:
            guard let v = Double(valueText) else { throw ParseError(line: n, message: "bad value \(valueText)") }
            value = v
        }
        return Sample(name: name, labels: labels, value: value)
    }

    static func unescape(_ s: String, quotes: Bool, line n: Int) throws -> String {
        var out = ""
        var escaping = false
        for c in s.unicodeScalars {
            if escaping {
                switch c {
                case "\\": out += "\\"
                case "n": out += "\n"
                case "\"" where quotes: out += "\""
                default: throw ParseError(line: n, message: "bad escape \\\(c)")
                }
                escaping = false
            } else if c == "\\" {
                escaping = true
            } else {
                out.unicodeScalars.append(c)
            }
        }
        guard !escaping else { throw ParseError(line: n, message: "dangling backslash") }
        return out
    }

    func checkHistograms() throws {
        for (name, type) in types where type == "histogram" {
            var series: [[String: String]: [(Double, Double)]] = [:]
            for s in samples where s.name == name + "_bucket" {
                guard let le = s.labels["le"] else { throw ParseError(line: 0, message: "\(name) bucket without le") }
                var rest = s.labels
                rest["le"] = nil
                let bound = le == "+Inf" ? Double.infinity : Double(le) ?? .nan
                series[rest, default: []].append((bound, s.value))
            }
            for (labels, buckets) in series {
                let sorted = buckets.sorted { $0.0 < $1.0 }
                guard sorted.last?.0 == .infinity else { throw ParseError(line: 0, message: "\(name) has no +Inf bucket") }
                for (a, b) in zip(sorted, sorted.dropFirst()) where b.1 < a.1 {
                    throw ParseError(line: 0, message: "\(name) buckets not cumulative")
                }
                guard value(name + "_count", labels) == sorted.last?.1, value(name + "_sum", labels) != nil else {
                    throw ParseError(line: 0, message: "\(name) count does not match the +Inf bucket")
                }
            }
        }
    }
}
