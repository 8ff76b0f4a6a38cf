// TrainingJobObject: a TrainingJob as the API server stored it, kept as compact JSON bytes with only its
// metadata and phase decoded. The informer caches these instead of typed TrainingJobs so that an object that
// does not decode (a string where a number belongs, on a cluster without schema validation) still reaches
// the reconcile, which reports it as `Invalid` — a typed watch would fail on it and stall every other job.
// Bytes rather than a JSON tree: a thousand cached jobs cost a third of the memory, and a reconcile parses
// its one job in microseconds.

import GantryAPI
import KubeCore

public struct TrainingJobObject: KubeResource, Equatable {
    public static let descriptor = TrainingJob.descriptor

    public var metadata: ObjectMeta
    /// `status.phase`, for metrics and listings without parsing.
    public var phase: String?
    /// The whole object as read (managedFields dropped), as JSON text.
    public var bytes: [UInt8]

    public init(json: JSONValue) {
        var json = json
        if case .object(var root) = json, case .object(var meta)? = root["metadata"] {
            meta["managedFields"] = nil
            root["metadata"] = .object(meta)
            json = .object(root)
        }
        bytes = JSONWriter.write(json)
        phase = json["status"]?["phase"]?.stringValue
        // Metadata is validated by the API server itself; a metadata this code cannot read keeps only what it can.
        if let meta = json["metadata"], let decoded = try? JSONValueDecoder().decode(ObjectMeta.self, from: meta) {
            metadata = decoded
        } else {
            var meta = ObjectMeta()
            meta.name = json["metadata"]?["name"]?.stringValue
            meta.namespace = json["metadata"]?["namespace"]?.stringValue
            meta.uid = json["metadata"]?["uid"]?.stringValue
            meta.resourceVersion = json["metadata"]?["resourceVersion"]?.stringValue
            meta.generation = json["metadata"]?["generation"]?.intValue
            metadata = meta
        }
        // The cache never reads these; they are a good part of a job's metadata.
        metadata.managedFields = nil
        metadata.annotations?["kubectl.kubernetes.io/last-applied-configuration"] = nil
    }

    public init(_ job: TrainingJob) throws {
        self.init(json: try JSONValueEncoder().encode(job))
    }

    public init(from decoder: Decoder) throws {
        self.init(json: try decoder.singleValueContainer().decode(JSONValue.self))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(json)
    }

    /// The object as a JSON value (parsed on each call).
    public var json: JSONValue { (try? JSONParser.parse(bytes)) ?? .null }

    /// Decoded, defaulted and validated (GantryAPI's `check`).
    public var checked: CheckedObject<TrainingJob> { TrainingJob.check(json) }

    /// The status conditions as stored, read leniently (for objects that do not decode as a whole).
    public var rawConditions: [Condition] {
        (json["status"]?["conditions"]?.arrayValue ?? []).compactMap { try? JSONValueDecoder().decode(Condition.self, from: $0) }
    }
}
