// events.k8s.io/v1 Event: the structured event API, with `eventTime` as a MicroTime (six fractional
// digits, or the API server rejects it) and `regarding`/`note` in place of involvedObject/message.

public enum EventsV1 {
    public struct Event: KubeResource, Hashable {
        public static let descriptor = ResourceDescriptor(
            group: "events.k8s.io", version: "v1", kind: "Event", plural: "events", namespaced: true)

        public var apiVersion: String
        public var kind: String
        public var metadata: ObjectMeta
        /// Required by the API; optional here because events converted from core/v1 may carry null.
        public var eventTime: MicroTime?
        public var series: EventSeries?
        public var reportingController: String?
        public var reportingInstance: String?
        public var action: String?
        public var reason: String?
        public var regarding: ObjectReference?
        public var related: ObjectReference?
        /// Human-readable, at most 1 kB.
        public var note: String?
        /// Normal or Warning.
        public var type: String?
        public var deprecatedSource: EventSource?
        public var deprecatedFirstTimestamp: Time?
        public var deprecatedLastTimestamp: Time?
        public var deprecatedCount: Int32?
        public var unknownFields: UnknownFields? = nil

        public init(
            metadata: ObjectMeta = ObjectMeta(), eventTime: MicroTime? = nil, series: EventSeries? = nil,
            reportingController: String? = nil, reportingInstance: String? = nil, action: String? = nil,
            reason: String? = nil, regarding: ObjectReference? = nil, related: ObjectReference? = nil,
            note: String? = nil, type: String? = nil, deprecatedSource: EventSource? = nil,
            deprecatedFirstTimestamp: Time? = nil, deprecatedLastTimestamp: Time? = nil, deprecatedCount: Int32? = nil
        ) {
            apiVersion = Self.descriptor.apiVersion
            kind = Self.descriptor.kind
            self.metadata = metadata
            self.eventTime = eventTime
            self.series = series
            self.reportingController = reportingController
            self.reportingInstance = reportingInstance
            self.action = action
            self.reason = reason
            self.regarding = regarding
            self.related = related
            self.note = note
            self.type = type
            self.deprecatedSource = deprecatedSource
            self.deprecatedFirstTimestamp = deprecatedFirstTimestamp
            self.deprecatedLastTimestamp = deprecatedLastTimestamp
            self.deprecatedCount = deprecatedCount
        }

        enum CodingKeys: String, CodingKey {
            case apiVersion, kind, metadata, eventTime, series, reportingController, reportingInstance, action, reason,
                regarding, related, note, type, deprecatedSource, deprecatedFirstTimestamp, deprecatedLastTimestamp,
                deprecatedCount, unknownFields
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            apiVersion = try c.typeMeta(.apiVersion, Self.descriptor.apiVersion)
            kind = try c.typeMeta(.kind, Self.descriptor.kind)
            metadata = try c.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta()
            eventTime = try c.decodeIfPresent(MicroTime.self, forKey: .eventTime)
            series = try c.decodeIfPresent(EventSeries.self, forKey: .series)
            reportingController = try c.decodeIfPresent(String.self, forKey: .reportingController)
            reportingInstance = try c.decodeIfPresent(String.self, forKey: .reportingInstance)
            action = try c.decodeIfPresent(String.self, forKey: .action)
            reason = try c.decodeIfPresent(String.self, forKey: .reason)
            regarding = try c.decodeIfPresent(ObjectReference.self, forKey: .regarding)
            related = try c.decodeIfPresent(ObjectReference.self, forKey: .related)
            note = try c.decodeIfPresent(String.self, forKey: .note)
            type = try c.decodeIfPresent(String.self, forKey: .type)
            deprecatedSource = try c.decodeIfPresent(EventSource.self, forKey: .deprecatedSource)
            deprecatedFirstTimestamp = try c.decodeIfPresent(Time.self, forKey: .deprecatedFirstTimestamp)
            deprecatedLastTimestamp = try c.decodeIfPresent(Time.self, forKey: .deprecatedLastTimestamp)
            deprecatedCount = try c.decodeIfPresent(Int32.self, forKey: .deprecatedCount)
            unknownFields = try c.decodeIfPresent(UnknownFields.self, forKey: .unknownFields)
        }
    }
}
