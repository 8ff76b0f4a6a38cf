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

/// The object an event is about (core/v1 ObjectReference fields).
public struct InvolvedObject: Sendable, Hashable {
    public var apiVersion: String
    public var kind: String
    public var namespace: String?
    public var name: String
    public var uid: String?
    public var resourceVersion: String?

    public init(apiVersion: String, kind: String, namespace: String?, name: String, uid: String? = nil,
                resourceVersion: String? = nil) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.uid = uid
        self.resourceVersion = resourceVersion
    }

    public init<O: KubeResource>(_ object: O) {
        self.init(apiVersion: O.descriptor.apiVersion, kind: O.descriptor.kind, namespace: object.metadata.namespace,
                  name: object.metadata.name ?? "", uid: object.metadata.uid, resourceVersion: object.metadata.resourceVersion)
    }
}

/// A core/v1 Event as the recorder writes it.
public struct EventRecord: Sendable, Hashable {
    public var namespace: String
    public var name: String
    public var involvedObject: InvolvedObject
    public var type: EventType
    public var reason: String
    public var message: String
    public var count: Int
    public var firstTimestamp: Time
    public var lastTimestamp: Time
    /// `source.component` and `reportingComponent`.
    public var component: String
    /// `source.host` and `reportingInstance`.
    public var instance: String?
}

/// Writes events to the API (the KubeClient adapter), or to memory in tests.
public protocol EventSink: Sendable {
    func create(_ event: EventRecord) async throws
    /// Updates `count` and `lastTimestamp` of an existing event; throws if it no longer exists.
    func update(_ event: EventRecord) async throws
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
    private let stream: AsyncStream<(InvolvedObject, EventType, String, String)>
    private let continuation: AsyncStream<(InvolvedObject, EventType, String, String)>.Continuation

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
        record(type, reason: reason, message: message, about: InvolvedObject(object))
    }

    public func record(_ type: EventType, reason: String, message: String, about object: InvolvedObject) {
        if case .dropped = continuation.yield((object, type, reason, message)) {
            logger.debug("event buffer full; dropped the oldest event")
        }
    }

    private struct AggregationKey: Hashable {
        var kind: String
        var namespace: String?
        var name: String
        var uid: String?
        var type: EventType
        var reason: String
        var message: String
    }

    /// Writes recorded events until cancelled.
    public func run() async throws {
        var cache: [AggregationKey: (event: EventRecord, seen: ContinuousClock.Instant)] = [:]
        // Added to the timestamp in names, so two events about one object in the same nanosecond differ.
        var sequence: UInt64 = 0
        for await (object, type, reason, message) in stream {
            if Task.isCancelled { break }
            let key = AggregationKey(kind: object.kind, namespace: object.namespace, name: object.name, uid: object.uid,
                                     type: type, reason: reason, message: message)
            let now = clock.now
            let time = Time(clock.wallTime)
            if var (event, seen) = cache[key], now - seen < aggregationWindow {
                event.count += 1
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
            let event = EventRecord(
                namespace: object.namespace ?? "default",
                name: "\(object.name).\(String(nanos, radix: 16))",
                involvedObject: object, type: type, reason: reason, message: message, count: 1, firstTimestamp: time,
                lastTimestamp: time, component: component, instance: instance)
            do {
                try await sink.create(event)
                if cache.count >= cacheSize, let oldest = cache.min(by: { $0.value.seen < $1.value.seen })?.key {
                    cache.removeValue(forKey: oldest)
                }
                cache[key] = (event, now)
            } catch {
                logger.warning("could not write event", ["reason": reason, "object": object.name, "error": error])
            }
        }
    }

    /// Stops accepting events; `run()` returns after writing what is buffered.
    public func finish() { continuation.finish() }
}
