// Conditions, the event recorder's aggregation, and the logger's output formats.

import Foundation
import KubeCore
import Testing
@testable import KubeRuntime

struct ConditionsTests {
    let t0 = Time(secondsSinceEpoch: 1_800_000_000)
    let t1 = Time(secondsSinceEpoch: 1_800_000_600)

    @Test func lastTransitionTimeMovesOnlyWhenTheStatusChanges() {
        var conditions: [Condition] = []
        var changed = false
        changed = conditions.set(type: "Ready", status: .false, reason: "Pending", observedGeneration: 1, now: t0)
        #expect(changed)
        #expect(conditions[type: "Ready"]?.lastTransitionTime == t0)

        // Same status, new reason and generation: updated in place, transition time kept.
        changed = conditions.set(type: "Ready", status: .false, reason: "WaitingForPods", message: "2/4", observedGeneration: 2, now: t1)
        #expect(changed)
        #expect(conditions.count == 1)
        #expect(conditions[type: "Ready"]?.lastTransitionTime == t0)
        #expect(conditions[type: "Ready"]?.reason == "WaitingForPods")
        #expect(conditions[type: "Ready"]?.observedGeneration == 2)

        // Nothing new: reported as unchanged, so the caller can skip the status write.
        changed = conditions.set(type: "Ready", status: .false, reason: "WaitingForPods", message: "2/4", observedGeneration: 2, now: t1)
        #expect(!changed)

        // Status flips: the transition time moves.
        changed = conditions.set(type: "Ready", status: .true, reason: "AllPodsReady", observedGeneration: 2, now: t1)
        #expect(changed)
        #expect(conditions[type: "Ready"]?.lastTransitionTime == t1)
        #expect(conditions.isTrue("Ready", atGeneration: 2))
        #expect(!conditions.isTrue("Ready", atGeneration: 3))

        changed = conditions.remove(type: "Ready")
        #expect(changed)
        changed = conditions.remove(type: "Ready")
        #expect(!changed)
    }

    @Test func unknownFieldsOfAConditionSurviveAnUpdate() throws {
        var existing = Condition(type: "Ready", status: .true, lastTransitionTime: t0, reason: "Ok")
        existing.unknownFields = UnknownFields(["futureField": "kept"])
        var conditions = [existing]
        conditions.set(type: "Ready", status: .true, reason: "StillOk", observedGeneration: 5, now: t1)
        #expect(conditions[0].unknownFields?["futureField"] == "kept")
    }
}

/// Events in memory; `update` fails for names in `missing` (an event expired by the API server's TTL).
final class MemoryEventSink: EventSink {
    let created = Recorder<Event>()
    let updated = Recorder<Event>()
    let missing = TestBox<Set<String>>([])

    func create(_ event: Event) async throws { created.append(event) }

    func update(_ event: Event) async throws {
        if missing.value.contains(event.metadata.name ?? "") { throw Status(reason: "NotFound", code: 404) }
        updated.append(event)
    }
}

