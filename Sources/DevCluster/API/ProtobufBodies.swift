// Protobuf request bodies. kubectl's typed commands (`create namespace|configmap|secret|serviceaccount`)
// and helm's release storage (Secrets) send `application/vnd.kubernetes.protobuf` and client-go does not
// retry with JSON after a 415, so the kinds they write are decoded here into JSON: the `k8s\0` envelope
// (runtime.Unknown), then the object by the field numbers of k8s.io/api's generated.proto.

import Foundation
import KubeCore

enum ProtobufBodies {
    struct DecodeError: Error, CustomStringConvertible {
        var description: String
    }

    indirect enum FieldType: Sendable {
        case string, bytes, int64, int32, bool, time
        case message(Message)
        case stringMap, bytesMap
        /// A message carrying raw JSON in field 1 (FieldsV1).
        case rawJSON
    }

    struct Field: Sendable {
        var number: Int
        var name: String
        var type: FieldType
        var repeated = false
    }

    struct Message: Sendable {
        var fields: [Field]
        func field(_ n: Int) -> Field? { fields.first { $0.number == n } }
    }

    static let ownerReference = Message(fields: [
        Field(number: 1, name: "kind", type: .string), Field(number: 3, name: "name", type: .string),
        Field(number: 4, name: "uid", type: .string), Field(number: 5, name: "apiVersion", type: .string),
        Field(number: 6, name: "controller", type: .bool), Field(number: 7, name: "blockOwnerDeletion", type: .bool),
    ])
    static let managedFields = Message(fields: [
        Field(number: 1, name: "manager", type: .string), Field(number: 2, name: "operation", type: .string),
        Field(number: 3, name: "apiVersion", type: .string), Field(number: 4, name: "time", type: .time),
        Field(number: 6, name: "fieldsType", type: .string), Field(number: 7, name: "fieldsV1", type: .rawJSON),
        Field(number: 8, name: "subresource", type: .string),
    ])
    static let objectMeta = Message(fields: [
        Field(number: 1, name: "name", type: .string), Field(number: 2, name: "generateName", type: .string),
        Field(number: 3, name: "namespace", type: .string), Field(number: 5, name: "uid", type: .string),
        Field(number: 6, name: "resourceVersion", type: .string), Field(number: 7, name: "generation", type: .int64),
        Field(number: 8, name: "creationTimestamp", type: .time), Field(number: 9, name: "deletionTimestamp", type: .time),
        Field(number: 10, name: "deletionGracePeriodSeconds", type: .int64), Field(number: 11, name: "labels", type: .stringMap),
        Field(number: 12, name: "annotations", type: .stringMap),
        Field(number: 13, name: "ownerReferences", type: .message(ownerReference), repeated: true),
        Field(number: 14, name: "finalizers", type: .string, repeated: true),
        Field(number: 17, name: "managedFields", type: .message(managedFields), repeated: true),
    ])
    static let objectReference = Message(fields: [
        Field(number: 1, name: "kind", type: .string), Field(number: 2, name: "namespace", type: .string),
        Field(number: 3, name: "name", type: .string), Field(number: 4, name: "uid", type: .string),
        Field(number: 5, name: "apiVersion", type: .string), Field(number: 6, name: "resourceVersion", type: .string),
        Field(number: 7, name: "fieldPath", type: .string),
    ])
    static let localObjectReference = Message(fields: [Field(number: 1, name: "name", type: .string)])

    /// The kinds decoded, by kind name.
    static let kinds: [String: Message] = [
        "Secret": Message(fields: [
            Field(number: 1, name: "metadata", type: .message(objectMeta)), Field(number: 2, name: "data", type: .bytesMap),
            Field(number: 3, name: "type", type: .string), Field(number: 4, name: "stringData", type: .stringMap),
            Field(number: 5, name: "immutable", type: .bool),
        ]),
        "ConfigMap": Message(fields: [
            Field(number: 1, name: "metadata", type: .message(objectMeta)), Field(number: 2, name: "data", type: .stringMap),
            Field(number: 3, name: "binaryData", type: .bytesMap), Field(number: 4, name: "immutable", type: .bool),
        ]),
        "Namespace": Message(fields: [
            Field(number: 1, name: "metadata", type: .message(objectMeta)),
            Field(number: 2, name: "spec", type: .message(Message(fields: [Field(number: 1, name: "finalizers", type: .string, repeated: true)]))),
            Field(number: 3, name: "status", type: .message(Message(fields: [Field(number: 1, name: "phase", type: .string)]))),
        ]),
        "ServiceAccount": Message(fields: [
            Field(number: 1, name: "metadata", type: .message(objectMeta)),
            Field(number: 2, name: "secrets", type: .message(objectReference), repeated: true),
            Field(number: 3, name: "imagePullSecrets", type: .message(localObjectReference), repeated: true),
            Field(number: 4, name: "automountServiceAccountToken", type: .bool),
        ]),
        "DeleteOptions": Message(fields: [
            Field(number: 1, name: "gracePeriodSeconds", type: .int64),
            Field(number: 2, name: "preconditions", type: .message(Message(fields: [
                Field(number: 1, name: "uid", type: .string), Field(number: 2, name: "resourceVersion", type: .string),
            ]))),
            Field(number: 3, name: "orphanDependents", type: .bool), Field(number: 4, name: "propagationPolicy", type: .string),
            Field(number: 5, name: "dryRun", type: .string, repeated: true),
        ]),
    ]

    static let magic: [UInt8] = [0x6b, 0x38, 0x73, 0x00]

