// YAMLReader: libyaml's event stream turned into `JSONValue` documents, without recursion.
//
// libyaml parses; this file builds values on an explicit stack (so depth is a checked limit, not a stack
// overflow), resolves scalars with `YAMLScalarResolver`, expands aliases and `<<` merges, and refuses
// duplicate keys. Alias expansion is budgeted, because a few hundred bytes of nested aliases can otherwise
// describe billions of nodes.

import CYAML

struct YAMLReader {
    struct Options {
        var maximumDepth = 512
        /// Nodes that aliases may add on top of ten times the nodes actually written in the text.
        var aliasExpansionAllowance = 1_000_000
    }

    struct Document {
        var value: JSONValue
        var line: Int
    }

    private enum Anchored {
        case scalar(YAMLScalar)
        case value(JSONValue)
    }

    /// A finished node, waiting to become a value or a key of its parent.
    private enum Node {
        case scalar(YAMLScalar)
        case value(JSONValue)
    }

    private struct Position {
        var line: Int
        var column: Int
        init(_ mark: yaml_mark_t) {
            line = Int(mark.line) + 1
            column = Int(mark.column) + 1
        }
    }

    private enum PendingKey {
        case key(String)
        case merge
    }

    private struct Frame {
        var isMapping: Bool
        var items: [JSONValue] = []
        var object = JSONObject()
        /// Keys written in this mapping (merged keys are not: explicit keys override them wherever they appear).
        var explicitKeys: Set<String> = []
        var pendingKey: PendingKey? = nil
        var sawMerge = false
        var anchor: String?
        var expandedAtStart: Int
        var position: Position
        /// Depth of the deepest child so far, aliases included (a chain of aliases nests without indenting).
        var childDepth = 0
    }

    private let options: Options
    private var stack: [Frame] = []
    private var anchors: [String: (node: Anchored, nodes: Int, depth: Int)] = [:]
    private var root: JSONValue? = nil
    private var sourceNodes = 0
    private var expandedNodes = 0

    private init(options: Options) { self.options = options }

    static func read(_ input: [UInt8], options: Options = Options()) throws -> [Document] {
        var reader = YAMLReader(options: options)
        if input.isEmpty { return [] }
        // libyaml keeps a pointer into the input instead of copying it: the buffer must outlive the parser,
        // which it does because the parser is created and destroyed inside this closure.
        return try input.withUnsafeBufferPointer { buffer in
            let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
            defer { parser.deallocate() }
            guard yaml_parser_initialize(parser) == 1 else {
                throw YAMLError(.syntax, "cannot initialise the YAML parser (out of memory)")
            }
            defer { yaml_parser_delete(parser) }
            yaml_parser_set_input_string(parser, buffer.baseAddress, buffer.count)
            return try reader.run(parser, input: buffer)
        }
    }

