// JSONValueEncoder: `Encodable` types to a `JSONValue` (or straight to JSON bytes).
//
// `UnknownFields` properties are merged into the enclosing object (typed fields win on a clash), and
// string-keyed dictionaries are written with sorted keys, as Go's encoding/json does, so output is
// deterministic (stable patches, stable golden files).

import Foundation

public struct JSONValueEncoder: Sendable {
    public var options: JSONWriter.Options

    public init(options: JSONWriter.Options = []) { self.options = options }

    public func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        let impl = JSONValueEncoderImpl(codingPath: [])
        try impl.encodeValue(value)
        return impl.storage.finalize()
    }

    public func encodeBytes<T: Encodable>(_ value: T) throws -> [UInt8] {
        JSONWriter.write(try encode(value), options: options)
    }

    public func encodeData<T: Encodable>(_ value: T) throws -> Data {
        Data(try encodeBytes(value))
    }
}

/// Marks `[String: V]`, whose keys are written sorted.
protocol SortedKeysEncodable {}
extension Dictionary: SortedKeysEncodable where Key == String {}

/// The value being built for one position in the output tree. Containers hold on to it by reference,
/// as the Encoder protocol lets nested containers be filled after they are created.
final class EncodingStorage {
    enum Content {
        case empty
        case value(JSONValue)
        case object(ObjectBuffer)
        case array(ArrayBuffer)
    }

    var content: Content = .empty

    func set(_ value: JSONValue) { content = .value(value) }

    func objectBuffer() -> ObjectBuffer {
        if case .object(let o) = content { return o }
        let o = ObjectBuffer()
        if case .value(.object(let existing)) = content {
            for (k, v) in existing { o.set(k, .value(v)) }
        }
        content = .object(o)
        return o
    }

    func arrayBuffer() -> ArrayBuffer {
        if case .array(let a) = content { return a }
        let a = ArrayBuffer()
        content = .array(a)
        return a
    }

    func finalize() -> JSONValue {
        switch content {
        case .empty: return .object(JSONObject())  // an Encodable that wrote nothing, as Foundation does
        case .value(let v): return v
        case .object(let o): return o.finalize()
        case .array(let a): return .array(a.entries.map { $0.finalize() })
        }
    }
}

enum EncodingEntry {
    case value(JSONValue)
    case nested(EncodingStorage)

    func finalize() -> JSONValue {
        switch self {
        case .value(let v): return v
        case .nested(let s): return s.finalize()
        }
    }
}

final class ObjectBuffer {
    var keys: [String] = []
    var entries: [EncodingEntry] = []
    var sortKeys = false
    /// Built once the object grows past a few dozen keys, so encoding a large map stays linear.
    private var index: [String: Int]? = nil

    private func position(of key: String) -> Int? {
        if let index { return index[key] }
        if keys.count > 32 {
            var idx = [String: Int](minimumCapacity: keys.count * 2)
            for (i, k) in keys.enumerated() { idx[k] = i }
            index = idx
            return idx[key]
        }
        return keys.firstIndex(of: key)
    }

    func set(_ key: String, _ entry: EncodingEntry) {
        if let i = position(of: key) {
            entries[i] = entry
        } else {
            keys.append(key)
            entries.append(entry)
            index?[key] = keys.count - 1
        }
    }

    func nested(_ key: String) -> EncodingStorage {
        let s = EncodingStorage()
        set(key, .nested(s))
        return s
    }

    func merge(_ unknown: UnknownFields) {
        for (k, v) in unknown.fields where position(of: k) == nil {
            keys.append(k)
            entries.append(.value(v))
            index?[k] = keys.count - 1
        }
    }

    func finalize() -> JSONValue {
        var members: [JSONObject.Entry] = []
        members.reserveCapacity(keys.count)
        for (k, e) in zip(keys, entries) { members.append(JSONObject.Entry(k, e.finalize())) }
        if sortKeys { members.sort { $0.key < $1.key } }
        return .object(JSONObject(uniqueEntries: members))
    }
}

final class ArrayBuffer {
    var entries: [EncodingEntry] = []
}

