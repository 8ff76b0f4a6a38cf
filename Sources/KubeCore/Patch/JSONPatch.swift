// JSONPatch (RFC 6902): add, remove, replace, move, copy and test operations on a JSON document, applied
// all-or-nothing, with a builder for controllers that write `application/json-patch+json` bodies.

public struct JSONPatchError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// A pointer that is not RFC 6901 text.
        case invalidPointer
        /// A malformed operation: unknown `op`, missing `path`, `from` or `value`.
        case invalidOperation
        /// The target (or its parent, for add) does not exist.
        case pathNotFound
        /// An array index that is not a number, has a leading zero, or is out of range.
        case invalidIndex
        /// A `test` operation found a different value.
        case testFailed
        /// A `move` into one of the moved value's own children.
        case invalidMove
    }

    public var kind: Kind
    public var message: String
    /// Index of the failing operation in the patch, when applying.
    public var operationIndex: Int?

    public init(_ kind: Kind, _ message: String, operationIndex: Int? = nil) {
        self.kind = kind
        self.message = message
        self.operationIndex = operationIndex
    }

    public var description: String {
        operationIndex.map { "JSON patch operation \($0): \(message)" } ?? "JSON patch: \(message)"
    }
}

public enum JSONPatchOperation: Sendable, Hashable {
    case add(path: JSONPointer, value: JSONValue)
    case remove(path: JSONPointer)
    case replace(path: JSONPointer, value: JSONValue)
    case move(from: JSONPointer, path: JSONPointer)
    case copy(from: JSONPointer, path: JSONPointer)
    case test(path: JSONPointer, value: JSONValue)

    public var op: String {
        switch self {
        case .add: return "add"
        case .remove: return "remove"
        case .replace: return "replace"
        case .move: return "move"
        case .copy: return "copy"
        case .test: return "test"
        }
    }

    public var path: JSONPointer {
        switch self {
        case .add(let p, _), .remove(let p), .replace(let p, _), .move(_, let p), .copy(_, let p), .test(let p, _): return p
        }
    }
}

public struct JSONPatch: Sendable, Hashable {
    public var operations: [JSONPatchOperation]

    public init(_ operations: [JSONPatchOperation] = []) { self.operations = operations }

    /// Pointers deeper than this cannot resolve in any document KubeCore parses, and would only deepen recursion.
    static let maximumPointerDepth = 1024

    // MARK: Builder

    public mutating func add(_ path: JSONPointer, _ value: JSONValue) { operations.append(.add(path: path, value: value)) }
    public mutating func remove(_ path: JSONPointer) { operations.append(.remove(path: path)) }
    public mutating func replace(_ path: JSONPointer, _ value: JSONValue) {
        operations.append(.replace(path: path, value: value))
    }
    public mutating func move(from: JSONPointer, to path: JSONPointer) { operations.append(.move(from: from, path: path)) }
    public mutating func copy(from: JSONPointer, to path: JSONPointer) { operations.append(.copy(from: from, path: path)) }
    public mutating func test(_ path: JSONPointer, _ value: JSONValue) { operations.append(.test(path: path, value: value)) }

    /// Chainable forms: `JSONPatch().testing(["metadata","resourceVersion"], "7").adding([...], v)`.
    public func adding(_ path: JSONPointer, _ value: JSONValue) -> JSONPatch { with(.add(path: path, value: value)) }
    public func removing(_ path: JSONPointer) -> JSONPatch { with(.remove(path: path)) }
    public func replacing(_ path: JSONPointer, _ value: JSONValue) -> JSONPatch { with(.replace(path: path, value: value)) }
    public func moving(from: JSONPointer, to path: JSONPointer) -> JSONPatch { with(.move(from: from, path: path)) }
    public func copying(from: JSONPointer, to path: JSONPointer) -> JSONPatch { with(.copy(from: from, path: path)) }
    public func testing(_ path: JSONPointer, _ value: JSONValue) -> JSONPatch { with(.test(path: path, value: value)) }

    private func with(_ op: JSONPatchOperation) -> JSONPatch { JSONPatch(operations + [op]) }

    // MARK: Apply

    /// The patched document; on any error nothing is applied (the input is a value and is not touched).
    public func apply(to document: JSONValue) throws(JSONPatchError) -> JSONValue {
        var doc = document
        for (index, op) in operations.enumerated() {
            do {
                try Self.apply(op, to: &doc)
            } catch {
                var e = error
                e.operationIndex = index
                throw e
            }
        }
        return doc
    }

    private static func apply(_ op: JSONPatchOperation, to doc: inout JSONValue) throws(JSONPatchError) {
        switch op {
        case .add(let path, let value):
            try add(value, at: path, in: &doc)
        case .remove(let path):
            _ = try remove(at: path, in: &doc)
        case .replace(let path, let value):
            guard let last = path.tokens.last else {
                doc = value
                return
            }
            try modify(&doc, at: path.tokens.dropLast()[...], path: path) { (parent) throws(JSONPatchError) in
                switch parent {
                case .object(var o):
                    guard o.contains(last) else { throw notFound(path) }
                    parent = .null
                    o[last] = value
                    parent = .object(o)
                case .array(var a):
                    guard let i = JSONPointer.arrayIndex(last), i < a.count else { throw badIndex(last, path) }
                    parent = .null
                    a[i] = value
                    parent = .array(a)
                default:
                    throw notFound(path)
                }
            }
        case .move(let from, let path):
            if from == path { return }
            if path.hasPrefix(from) {
                throw JSONPatchError(.invalidMove, "cannot move \"\(from)\" into its own child \"\(path)\"")
            }
            let value = try remove(at: from, in: &doc)
            try add(value, at: path, in: &doc)
        case .copy(let from, let path):
            guard let value = try resolve(from, in: doc) else { throw notFound(from) }
            try add(value, at: path, in: &doc)
        case .test(let path, let value):
            guard let actual = try resolve(path, in: doc) else { throw notFound(path) }
            guard actual == value else {
                throw JSONPatchError(.testFailed, "test of \"\(path)\" failed: expected \(value), found \(actual)")
            }
        }
    }

