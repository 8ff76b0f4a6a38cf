// JSONValueDecoder: `Decodable` types from a `JSONValue` (or straight from JSON bytes).
//
// Beyond a plain decoder it (1) fills `UnknownFields` properties with the keys a type does not declare,
// (2) accepts integral floating point numbers for integer fields (JSON has one number type), and (3) reports
// errors with the field path in Kubernetes style (`spec.replicas[1].count`).
//
// It is on the hot path of every watch, so it avoids the usual costs of Codable: the coding path is a
// chain built only as deep as the value, read only when an error asks for it; leaves (strings, numbers)
// are read without creating decoders; and the kinds on the watch hot path (Pod and its parts, ObjectMeta)
// skip Codable entirely through hand-written decoders (`FastDecoding`), falling back to Codable on anything
// unusual so that errors stay exactly the same.

import Foundation

public struct JSONValueDecoder: Sendable {
    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        try JSONValueDecoderImpl(value: value, node: nil).decodeValue(type)
    }

    public func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try decode(type, from: JSONParser.parse(bytes))
    }

    public func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        try decode(type, from: JSONParser.parse(data))
    }

    public func decode<T: Decodable>(_ type: T.Type, from buffer: UnsafeBufferPointer<UInt8>) throws -> T {
        try decode(type, from: JSONParser.parse(buffer))
    }

    /// Decodes through Codable only, skipping the hand-written fast paths (tests compare the two).
    func decodeWithoutFastPaths<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        try JSONValueDecoderImpl(value: value, node: nil, fastPaths: false).decodeValue(type)
    }
}

extension DecodingError {
    /// The failing field in Kubernetes path syntax, e.g. `spec.replicas[1].count`.
    public var fieldPath: String {
        let context: Context
        switch self {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c), .dataCorrupted(let c): context = c
        @unknown default: return ""
        }
        var path = codingPathString(context.codingPath)
        if case .keyNotFound(let key, _) = self {
            path = path.isEmpty ? key.stringValue : path + "." + key.stringValue
        }
        return path
    }

    /// A one-line message: `spec.replicas[1].count: expected integer, got string`.
    public var summary: String {
        let detail: String
        switch self {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): detail = c.debugDescription
        case .keyNotFound: detail = "required field is missing"
        @unknown default: detail = "\(self)"
        }
        let path = fieldPath
        return path.isEmpty ? detail : "\(path): \(detail)"
    }
}

func codingPathString(_ path: [CodingKey]) -> String {
    var out = ""
    for key in path {
        if let i = key.intValue, key.stringValue == String(i) {
            out += "[\(i)]"
        } else {
            if !out.isEmpty { out += "." }
            out += key.stringValue
        }
    }
    return out
}

/// One step of a coding path; the chain is walked only when an error or a caller reads `codingPath`.
final class CodingPathNode {
    let parent: CodingPathNode?
    let key: AnyCodingKey

    init(parent: CodingPathNode?, key: AnyCodingKey) {
        self.parent = parent
        self.key = key
    }

    var codingPath: [CodingKey] {
        var keys: [CodingKey] = []
        var node: CodingPathNode? = self
        while let n = node {
            keys.append(n.key)
            node = n.parent
        }
        return keys.reversed()
    }

    static func path(_ node: CodingPathNode?) -> [CodingKey] { node?.codingPath ?? [] }

    static func path(_ node: CodingPathNode?, appending key: CodingKey) -> [CodingKey] {
        path(node) + [key]
    }
}

private func mismatch(_ value: JSONValue, expected: String, path: @autoclosure () -> [CodingKey]) -> DecodingError {
    DecodingError.typeMismatch(
        Any.self, .init(codingPath: path(), debugDescription: "expected \(expected), got \(value.typeName)"))
}

/// Leaf conversions shared by every container, without creating a decoder for the leaf.
enum JSONLeaf {
    @inline(__always)
    static func string(_ value: JSONValue, _ path: @autoclosure () -> [CodingKey]) throws -> String {
        guard case .string(let s) = value else { throw mismatch(value, expected: "string", path: path()) }
        return s
    }

