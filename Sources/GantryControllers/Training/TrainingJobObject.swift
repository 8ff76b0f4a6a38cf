// TrainingJobObject: a TrainingJob as the API server stored it, kept as JSON with only its metadata decoded.
// The informer caches these instead of typed TrainingJobs so that an object that does not decode (a string
// where a number belongs, on a cluster without schema validation) still reaches the reconcile, which reports
// it as `Invalid` — a typed watch would fail on it and stall every other job.

import GantryAPI
import KubeCore

public struct TrainingJobObject: KubeResource, Equatable {
    public static let descriptor = TrainingJob.descriptor

    public var metadata: ObjectMeta
    /// The whole object as read (managedFields dropped).
    public var json: JSONValue

    public init(json: JSONValue) {
        var json = json
        if case .object(var root) = json, case .object(var meta)? = root["metadata"] {
            meta["managedFields"] = nil
            root["metadata"] = .object(meta)
            json = .object(root)
        }
        self.json = json
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

    /// Decoded, defaulted and validated (GantryAPI's `check`).
    public var checked: CheckedObject<TrainingJob> { TrainingJob.check(json) }

    /// The status conditions as stored, read leniently (for objects that do not decode as a whole).
    public var rawConditions: [Condition] {
        (json["status"]?["conditions"]?.arrayValue ?? []).compactMap { try? JSONValueDecoder().decode(Condition.self, from: $0) }
    }
}
