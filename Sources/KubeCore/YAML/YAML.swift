// YAML: read and write YAML as `JSONValue` (manifests, kubeconfig, Helm values) the way kubectl does.
//
// Reading follows kubectl (sigs.k8s.io/yaml over go-yaml v2): YAML 1.1 scalars, anchors and aliases, `<<`
// merges, and a stream of `---`-separated documents in which empty (null) documents are skipped. Duplicate
// keys are errors, as in sigs.k8s.io/yaml's strict mode. Writing produces block style with two-space
// indentation and keys in their order, quoting only strings that would otherwise change type.

import Foundation

public enum YAML {
    /// A document of a stream and the line its `---` (or first content) is on, for messages.
    public struct Document: Sendable, Hashable {
        public var value: JSONValue
        public var line: Int
    }

    /// Every document of a stream, except empty ones (`---` with nothing, comments only, or `null`), which
    /// kubectl skips too.
    public static func decodeAll(_ text: String) throws -> [JSONValue] {
        try documents(Array(text.utf8)).map(\.value)
    }

    public static func decodeAll(_ bytes: [UInt8]) throws -> [JSONValue] {
        try documents(bytes).map(\.value)
    }

    public static func decodeAll(_ data: Data) throws -> [JSONValue] {
        try documents([UInt8](data)).map(\.value)
    }

    /// The non-empty documents of a stream with their starting lines.
    public static func documents(_ bytes: [UInt8]) throws -> [Document] {
        try YAMLReader.read(bytes).compactMap { $0.value.isNull ? nil : Document(value: $0.value, line: $0.line) }
    }

    /// A single-document text (a kubeconfig, a values file): its value, or `.null` if it is empty.
    /// A stream with several non-empty documents is an error.
    public static func decode(_ text: String) throws -> JSONValue {
        try decode(Array(text.utf8))
    }

    public static func decode(_ bytes: [UInt8]) throws -> JSONValue {
        let docs = try documents(bytes)
        if docs.count > 1 {
            throw YAMLError(.multipleDocuments, "expected one document, found \(docs.count)", line: docs[1].line, column: 1)
        }
        return docs.first?.value ?? .null
    }

    public static func decode(_ data: Data) throws -> JSONValue { try decode([UInt8](data)) }

    /// A typed value from a single-document text, through `JSONValueDecoder` (unknown fields kept).
    public static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        try JSONValueDecoder().decode(type, from: decode(text))
    }

    /// Block-style YAML for one document, ending with a newline.
    public static func encode(_ value: JSONValue) throws -> String {
        try YAMLWriter.write([value])
    }

    /// Documents separated by `---` lines.
    public static func encodeAll(_ values: [JSONValue]) throws -> String {
        try YAMLWriter.write(values)
    }

    public static func encode<T: Encodable>(_ value: T) throws -> String {
        try encode(JSONValueEncoder().encode(value))
    }
}
