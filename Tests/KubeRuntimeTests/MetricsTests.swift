// Metrics registry: exposition parsed back by an independent parser (escaping, HELP/TYPE, histograms).

import Foundation
import Testing
@testable import KubeRuntime

struct MetricsTests {
    @Test func countersGaugesAndHistogramsRoundTripThroughTheTextFormat() throws {
        let registry = MetricsRegistry()
        let requests = registry.counter("http_requests_total", help: "Requests.\nBy code \\ path.", labels: ["code", "path"])
        requests.labels("200", "/a").inc()
        requests.labels("200", "/a").inc(by: 2)
        requests.labels("500", "quote\"back\\slash\nnewline").inc()
        let temperature = registry.gauge("chip_temperature_celsius", help: "Temperature.")
        temperature.labels().set(71.5)
        temperature.labels().dec(by: 0.5)
        let latency = registry.histogram("latency_seconds", help: "Latency.", labels: ["op"], buckets: [0.1, 1, 0.5])
        for v in [0.05, 0.1, 0.3, 0.7, 2.0] { latency.labels("get").observe(v) }

        let text = registry.exposition()
        let parsed = try PrometheusText.parse(text)
        #expect(parsed.types["http_requests_total"] == "counter")
        #expect(parsed.types["chip_temperature_celsius"] == "gauge")
        #expect(parsed.types["latency_seconds"] == "histogram")
        #expect(parsed.help["http_requests_total"] == "Requests.\nBy code \\ path.")
        #expect(parsed.value("http_requests_total", ["code": "200", "path": "/a"]) == 3)
        #expect(parsed.value("http_requests_total", ["code": "500", "path": "quote\"back\\slash\nnewline"]) == 1)
        #expect(parsed.value("chip_temperature_celsius") == 71)
        // Buckets are cumulative and sorted; an observation equal to a bound falls into it.
        #expect(parsed.value("latency_seconds_bucket", ["op": "get", "le": "0.1"]) == 2)
        #expect(parsed.value("latency_seconds_bucket", ["op": "get", "le": "0.5"]) == 3)
        #expect(parsed.value("latency_seconds_bucket", ["op": "get", "le": "1"]) == 4)
        #expect(parsed.value("latency_seconds_bucket", ["op": "get", "le": "+Inf"]) == 5)
        #expect(parsed.value("latency_seconds_count", ["op": "get"]) == 5)
        #expect(abs((parsed.value("latency_seconds_sum", ["op": "get"]) ?? 0) - 3.15) < 1e-9)
        // One physical line per sample: the newline in the label value is escaped.
        #expect(text.split(separator: "\n").filter { $0.hasPrefix("http_requests_total") }.count == 2)
    }

    @Test func registeringTheSameFamilyTwiceSharesIt() throws {
        let registry = MetricsRegistry()
        registry.counter("reconciles_total", help: "x", labels: ["controller"]).labels("a").inc()
        registry.counter("reconciles_total", help: "x", labels: ["controller"]).labels("a").inc()
        let parsed = try PrometheusText.parse(registry.exposition())
        #expect(parsed.value("reconciles_total", ["controller": "a"]) == 2)
        #expect(parsed.samples(named: "reconciles_total").count == 1)
    }

    @Test func specialValuesAreSpelledAsPrometheusExpects() throws {
        let registry = MetricsRegistry()
        let g = registry.gauge("g", help: "g", labels: ["k"])
        g.labels("inf").set(.infinity)
        g.labels("ninf").set(-.infinity)
        g.labels("nan").set(.nan)
        g.labels("small").set(1e-9)
        let text = registry.exposition()
        #expect(text.contains("g{k=\"inf\"} +Inf\n"))
        #expect(text.contains("g{k=\"ninf\"} -Inf\n"))
        #expect(text.contains("g{k=\"nan\"} NaN\n"))
        let parsed = try PrometheusText.parse(text)
        #expect(parsed.value("g", ["k": "small"]) == 1e-9)
    }

    @Test func processMetricsComeFromProc() throws {
        let registry = MetricsRegistry()
        ProcessMetrics.register(in: registry)
        let parsed = try PrometheusText.parse(registry.exposition())
        #expect((parsed.value("process_resident_memory_bytes") ?? 0) > 1_000_000)
        #expect((parsed.value("process_open_fds") ?? 0) >= 3)
        #expect((parsed.value("process_cpu_seconds_total") ?? -1) >= 0)
        let start = parsed.value("process_start_time_seconds") ?? 0
        let now = Date().timeIntervalSince1970
        #expect(start > now - 86_400 && start <= now + 1)
        #expect(parsed.types["process_cpu_seconds_total"] == "counter")
    }

    @Test func theParserRejectsMalformedText() {
        #expect(throws: PrometheusText.ParseError.self) { try PrometheusText.parse("x 1\n") }
        #expect(throws: PrometheusText.ParseError.self) { try PrometheusText.parse("# TYPE x gauge\nx{a=\"\\q\"} 1\n") }
        #expect(throws: PrometheusText.ParseError.self) { try PrometheusText.parse("# TYPE x gauge\n# TYPE x gauge\nx 1\n") }
    }
}
