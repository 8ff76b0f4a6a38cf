// EventRecorder: core/v1 Events about objects, with repeats aggregated client-side (count and lastTimestamp
// of the existing Event are updated instead of creating a new object each time), as client-go's correlator.
//
// `record` never blocks a reconcile: it drops the event into a bounded buffer that `run()` drains; when the
// API is slow the oldest unsent events are dropped, never the controller.

import Foundation
import KubeCore

public enum EventType: String, Sendable, Hashable {
    case normal = "Normal"
    case warning = "Warning"
}

/// Writes core/v1 Events (the KubeClient adapter, or memory in tests).
public protocol EventSink: Sendable {
    func create(_ event: Event) async throws
    /// Writes the new `count` and `lastTimestamp` of an existing event; throws if it no longer exists.
    func update(_ event: Event) async throws
}

public final class EventRecorder: Runnable {
    public let name = "event-recorder"
    private let component: String
    private let instance: String?
    private let sink: any EventSink
    private let clock: any RuntimeClock
    private let logger: Logger
    private let aggregationWindow: Duration
    private let cacheSize: Int
    private let stream: AsyncStream<(ObjectReference, EventType, String, String)>
    private let continuation: AsyncStream<(ObjectReference, EventType, String, String)>.Continuation

    /// - Parameters:
    ///   - component: the reporting controller (`source.component`).
    ///   - aggregationWindow: a repeat within this time of the last one updates it; later ones start a new Event.
    public init(component: String, instance: String? = nil, sink: any EventSink, clock: any RuntimeClock = SystemClock(),
                logger: Logger = Logger(label: "events", sink: .discarding), bufferSize: Int = 1000,
                aggregationWindow: Duration = .seconds(600), cacheSize: Int = 4096) {
        self.component = component
        self.instance = instance
        self.sink = sink
        self.clock = clock
        self.logger = logger
        self.aggregationWindow = aggregationWindow
        self.cacheSize = cacheSize
        (stream, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(bufferSize))
    }

    /// Records an event about `object`. Never blocks; the event is written by `run()`.
    public func record<O: KubeResource>(_ type: EventType, reason: String, message: String, on object: O) {
        record(type, reason: reason, message: message, about: object.objectReference)
    }

    public func record(_ type: EventType, reason: String, message: String, about object: ObjectReference) {
        if case .dropped = continuation.yield((object, type, reason, message)) {
            logger.debug("event buffer full; dropped the oldest event")
        }
    }

    private struct AggregationKey: Hashable {
        var kind: String?
        var namespace: String?
        var name: String?
        var uid: String?
        var type: EventType
        var reason: String
        var message: String
    }

    /// Writes recorded events until cancelled.
    public func run() async throws {
        var cache: [AggregationKey: (event: Event, seen: ContinuousClock.Instant)] = [:]
        // Added to the timestamp in names, so two events about one object in the same nanosecond differ.
        var sequence: UInt64 = 0
        for await (object, type, reason, message) in stream {
            if Task.isCancelled { break }
            let key = AggregationKey(kind: object.kind, namespace: object.namespace, name: object.name, uid: object.uid,
                                     type: type, reason: reason, message: message)
            let now = clock.now
            let time = Time(clock.wallTime)
            if var (event, seen) = cache[key], now - seen < aggregationWindow {
                event.count = (event.count ?? 1) + 1
                event.lastTimestamp = time
                seen = now
                do {
                    try await sink.update(event)
                    cache[key] = (event, seen)
                    continue
                } catch {
                    // Gone (TTL) or unreachable: fall through and start a new event.
                    logger.debug("could not update event; creating a new one", ["event": event.name, "error": error])
                }
            }
            let message = String(message.prefix(1024))
            sequence &+= 1
            let nanos = UInt64(max(0, clock.wallTime.timeIntervalSince1970 * 1e9)) &+ sequence
            let event = Event(
                metadata: ObjectMeta(name: "\(object.name ?? "object").\(String(nanos, radix: 16))",
                                     namespace: object.namespace ?? "default"),
                involvedObject: object, reason: reason, message: message,
                source: EventSource(component: component, host: instance), firstTimestamp: time, lastTimestamp: time,
                count: 1, type: type.rawValue, reportingComponent: component, reportingInstance: instance)
            do {
                try await sink.create(event)
                if cache.count >= cacheSize, let oldest = cache.min(by: { $0.value.seen < $1.value.seen })?.key {
                    cache.removeValue(forKey: oldest)
                }
                cache[key] = (event, now)
            } catch {
                logger.warning("could not write event", ["reason": reason, "object": object.name ?? "", "error": error])
            }
        }
    }

    /// Stops accepting events; `run()` returns after writing what is buffered.
    public func finish() { continuation.finish() }
}