struct EventRecorderTests {
    @Test func repeatsUpdateCountAndLastTimestampInsteadOfCreatingEvents() async throws {
        let clock = ManualClock()
        let sink = MemoryEventSink()
        let recorder = EventRecorder(component: "widget-controller", instance: "pod-1", sink: sink, clock: clock)
        let widget = Widget("w1")
        let run = Task { try await recorder.run() }

        recorder.record(.warning, reason: "FailedPlacement", message: "no node fits", on: widget)
        #expect(await eventually { sink.created.count == 1 })
        clock.advance(by: .seconds(30))
        recorder.record(.warning, reason: "FailedPlacement", message: "no node fits", on: widget)
        clock.advance(by: .seconds(30))
        recorder.record(.warning, reason: "FailedPlacement", message: "no node fits", on: widget)
        #expect(await eventually { sink.updated.count == 2 })
        // A different message is a different event.
        recorder.record(.warning, reason: "FailedPlacement", message: "quota exceeded", on: widget)
        recorder.record(.normal, reason: "Placed", message: "on node-1", on: Widget("w2", namespace: "team-a"))
        #expect(await eventually { sink.created.count == 3 })
        recorder.finish()
        try await run.value

        let first = sink.created.values[0]
        #expect(first.count == 1)
        #expect(first.metadata.namespace == "default")
        #expect(first.involvedObject == widget.objectReference)
        #expect(first.involvedObject.kind == "Widget" && first.involvedObject.uid == "uid-w1")
        #expect(first.type == "Warning" && first.source?.component == "widget-controller" && first.source?.host == "pod-1")
        #expect(first.reportingComponent == "widget-controller" && first.reportingInstance == "pod-1")
        let last = try #require(sink.updated.values.last)
        #expect(last.metadata.name == first.metadata.name)
        #expect(last.count == 3)
        #expect(last.firstTimestamp == first.firstTimestamp)
        #expect(last.lastTimestamp?.secondsSinceEpoch == (first.firstTimestamp?.secondsSinceEpoch ?? 0) + 60)
        #expect(Set(sink.created.values.compactMap(\.metadata.name)).count == 3)
        #expect(sink.created.values[2].metadata.namespace == "team-a")
    }

    @Test func aRepeatAfterTheWindowOrOfAnExpiredEventStartsANewOne() async throws {
        let clock = ManualClock()
        let sink = MemoryEventSink()
        let recorder = EventRecorder(component: "c", sink: sink, clock: clock, aggregationWindow: .seconds(600))
        let run = Task { try await recorder.run() }
        recorder.record(.normal, reason: "Synced", message: "ok", on: Widget("w"))
        #expect(await eventually { sink.created.count == 1 })
        clock.advance(by: .seconds(601))
        recorder.record(.normal, reason: "Synced", message: "ok", on: Widget("w"))
        #expect(await eventually { sink.created.count == 2 })
        sink.missing.withLock { $0.insert(sink.created.values[1].metadata.name ?? "") }
        recorder.record(.normal, reason: "Synced", message: "ok", on: Widget("w"))
        #expect(await eventually { sink.created.count == 3 })
        recorder.finish()
        try await run.value
        #expect(sink.updated.count == 0)
    }
}

struct LoggerTests {
    let fixed = Date(timeIntervalSince1970: 1_800_000_000.25)

    @Test func logfmtQuotesWhatNeedsQuoting() {
        let lines = LogLines()
        let logger = Logger(label: "widget controller", level: .debug, sink: .collecting(into: lines), clock: { [fixed] in fixed })
            .with(["controller": "widgets"])
        logger.info("reconciled", ["key": "default/w1", "note": "say \"hi\"\nbye", "empty": ""])
        logger.trace("hidden")
        #expect(lines.all == [
            #"time=2027-01-15T08:00:00.250Z level=info logger="widget controller" msg=reconciled controller=widgets key=default/w1 note="say \"hi\"\nbye" empty="""#,
        ])
    }

    @Test func jsonLinesAreValidJSON() throws {
        let lines = LogLines()
        let logger = Logger(label: "x", format: .json, sink: .collecting(into: lines), clock: { [fixed] in fixed })
        logger.warning("tab\there \u{01}", ["n": 3])
        let line = try #require(lines.all.first)
        let parsed = try JSONParser.parse(line)
        #expect(parsed["level"] == "warning")
        #expect(parsed["msg"] == "tab\there \u{01}")
        #expect(parsed["n"] == "3")
        #expect(parsed["time"] == "2027-01-15T08:00:00.250Z")
    }

    @Test func levelsAndFormatComeFromTheEnvironment() {
        let logger = Logger.fromEnvironment(label: "x", environment: ["GANTRY_LOG_LEVEL": "WARN", "GANTRY_LOG_FORMAT": "json"])
        #expect(logger.level == .warning && logger.format == .json)
        #expect(!logger.isEnabled(.info))
        let fallback = Logger.fromEnvironment(label: "x", environment: ["GANTRY_LOG_LEVEL": "loud"])
        #expect(fallback.level == .info && fallback.format == .logfmt)
    }
}