struct JSONValueEncoderImpl: Encoder {
    let storage: EncodingStorage
    let codingPath: [CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(codingPath: [CodingKey], storage: EncodingStorage = EncodingStorage()) {
        self.codingPath = codingPath
        self.storage = storage
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(KeyedContainer<Key>(buffer: storage.objectBuffer(), codingPath: codingPath))
    }

    func unkeyedContainer() -> UnkeyedEncodingContainer {
        UnkeyedContainer(buffer: storage.arrayBuffer(), codingPath: codingPath)
    }

    func singleValueContainer() -> SingleValueEncodingContainer { self }

    /// Encodes `value` into this encoder's storage, with the fast paths for KubeCore's own types.
    func encodeValue<T: Encodable>(_ value: T) throws {
        if let v = value as? JSONValue {
            storage.set(v)
            return
        }
        if let s = value as? String {
            storage.set(.string(s))
            return
        }
        try value.encode(to: self)
        if value is SortedKeysEncodable, case .object(let o) = storage.content { o.sortKeys = true }
    }

    /// Encodes a child value and returns it as an entry: plain values are stored inline, without an extra object.
    static func entry<T: Encodable>(for value: T, codingPath: [CodingKey]) throws -> EncodingEntry {
        if let v = value as? JSONValue { return .value(v) }
        if let s = value as? String { return .value(.string(s)) }
        let child = JSONValueEncoderImpl(codingPath: codingPath)
        try child.encodeValue(value)
        if case .value(let v) = child.storage.content { return .value(v) }
        return .nested(child.storage)
    }
}

func checkedDouble(_ d: Double, _ codingPath: [CodingKey]) throws -> JSONValue {
    guard d.isFinite else {
        throw EncodingError.invalidValue(d, .init(codingPath: codingPath, debugDescription: "\(d) is not representable in JSON"))
    }
    return .double(d)
}

extension JSONValueEncoderImpl: SingleValueEncodingContainer {
    func encodeNil() throws { storage.set(.null) }
    func encode(_ value: Bool) throws { storage.set(.bool(value)) }
    func encode(_ value: String) throws { storage.set(.string(value)) }
    func encode(_ value: Double) throws { storage.set(try checkedDouble(value, codingPath)) }
    func encode(_ value: Float) throws { storage.set(try checkedDouble(Double(value), codingPath)) }
    func encode(_ value: Int) throws { storage.set(.int(Int64(value))) }
    func encode(_ value: Int8) throws { storage.set(.int(Int64(value))) }
    func encode(_ value: Int16) throws { storage.set(.int(Int64(value))) }
    func encode(_ value: Int32) throws { storage.set(.int(Int64(value))) }
    func encode(_ value: Int64) throws { storage.set(.int(value)) }
    func encode(_ value: UInt) throws { storage.set(try unsigned(UInt64(value))) }
    func encode(_ value: UInt8) throws { storage.set(.int(Int64(value))) }
    func encode(_ value: UInt16) throws { storage.set(.int(Int64(value))) }
    func encode(_ value: UInt32) throws { storage.set(.int(Int64(value))) }
    func encode(_ value: UInt64) throws { storage.set(try unsigned(value)) }
    func encode<T: Encodable>(_ value: T) throws { try encodeValue(value) }

