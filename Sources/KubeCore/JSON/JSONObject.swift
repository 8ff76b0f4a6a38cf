// JSONObject: the members of a JSON object, in the order they were read or inserted.
//
// Kubernetes objects have few keys per level, so lookups scan linearly; past `indexThreshold` keys a
// dictionary index is kept so a hostile or merely large object (a ConfigMap with 100k keys) cannot make
// parsing quadratic.

public struct JSONObject: Sendable {
    public struct Entry: Sendable {
        public var key: String
        public var value: JSONValue
        public init(_ key: String, _ value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    /// Members in order; one array so an object costs one allocation.
    public private(set) var entries: [Entry] = []
    private var index: [String: Int]? = nil

    private static let indexThreshold = 24

    public init() {}

    public init(_ pairs: some Sequence<(String, JSONValue)>) {
        for (k, v) in pairs { self[k] = v }
    }

    /// Takes members that are already unique (the parser de-duplicates before calling this).
    init(uniqueEntries: [Entry]) {
        entries = uniqueEntries
        if entries.count > Self.indexThreshold { rebuildIndex() }
    }

    public var keys: [String] { entries.map(\.key) }
    public var values: [JSONValue] { entries.map(\.value) }
    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    public func firstIndex(ofKey key: String) -> Int? {
        if let index { return index[key] }
        // Comparing lengths first rejects most keys without a full string comparison.
        let length = key.utf8.count
        for i in entries.indices where entries[i].key.utf8.count == length && entries[i].key == key { return i }
        return nil
    }

    public func contains(_ key: String) -> Bool { firstIndex(ofKey: key) != nil }

    /// Reading a missing key gives `nil`; writing `nil` removes the key; writing an existing key keeps its position.
    public subscript(key: String) -> JSONValue? {
        get {
            guard let i = firstIndex(ofKey: key) else { return nil }
            return entries[i].value
        }
        set {
            if let newValue {
                if let i = firstIndex(ofKey: key) {
                    entries[i].value = newValue
                } else {
                    appendUnchecked(key: key, value: newValue)
                }
            } else if let i = firstIndex(ofKey: key) {
                entries.remove(at: i)
                if index != nil { rebuildIndex() }
            }
        }
    }

    /// Appends without checking for an existing key. Only for callers that know the key is new.
    mutating func appendUnchecked(key: String, value: JSONValue) {
        entries.append(Entry(key, value))
        if index != nil {
            index![key] = entries.count - 1
        } else if entries.count > Self.indexThreshold {
            rebuildIndex()
        }
    }

    /// Runs `body` on the member's value in place (no copy of the value); nil when the key is missing.
    mutating func modifyValue<R, E: Error>(forKey key: String, _ body: (inout JSONValue) throws(E) -> R) throws(E) -> R? {
        guard let i = firstIndex(ofKey: key) else { return nil }
        return try body(&entries[i].value)
    }

    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        let old = self[key]
        self[key] = nil
        return old
    }

    public mutating func sortKeys() {
        entries.sort { $0.key < $1.key }
        if index != nil { rebuildIndex() }
    }

    private mutating func rebuildIndex() {
        guard entries.count > Self.indexThreshold else {
            index = nil
            return
        }
        var idx = [String: Int](minimumCapacity: entries.count)
        for (i, e) in entries.enumerated() { idx[e.key] = i }
        index = idx
    }
}

extension JSONObject: Sequence {
    public struct Iterator: IteratorProtocol {
        var base: IndexingIterator<[Entry]>
        public mutating func next() -> (key: String, value: JSONValue)? {
            guard let e = base.next() else { return nil }
            return (e.key, e.value)
        }
    }

    public func makeIterator() -> Iterator { Iterator(base: entries.makeIterator()) }
    public var underestimatedCount: Int { entries.count }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }
}

extension JSONObject: Hashable {
    /// Equality ignores key order: `{"a":1,"b":2}` equals `{"b":2,"a":1}`, as in JSON.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for (k, v) in lhs {
            guard let other = rhs[k], other == v else { return false }
        }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        // Order-independent: combine per-member hashes commutatively.
        var sum = 0
        for (k, v) in self {
            var h = Hasher()
            h.combine(k)
            h.combine(v)
            sum = sum &+ h.finalize()
        }
        hasher.combine(count)
        hasher.combine(sum)
    }
}
