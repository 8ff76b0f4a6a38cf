// Event (core/v1): what happened to an object, as `kubectl describe` shows it. Controllers write these
// through KubeRuntime's recorder; the events.k8s.io/v1 form is `EventsV1.Event`.

public struct Event: KubeResource, Hashable {
    public static let descriptor = ResourceDescriptor(group: "", version: "v1", kind: "Event", plural: "events", namespaced: true)

    public var apiVersion: String
    public var kind: String
    public var metadata: ObjectMeta
    public var involvedObject: ObjectReference
    /// CamelCase, machine-readable: Scheduled, FailedScheduling, Preempted.
    public var reason: String?
    public var message: String?
    public var source: EventSource?
    public var firstTimestamp: Time?
    public var lastTimestamp: Time?
    public var count: Int32?
    /// Normal or Warning.
    public var type: String?
    public var eventTime: MicroTime?
    public var series: EventSeries?
    public var action: String?
    public var related: ObjectReference?
    public var reportingComponent: String?
    public var reportingInstance: String?
    public var unknownFields: UnknownFields? = nil

    public init(
        metadata: ObjectMeta = ObjectMeta(), involvedObject: ObjectReference = ObjectReference(), reason: String? = nil,
        message: String? = nil, source: EventSource? = nil, firstTimestamp: Time? = nil, lastTimestamp: Time? = nil,
        count: Int32? = nil, type: String? = nil, eventTime: MicroTime? = nil, series: EventSeries? = nil,
        action: String? = nil, related: ObjectReference? = nil, reportingComponent: String? = nil,
        reportingInstance: String? = nil
    ) {
        apiVersion = Self.descriptor.apiVersion
        kind = Self.descriptor.kind
        self.metadata = metadata
        self.involvedObject = involvedObject
        self.reason = reason
        self.message = message
        self.source = source
        self.firstTimestamp = firstTimestamp
        self.lastTimestamp = lastTimestamp
        self.count = count
        self.type = type
        self.eventTime = eventTime
        self.series = series
        self.action = action
        self.related = related
        self.reportingComponent = reportingComponent
        self.reportingInstance = reportingInstance
    }

    enum CodingKeys: String, CodingKey {
        case apiVersion, kind, metadata, involvedObject, reason, message, source, firstTimestamp, lastTimestamp, count,
            type, eventTime, series, action, related, reportingComponent, reportingInstance, unknownFields
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        apiVersion = try c.typeMeta(.apiVersion, Self.descriptor.apiVersion)
        kind = try c.typeMeta(.kind, Self.descriptor.kind)
        metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta()
        involvedObject = try c.decodeIfPresent(ObjectReference.self, forKey: .involvedObject) ?? ObjectReference()
        reason = try c.decodeIfPresent(String.self, forKey: .reason)
        message = try c.decodeIfPresent(String.self, forKey: .message)
        source = try c.decodeIfPresent(EventSource.self, forKey: .source)
        firstTimestamp = try c.decodeIfPresent(Time.self, forKey: .firstTimestamp)
        lastTimestamp = try c.decodeIfPresent(Time.self, forKey: .lastTimestamp)
        count = try c.decodeIfPresent(Int32.self, forKey: .count)
        type = try c.decodeIfPresent(String.self, forKey: .type)
        eventTime = try c.decodeIfPresent(MicroTime.self, forKey: .eventTime)
        series = try c.decodeIfPresent(EventSeries.self, forKey: .series)
        action = try c.decodeIfPresent(String.self, forKey: .action)
        related = try c.decodeIfPresent(ObjectReference.self, forKey: .related)
        reportingComponent = try c.decodeIfPresent(String.self, forKey: .reportingComponent)
        reportingInstance = try c.decodeIfPresent(String.self, forKey: .reportingInstance)
        unknownFields = try c.decodeIfPresent(UnknownFields.self, forKey: .unknownFields)
    }
}

public struct EventSource: Codable, Sendable, Hashable {
    public var component: String?
    public var host: String?
    public var unknownFields: UnknownFields? = nil

    public init(component: String? = nil, host: String? = nil) {
        self.component = component
        self.host = host
    }
}

/// Repeats of one event, counted instead of written again.
public struct EventSeries: Codable, Sendable, Hashable {
    public var count: Int32?
    public var lastObservedTime: MicroTime?
    public var unknownFields: UnknownFields? = nil

    public init(count: Int32? = nil, lastObservedTime: MicroTime? = nil) {
        self.count = count
        self.lastObservedTime = lastObservedTime
    }
}