    private mutating func run(_ parser: UnsafeMutablePointer<yaml_parser_t>, input: UnsafeBufferPointer<UInt8>) throws
        -> [Document]
    {
        var documents: [Document] = []
        var documentLine = 1
        var event = yaml_event_t()
        while true {
            guard yaml_parser_parse(parser, &event) == 1 else { throw Self.parserError(parser, input: input) }
            defer { yaml_event_delete(&event) }
            let position = Position(event.start_mark)
            switch event.type {
            case YAML_STREAM_START_EVENT, YAML_NO_EVENT:
                continue
            case YAML_STREAM_END_EVENT:
                return documents
            case YAML_DOCUMENT_START_EVENT:
                // Anchors are scoped to their document.
                anchors.removeAll(keepingCapacity: true)
                root = nil
                stack.removeAll(keepingCapacity: true)
                documentLine = position.line
            case YAML_DOCUMENT_END_EVENT:
                documents.append(Document(value: root ?? .null, line: documentLine))
            case YAML_SCALAR_EVENT:
                let s = event.data.scalar
                let text = s.value.map { String(decoding: UnsafeBufferPointer(start: $0, count: s.length), as: UTF8.self) } ?? ""
                let tag = s.tag.map { String(cString: $0) }
                let plain = s.plain_implicit != 0
                let resolved: YAMLScalar
                do {
                    resolved = try YAMLScalarResolver.resolve(value: text, tag: tag, plainImplicit: plain)
                } catch let e as YAMLScalarResolver.TagMismatch {
                    throw YAMLError(.invalidValue, e.message, line: position.line, column: position.column)
                }
                try count(nodes: 1, source: true, at: position)
                if let anchor = s.anchor.map({ String(cString: $0) }) { anchors[anchor] = (.scalar(resolved), 1, 0) }
                let isMerge = (text == "<<" && plain && tag == nil) || tag == YAMLTag.merge
                try add(.scalar(resolved), isMergeKey: isMerge, at: position)
            case YAML_ALIAS_EVENT:
                let name = event.data.alias.anchor.map { String(cString: $0) } ?? ""
                guard let target = anchors[name] else {
                    throw YAMLError(.unknownAnchor, "unknown anchor '\(name)' referenced", line: position.line, column: position.column)
                }
                try count(nodes: target.nodes, source: false, at: position)
                try noteChild(depth: target.depth, at: position)
                switch target.node {
                case .scalar(let s): try add(.scalar(s), isMergeKey: false, at: position)
                case .value(let v): try add(.value(v), isMergeKey: false, at: position)
                }
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                let isMapping = event.type == YAML_MAPPING_START_EVENT
                let anchorPointer = isMapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor
                try push(isMapping: isMapping, anchor: anchorPointer.map { String(cString: $0) }, at: position)
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let frame = stack.popLast() else { continue }
                let value: JSONValue = frame.isMapping ? .object(frame.object) : .array(frame.items)
                try count(nodes: 1, source: false, at: position)
                let depth = frame.childDepth + 1
                try noteChild(depth: depth, at: frame.position)
                if let anchor = frame.anchor {
                    anchors[anchor] = (.value(value), expandedNodes - frame.expandedAtStart, depth)
                }
                try add(.value(value), isMergeKey: false, at: frame.position)
            default:
                continue
            }
        }
    }

    private mutating func push(isMapping: Bool, anchor: String?, at position: Position) throws {
        if let top = stack.last, top.isMapping, top.pendingKey == nil {
            throw YAMLError(.invalidKey, "a \(isMapping ? "mapping" : "sequence") cannot be a mapping key",
                            line: position.line, column: position.column)
        }
        guard stack.count < options.maximumDepth else {
            throw YAMLError(.tooDeep, "collections nested deeper than \(options.maximumDepth) levels",
                            line: position.line, column: position.column)
        }
        try count(nodes: 0, source: true, at: position)
        stack.append(Frame(isMapping: isMapping, anchor: anchor, expandedAtStart: expandedNodes, position: position))
    }

    /// Records a finished child's depth in its parent; values deeper than the limit are refused even when the
    /// depth comes from aliases, so that nothing downstream recurses without bound.
    private mutating func noteChild(depth: Int, at position: Position) throws {
        guard depth + stack.count <= options.maximumDepth else {
            throw YAMLError(.tooDeep, "collections nested deeper than \(options.maximumDepth) levels",
                            line: position.line, column: position.column)
        }
        if let top = stack.indices.last { stack[top].childDepth = max(stack[top].childDepth, depth) }
    }

    /// Counts nodes against the alias budget; `source` nodes are written in the text, the rest come from aliases.
    private mutating func count(nodes: Int, source: Bool, at position: Position) throws {
        if source { sourceNodes += 1 }
        expandedNodes += nodes
        if expandedNodes > options.aliasExpansionAllowance + 10 * sourceNodes {
            throw YAMLError(.tooManyAliases, "aliases expand to more than \(options.aliasExpansionAllowance) nodes",
                            line: position.line, column: position.column)
        }
    }