    @inline(__always)
    static func bool(_ value: JSONValue, _ path: @autoclosure () -> [CodingKey]) throws -> Bool {
        guard case .bool(let b) = value else { throw mismatch(value, expected: "boolean", path: path()) }
        return b
    }

    @inline(__always)
    static func double(_ value: JSONValue, _ path: @autoclosure () -> [CodingKey]) throws -> Double {
        switch value {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: throw mismatch(value, expected: "number", path: path())
        }
    }

    @inline(__always)
    static func integer<I: FixedWidthInteger>(_ value: JSONValue, _ type: I.Type, _ path: @autoclosure () -> [CodingKey]) throws -> I {
        if case .int(let i) = value, let exact = I(exactly: i) { return exact }
        guard let i = value.intValue else { throw mismatch(value, expected: "integer", path: path()) }
        guard let exact = I(exactly: i) else {
            throw DecodingError.dataCorrupted(.init(codingPath: path(), debugDescription: "integer \(i) out of range for \(I.self)"))
        }
        return exact
    }
}

struct JSONValueDecoderImpl: Decoder {
    let value: JSONValue
    let node: CodingPathNode?
    let fastPaths: Bool
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(value: JSONValue, node: CodingPathNode?, fastPaths: Bool = true) {
        self.value = value
        self.node = node
        self.fastPaths = fastPaths
    }

    init(value: JSONValue, codingPath: [CodingKey]) {
        var node: CodingPathNode? = nil
        for key in codingPath {
            let k = key.intValue.map { AnyCodingKey(intValue: $0) } ?? AnyCodingKey(stringValue: key.stringValue)
            node = CodingPathNode(parent: node, key: k)
        }
        self.init(value: value, node: node)
    }

    var codingPath: [CodingKey] { CodingPathNode.path(node) }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let object) = value else {
            throw mismatch(value, expected: "object", path: codingPath)
        }
        return KeyedDecodingContainer(KeyedContainer<Key>(object: object, node: node, fastPaths: fastPaths))
    }

    func unkeyedContainer() throws -> UnkeyedDecodingContainer {
        guard case .array(let items) = value else {
            throw mismatch(value, expected: "array", path: codingPath)
        }
        return UnkeyedContainer(items: items, node: node, fastPaths: fastPaths)
    }

    func singleValueContainer() throws -> SingleValueDecodingContainer { self }

    func child(_ value: JSONValue, key: AnyCodingKey) -> JSONValueDecoderImpl {
        JSONValueDecoderImpl(value: value, node: CodingPathNode(parent: node, key: key), fastPaths: fastPaths)
    }

    @inline(__always)
    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        // Identity checks on type metadata are a few instructions; each avoids a trip through Codable.
        if T.self == JSONValue.self { return unsafeBitCast(value, to: T.self) }
        if T.self == String.self { return unsafeBitCast(try JSONLeaf.string(value, codingPath), to: T.self) }
        if T.self == Int.self { return unsafeBitCast(try JSONLeaf.integer(value, Int.self, codingPath), to: T.self) }
        if T.self == Bool.self { return unsafeBitCast(try JSONLeaf.bool(value, codingPath), to: T.self) }
        if fastPaths, let fast = FastDecoding.decode(type, from: value) { return fast }
        return try T(from: self)
    }
}

extension JSONValueDecoderImpl: SingleValueDecodingContainer {
    func decodeNil() -> Bool { value.isNull }
    func decode(_ type: Bool.Type) throws -> Bool { try JSONLeaf.bool(value, codingPath) }
    func decode(_ type: String.Type) throws -> String { try JSONLeaf.string(value, codingPath) }
    func decode(_ type: Double.Type) throws -> Double { try JSONLeaf.double(value, codingPath) }
    func decode(_ type: Float.Type) throws -> Float { Float(try JSONLeaf.double(value, codingPath)) }
    func decode(_ type: Int.Type) throws -> Int { try JSONLeaf.integer(value, Int.self, codingPath) }
    func decode(_ type: Int8.Type) throws -> Int8 { try JSONLeaf.integer(value, Int8.self, codingPath) }
    func decode(_ type: Int16.Type) throws -> Int16 { try JSONLeaf.integer(value, Int16.self, codingPath) }
    func decode(_ type: Int32.Type) throws -> Int32 { try JSONLeaf.integer(value, Int32.self, codingPath) }
    func decode(_ type: Int64.Type) throws -> Int64 { try JSONLeaf.integer(value, Int64.self, codingPath) }
    func decode(_ type: UInt.Type) throws -> UInt { try JSONLeaf.integer(value, UInt.self, codingPath) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try JSONLeaf.integer(value, UInt8.self, codingPath) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try JSONLeaf.integer(value, UInt16.self, codingPath) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try JSONLeaf.integer(value, UInt32.self, codingPath) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try JSONLeaf.integer(value, UInt64.self, codingPath) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decodeValue(type) }
}