    /// Decodes a `k8s\0`-prefixed body into the JSON the same object would have been sent as.
    static func decode(_ body: [UInt8]) throws -> JSONValue {
        guard body.count >= 4, Array(body[0..<4]) == magic else { throw DecodeError(description: "missing protobuf magic") }
        var apiVersion = ""
        var kind = ""
        var raw: [UInt8] = []
        var reader = Reader(bytes: body, position: 4, end: body.count)
        while let (number, wire) = try reader.tag() {
            switch (number, wire) {
            case (1, 2):
                var tm = try reader.subReader()
                while let (n, w) = try tm.tag() {
                    if w == 2, n == 1 { apiVersion = try tm.string() } else if w == 2, n == 2 { kind = try tm.string() } else { try tm.skip(w) }
                }
            case (2, 2): raw = try reader.lengthDelimited()
            default: try reader.skip(wire)
            }
        }
        guard let message = kinds[kind] else {
            throw DecodeError(description: "protobuf bodies of kind \(kind.isEmpty ? "<none>" : kind) are not supported")
        }
        var object = try decodeMessage(raw, message)
        object["apiVersion"] = .string(apiVersion)
        object["kind"] = .string(kind)
        return object
    }

    static func decodeMessage(_ bytes: [UInt8], _ message: Message) throws -> JSONValue {
        var reader = Reader(bytes: bytes, position: 0, end: bytes.count)
        return try decodeMessage(&reader, message)
    }

    static func decodeMessage(_ reader: inout Reader, _ message: Message) throws -> JSONValue {
        var out = JSONObject()
        while let (number, wire) = try reader.tag() {
            guard let field = message.field(number) else {
                try reader.skip(wire)
                continue
            }
            let value: JSONValue
            switch field.type {
            case .string:
                // Go's JSON omits empty strings where protobuf always sends them.
                let text = try reader.string()
                if text.isEmpty && !field.repeated { continue }
                value = .string(text)
            case .bytes: value = .string(Data(try reader.lengthDelimited()).base64EncodedString())
            case .int64, .int32:
                let n = Int64(bitPattern: try reader.varint())
                if n == 0 && field.name == "generation" { continue }
                value = .int(n)
            case .bool: value = .bool(try reader.varint() != 0)
            case .time:
                var sub = try reader.subReader()
                var seconds: Int64 = 0
                while let (n, w) = try sub.tag() {
                    if n == 1, w == 0 { seconds = Int64(bitPattern: try sub.varint()) } else { try sub.skip(w) }
                }
                if seconds == 0 { continue }  // the zero time, which JSON sends as null
                value = .string(Time(secondsSinceEpoch: seconds).rfc3339)
            case .message(let m):
                var sub = try reader.subReader()
                value = try decodeMessage(&sub, m)
            case .rawJSON:
                var sub = try reader.subReader()
                var json: JSONValue = .object(JSONObject())
                while let (n, w) = try sub.tag() {
                    if n == 1, w == 2 { json = (try? JSONParser.parse(try sub.lengthDelimited())) ?? .null } else { try sub.skip(w) }
                }
                value = json
            case .stringMap, .bytesMap:
                var sub = try reader.subReader()
                var key = ""
                var v: JSONValue = .string("")
                while let (n, w) = try sub.tag() {
                    if n == 1, w == 2 { key = try sub.string() }
                    else if n == 2, w == 2 {
                        if case .bytesMap = field.type { v = .string(Data(try sub.lengthDelimited()).base64EncodedString()) } else { v = .string(try sub.string()) }
                    } else { try sub.skip(w) }
                }
                var map = out[field.name]?.objectValue ?? JSONObject()
                map[key] = v
                out[field.name] = .object(map)
                continue
            }
            if field.repeated {
                var list = out[field.name]?.arrayValue ?? []
                list.append(value)
                out[field.name] = .array(list)
            } else {
                out[field.name] = value
            }
        }
        return .object(out)
    }

    struct Reader {
        var bytes: [UInt8]
        var position: Int
        var end: Int

        mutating func varint() throws -> UInt64 {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard position < end, shift < 64 else { throw DecodeError(description: "truncated varint") }
                let b = bytes[position]
                position += 1
                result |= UInt64(b & 0x7f) << shift
                if b & 0x80 == 0 { return result }
                shift += 7
            }
        }

        mutating func tag() throws -> (Int, Int)? {
            guard position < end else { return nil }
            let t = try varint()
            return (Int(truncatingIfNeeded: t >> 3), Int(t & 7))
        }

        mutating func lengthDelimited() throws -> [UInt8] {
            let n = try varint()
            guard n <= UInt64(end - position) else { throw DecodeError(description: "truncated field") }
            let out = Array(bytes[position..<position + Int(n)])
            position += Int(n)
            return out
        }

        mutating func subReader() throws -> Reader {
            let n = try varint()
            guard n <= UInt64(end - position) else { throw DecodeError(description: "truncated message") }
            let sub = Reader(bytes: bytes, position: position, end: position + Int(n))
            position += Int(n)
            return sub
        }

        mutating func string() throws -> String { String(decoding: try lengthDelimited(), as: UTF8.self) }

        mutating func skip(_ wire: Int) throws {
            switch wire {
            case 0: _ = try varint()
            case 1: guard end - position >= 8 else { throw DecodeError(description: "truncated") }; position += 8
            case 2: _ = try lengthDelimited()
            case 5: guard end - position >= 4 else { throw DecodeError(description: "truncated") }; position += 4
            default: throw DecodeError(description: "unsupported wire type \(wire)")
            }
        }
    }
}