    private mutating func add(_ node: Node, isMergeKey: Bool, at position: Position) throws {
        guard !stack.isEmpty else {
            root = try Self.value(of: node, at: position)
            return
        }
        let top = stack.count - 1
        if !stack[top].isMapping {
            stack[top].items.append(try Self.value(of: node, at: position))
            return
        }
        switch stack[top].pendingKey {
        case nil:
            if isMergeKey {
                if stack[top].sawMerge {
                    throw YAMLError(.duplicateKey, "mapping key \"<<\" already defined", line: position.line, column: position.column)
                }
                stack[top].sawMerge = true
                stack[top].pendingKey = .merge
                return
            }
            let key = try Self.key(of: node, at: position)
            if stack[top].explicitKeys.contains(key) {
                throw YAMLError(.duplicateKey, "mapping key \"\(key)\" already defined", line: position.line, column: position.column)
            }
            stack[top].pendingKey = .key(key)
        case .key(let key)?:
            let value = try Self.value(of: node, at: position)
            stack[top].explicitKeys.insert(key)
            stack[top].object[key] = value
            stack[top].pendingKey = nil
        case .merge?:
            let sources: [JSONObject]
            switch node {
            case .value(.object(let o)): sources = [o]
            case .value(.array(let items)) where items.allSatisfy({ $0.objectValue != nil }):
                sources = items.compactMap(\.objectValue)
            default:
                throw YAMLError(.invalidMerge, "map merge requires a mapping or a sequence of mappings as its value",
                                line: position.line, column: position.column)
            }
            // Keys already present (explicit or merged earlier) win; earlier sources win over later ones.
            for source in sources {
                for (k, v) in source where !stack[top].object.contains(k) { stack[top].object[k] = v }
            }
            stack[top].pendingKey = nil
        }
    }

    private static func value(of node: Node, at position: Position) throws -> JSONValue {
        switch node {
        case .value(let v): return v
        case .scalar(let s):
            switch s {
            case .null: return .null
            case .bool(let b): return .bool(b)
            case .int(let i): return .int(i)
            case .uint(let u): return .double(Double(u))
            case .float(let d):
                guard d.isFinite else {
                    throw YAMLError(.invalidValue, "\(d) has no JSON representation", line: position.line, column: position.column)
                }
                return .double(d)
            case .string(let t), .timestamp(let t): return .string(t)
            }
        }
    }

    /// A key as sigs.k8s.io/yaml turns it into a JSON object key.
    private static func key(of node: Node, at position: Position) throws -> String {
        switch node {
        case .scalar(.string(let s)): return s
        case .scalar(.int(let i)): return String(i)
        case .scalar(.bool(let b)): return b ? "true" : "false"
        case .scalar(.float(let d)): return GoNumber.formatFloat32G(d)
        case .value(.string(let s)): return s
        case .scalar(.null), .scalar(.uint), .scalar(.timestamp):
            throw YAMLError(.invalidKey, "unsupported mapping key (null, timestamp or a number beyond int64)",
                            line: position.line, column: position.column)
        case .value:
            throw YAMLError(.invalidKey, "a collection cannot be a mapping key", line: position.line, column: position.column)
        }
    }

    private static func parserError(_ parser: UnsafeMutablePointer<yaml_parser_t>, input: UnsafeBufferPointer<UInt8>)
        -> YAMLError
    {
        let p = parser.pointee
        var message = p.problem.map { String(cString: $0) } ?? "invalid YAML"
        if let context = p.context.map({ String(cString: $0) }) {
            message = "\(message) (\(context) at line \(p.context_mark.line + 1), column \(p.context_mark.column + 1))"
        }
        if p.error == YAML_READER_ERROR {
            // Reader errors (bad encoding) carry a byte offset rather than a mark.
            let offset = min(Int(p.problem_offset), input.count)
            var line = 1
            var column = 1
            for i in 0..<offset {
                if input[i] == UInt8(ascii: "\n") {
                    line += 1
                    column = 1
                } else if input[i] & 0xC0 != 0x80 {
                    column += 1
                }
            }
            return YAMLError(.syntax, message, line: line, column: column)
        }
        return YAMLError(.syntax, message, line: Int(p.problem_mark.line) + 1, column: Int(p.problem_mark.column) + 1)
    }
}