/// Which members of an object a keyed container has read, so `UnknownFields` need not ask the `CodingKey`
/// type about every member (a synthesized `init(stringValue:)` compares against every case).
private final class MemberUsage {
    private var low: UInt64 = 0
    private var high: Set<Int> = []

    @inline(__always) func mark(_ i: Int) {
        if i < 64 { low |= 1 << UInt64(i) } else { high.insert(i) }
    }

    @inline(__always) func isMarked(_ i: Int) -> Bool {
        i < 64 ? low & (1 << UInt64(i)) != 0 : high.contains(i)
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let object: JSONObject
    let node: CodingPathNode?
    let fastPaths: Bool
    let usage = MemberUsage()

    var codingPath: [CodingKey] { CodingPathNode.path(node) }

    var allKeys: [Key] { object.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { lookup(key) != nil }

    @inline(__always)
    private func lookup(_ key: Key) -> JSONValue? {
        guard let i = object.firstIndex(ofKey: key.stringValue) else { return nil }
        usage.mark(i)
        return object.entries[i].value
    }

    private func path(_ key: Key) -> [CodingKey] { CodingPathNode.path(node, appending: key) }

    private func required(_ key: Key) throws -> JSONValue {
        guard let v = lookup(key) else {
            throw DecodingError.keyNotFound(
                key, .init(codingPath: codingPath, debugDescription: "required field \(key.stringValue) is missing"))
        }
        return v
    }

    /// `decodeIfPresent` treats a missing key and an explicit null alike, as Go does for pointer fields.
    @inline(__always)
    private func present(_ key: Key) -> JSONValue? {
        guard let v = lookup(key), !v.isNull else { return nil }
        return v
    }

    private func child(_ value: JSONValue, _ key: Key) -> JSONValueDecoderImpl {
        let k = key.intValue.map { AnyCodingKey(intValue: $0) } ?? AnyCodingKey(stringValue: key.stringValue)
        return JSONValueDecoderImpl(value: value, node: CodingPathNode(parent: node, key: k), fastPaths: fastPaths)
    }

    /// The members whose keys `Key` does not recognise: what an `UnknownFields` property receives.
    private func unknownFields() -> UnknownFields? {
        var extra = JSONObject()
        for (i, e) in object.entries.enumerated() where !usage.isMarked(i) && Key(stringValue: e.key) == nil {
            extra.appendUnchecked(key: e.key, value: e.value)
        }
        return extra.isEmpty ? nil : UnknownFields(extra)
    }

    func decodeNil(forKey key: Key) throws -> Bool { lookup(key)?.isNull ?? true }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try JSONLeaf.bool(try required(key), path(key)) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try JSONLeaf.string(try required(key), path(key)) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try JSONLeaf.double(try required(key), path(key)) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { Float(try JSONLeaf.double(try required(key), path(key))) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try JSONLeaf.integer(try required(key), Int.self, path(key)) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try JSONLeaf.integer(try required(key), Int8.self, path(key)) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try JSONLeaf.integer(try required(key), Int16.self, path(key)) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try JSONLeaf.integer(try required(key), Int32.self, path(key)) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try JSONLeaf.integer(try required(key), Int64.self, path(key)) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try JSONLeaf.integer(try required(key), UInt.self, path(key)) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try JSONLeaf.integer(try required(key), UInt8.self, path(key)) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try JSONLeaf.integer(try required(key), UInt16.self, path(key)) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try JSONLeaf.integer(try required(key), UInt32.self, path(key)) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try JSONLeaf.integer(try required(key), UInt64.self, path(key)) }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        if T.self == UnknownFields.self { return unsafeBitCast(unknownFields() ?? UnknownFields(), to: T.self) }
        return try child(try required(key), key).decodeValue(type)
    }

    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
        try present(key).map { try JSONLeaf.string($0, path(key)) }
    }
    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? {
        try present(key).map { try JSONLeaf.bool($0, path(key)) }
    }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? {
        try present(key).map { try JSONLeaf.double($0, path(key)) }
    }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? {
        try present(key).map { try JSONLeaf.integer($0, Int.self, path(key)) }
    }
    func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? {
        try present(key).map { try JSONLeaf.integer($0, Int32.self, path(key)) }
    }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? {
        try present(key).map { try JSONLeaf.integer($0, Int64.self, path(key)) }
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        if T.self == UnknownFields.self { return unsafeBitCast(unknownFields(), to: T?.self) }
        guard let v = present(key) else { return nil }
        return try child(v, key).decodeValue(type)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try child(try required(key), key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> UnkeyedDecodingContainer {
        try child(try required(key), key).unkeyedContainer()
    }

    func superDecoder() throws -> Decoder {
        JSONValueDecoderImpl(value: .object(object), node: node, fastPaths: fastPaths)
    }

    func superDecoder(forKey key: Key) throws -> Decoder {
        child(lookup(key) ?? .null, key)
    }
}

private struct UnkeyedContainer: UnkeyedDecodingContainer {
    let items: [JSONValue]
    let node: CodingPathNode?
    let fastPaths: Bool
    var currentIndex = 0

    init(items: [JSONValue], node: CodingPathNode?, fastPaths: Bool) {
        self.items = items
        self.node = node
        self.fastPaths = fastPaths
    }

    var codingPath: [CodingKey] { CodingPathNode.path(node) }
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    private var indexPath: [CodingKey] { CodingPathNode.path(node, appending: AnyCodingKey(intValue: currentIndex - 1)) }

    private mutating func nextValue() throws -> JSONValue {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(Any.self, .init(codingPath: codingPath, debugDescription: "array ended early"))
        }
        currentIndex += 1
        return items[currentIndex - 1]
    }

    private mutating func next() throws -> JSONValueDecoderImpl {
        let v = try nextValue()
        return JSONValueDecoderImpl(
            value: v, node: CodingPathNode(parent: node, key: AnyCodingKey(intValue: currentIndex - 1)), fastPaths: fastPaths)
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else { return false }
        if items[currentIndex].isNull {
            currentIndex += 1
            return true
        }
        return false
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try JSONLeaf.bool(try nextValue(), indexPath) }
    mutating func decode(_ type: String.Type) throws -> String { try JSONLeaf.string(try nextValue(), indexPath) }
    mutating func decode(_ type: Double.Type) throws -> Double { try JSONLeaf.double(try nextValue(), indexPath) }
    mutating func decode(_ type: Float.Type) throws -> Float { Float(try JSONLeaf.double(try nextValue(), indexPath)) }
    mutating func decode(_ type: Int.Type) throws -> Int { try JSONLeaf.integer(try nextValue(), Int.self, indexPath) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try JSONLeaf.integer(try nextValue(), Int8.self, indexPath) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try JSONLeaf.integer(try nextValue(), Int16.self, indexPath) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try JSONLeaf.integer(try nextValue(), Int32.self, indexPath) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try JSONLeaf.integer(try nextValue(), Int64.self, indexPath) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try JSONLeaf.integer(try nextValue(), UInt.self, indexPath) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try JSONLeaf.integer(try nextValue(), UInt8.self, indexPath) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try JSONLeaf.integer(try nextValue(), UInt16.self, indexPath) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try JSONLeaf.integer(try nextValue(), UInt32.self, indexPath) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try JSONLeaf.integer(try nextValue(), UInt64.self, indexPath) }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decodeValue(type) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try next().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> UnkeyedDecodingContainer { try next().unkeyedContainer() }

    mutating func superDecoder() throws -> Decoder { try next() }
}