    private func unsigned(_ v: UInt64) throws -> JSONValue {
        if let i = Int64(exactly: v) { return .int(i) }
        return .double(Double(v))
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let buffer: ObjectBuffer
    let codingPath: [CodingKey]

    func encodeNil(forKey key: Key) throws { buffer.set(key.stringValue, .value(.null)) }
    func encode(_ value: Bool, forKey key: Key) throws { buffer.set(key.stringValue, .value(.bool(value))) }
    func encode(_ value: String, forKey key: Key) throws { buffer.set(key.stringValue, .value(.string(value))) }
    func encode(_ value: Double, forKey key: Key) throws {
        buffer.set(key.stringValue, .value(try checkedDouble(value, codingPath + [key])))
    }
    func encode(_ value: Float, forKey key: Key) throws {
        buffer.set(key.stringValue, .value(try checkedDouble(Double(value), codingPath + [key])))
    }
    func encode(_ value: Int, forKey key: Key) throws { buffer.set(key.stringValue, .value(.int(Int64(value)))) }
    func encode(_ value: Int8, forKey key: Key) throws { buffer.set(key.stringValue, .value(.int(Int64(value)))) }
    func encode(_ value: Int16, forKey key: Key) throws { buffer.set(key.stringValue, .value(.int(Int64(value)))) }
    func encode(_ value: Int32, forKey key: Key) throws { buffer.set(key.stringValue, .value(.int(Int64(value)))) }
    func encode(_ value: Int64, forKey key: Key) throws { buffer.set(key.stringValue, .value(.int(value))) }
    func encode(_ value: UInt8, forKey key: Key) throws { buffer.set(key.stringValue, .value(.int(Int64(value)))) }
    func encode(_ value: UInt16, forKey key: Key) throws { buffer.set(key.stringValue, .value(.int(Int64(value)))) }
    func encode(_ value: UInt32, forKey key: Key) throws { buffer.set(key.stringValue, .value(.int(Int64(value)))) }

    func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        if let unknown = value as? UnknownFields {
            buffer.merge(unknown)
            return
        }
        buffer.set(key.stringValue, try JSONValueEncoderImpl.entry(for: value, codingPath: codingPath + [key]))
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        let s = buffer.nested(key.stringValue)
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(buffer: s.objectBuffer(), codingPath: codingPath + [key]))
    }

    func nestedUnkeyedContainer(forKey key: Key) -> UnkeyedEncodingContainer {
        let s = buffer.nested(key.stringValue)
        return UnkeyedContainer(buffer: s.arrayBuffer(), codingPath: codingPath + [key])
    }

    func superEncoder() -> Encoder {
        JSONValueEncoderImpl(codingPath: codingPath, storage: buffer.nested("super"))
    }

    func superEncoder(forKey key: Key) -> Encoder {
        JSONValueEncoderImpl(codingPath: codingPath + [key], storage: buffer.nested(key.stringValue))
    }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let buffer: ArrayBuffer
    let codingPath: [CodingKey]
    var count: Int { buffer.entries.count }

    private var indexKey: CodingKey { AnyCodingKey(intValue: buffer.entries.count) }

    func encodeNil() throws { buffer.entries.append(.value(.null)) }
    func encode(_ value: Bool) throws { buffer.entries.append(.value(.bool(value))) }
    func encode(_ value: String) throws { buffer.entries.append(.value(.string(value))) }
    func encode(_ value: Double) throws { buffer.entries.append(.value(try checkedDouble(value, codingPath + [indexKey]))) }
    func encode(_ value: Float) throws {
        buffer.entries.append(.value(try checkedDouble(Double(value), codingPath + [indexKey])))
    }
    func encode(_ value: Int) throws { buffer.entries.append(.value(.int(Int64(value)))) }
    func encode(_ value: Int32) throws { buffer.entries.append(.value(.int(Int64(value)))) }
    func encode(_ value: Int64) throws { buffer.entries.append(.value(.int(value))) }

    func encode<T: Encodable>(_ value: T) throws {
        buffer.entries.append(try JSONValueEncoderImpl.entry(for: value, codingPath: codingPath + [indexKey]))
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let s = EncodingStorage()
        let path = codingPath + [indexKey]
        buffer.entries.append(.nested(s))
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(buffer: s.objectBuffer(), codingPath: path))
    }

    func nestedUnkeyedContainer() -> UnkeyedEncodingContainer {
        let s = EncodingStorage()
        let path = codingPath + [indexKey]
        buffer.entries.append(.nested(s))
        return UnkeyedContainer(buffer: s.arrayBuffer(), codingPath: path)
    }

    func superEncoder() -> Encoder {
        let s = EncodingStorage()
        buffer.entries.append(.nested(s))
        return JSONValueEncoderImpl(codingPath: codingPath, storage: s)
    }
}