    private static func resolve(_ path: JSONPointer, in doc: JSONValue) throws(JSONPatchError) -> JSONValue? {
        guard path.tokens.count <= maximumPointerDepth else { throw notFound(path) }
        return path.resolve(in: doc)
    }

    private static func add(_ value: JSONValue, at path: JSONPointer, in doc: inout JSONValue) throws(JSONPatchError) {
        guard let last = path.tokens.last else {
            doc = value
            return
        }
        try modify(&doc, at: path.tokens.dropLast()[...], path: path) { (parent) throws(JSONPatchError) in
            switch parent {
            case .object(var o):
                parent = .null
                o[last] = value
                parent = .object(o)
            case .array(var a):
                let index: Int
                if last == "-" {
                    index = a.count
                } else {
                    guard let i = JSONPointer.arrayIndex(last), i <= a.count else { throw badIndex(last, path) }
                    index = i
                }
                parent = .null
                a.insert(value, at: index)
                parent = .array(a)
            default:
                throw notFound(path)
            }
        }
    }

    private static func remove(at path: JSONPointer, in doc: inout JSONValue) throws(JSONPatchError) -> JSONValue {
        guard let last = path.tokens.last else {
            throw JSONPatchError(.invalidOperation, "cannot remove the whole document")
        }
        var removed: JSONValue = .null
        try modify(&doc, at: path.tokens.dropLast()[...], path: path) { (parent) throws(JSONPatchError) in
            switch parent {
            case .object(var o):
                parent = .null
                defer { parent = .object(o) }
                guard let v = o.removeValue(forKey: last) else { throw notFound(path) }
                removed = v
            case .array(var a):
                guard let i = JSONPointer.arrayIndex(last), i < a.count else { throw badIndex(last, path) }
                parent = .null
                removed = a.remove(at: i)
                parent = .array(a)
            default:
                throw notFound(path)
            }
        }
        return removed
    }

    /// Runs `body` on the value at `tokens`, mutating in place. Containers are taken out of the tree while
    /// they change so that they stay uniquely referenced and are not copied.
    private static func modify(
        _ value: inout JSONValue, at tokens: ArraySlice<String>, path: JSONPointer,
        _ body: (inout JSONValue) throws(JSONPatchError) -> Void
    ) throws(JSONPatchError) {
        guard tokens.count < maximumPointerDepth else { throw notFound(path) }
        guard let token = tokens.first else {
            try body(&value)
            return
        }
        let rest = tokens.dropFirst()
        switch value {
        case .object(var o):
            value = .null
            defer { value = .object(o) }
            let found: Void? = try o.modifyValue(forKey: token) { (child) throws(JSONPatchError) in
                try modify(&child, at: rest, path: path, body)
            }
            if found == nil { throw notFound(path) }
        case .array(var a):
            guard let i = JSONPointer.arrayIndex(token), i < a.count else { throw notFound(path) }
            value = .null
            defer { value = .array(a) }
            try modify(&a[i], at: rest, path: path, body)
        default:
            throw notFound(path)
        }
    }

    private static func notFound(_ path: JSONPointer) -> JSONPatchError {
        JSONPatchError(.pathNotFound, "path \"\(path)\" does not exist")
    }

    private static func badIndex(_ token: String, _ path: JSONPointer) -> JSONPatchError {
        JSONPatchError(.invalidIndex, "invalid or out-of-range array index \"\(token)\" in \"\(path)\"")
    }
}

// MARK: - Wire form: [{"op":"add","path":"/a","value":1}, ...]

extension JSONPatchOperation: Codable {
    private enum CodingKeys: String, CodingKey { case op, path, from, value }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let op = try c.decode(String.self, forKey: .op)
        let path = try c.decode(JSONPointer.self, forKey: .path)
        func value() throws -> JSONValue {
            // An explicit null is a value; only a missing member is an error.
            guard c.contains(.value) else {
                throw DecodingError.keyNotFound(
                    CodingKeys.value, .init(codingPath: c.codingPath, debugDescription: "\"\(op)\" needs a value"))
            }
            return try c.decode(JSONValue.self, forKey: .value)
        }
        switch op {
        case "add": self = .add(path: path, value: try value())
        case "remove": self = .remove(path: path)
        case "replace": self = .replace(path: path, value: try value())
        case "move": self = .move(from: try c.decode(JSONPointer.self, forKey: .from), path: path)
        case "copy": self = .copy(from: try c.decode(JSONPointer.self, forKey: .from), path: path)
        case "test": self = .test(path: path, value: try value())
        default:
            throw DecodingError.dataCorrupted(
                .init(codingPath: c.codingPath + [CodingKeys.op], debugDescription: "unknown JSON patch operation \"\(op)\""))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(op, forKey: .op)
        try c.encode(path, forKey: .path)
        switch self {
        case .add(_, let v), .replace(_, let v), .test(_, let v): try c.encode(v, forKey: .value)
        case .move(let from, _), .copy(let from, _): try c.encode(from, forKey: .from)
        case .remove: break
        }
    }
}

extension JSONPatch: Codable {
    public init(from decoder: Decoder) throws {
        operations = try [JSONPatchOperation](from: decoder)
    }

    public func encode(to encoder: Encoder) throws {
        try operations.encode(to: encoder)
    }
}
