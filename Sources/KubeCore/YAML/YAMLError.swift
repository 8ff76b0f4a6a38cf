// YAMLError: every way reading or writing YAML can fail, with the 1-based line and column where it did.

public struct YAMLError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// libyaml rejected the text (bad indentation, unclosed quote, tab, invalid UTF-8, ...).
        case syntax
        /// A mapping repeats a key (after resolution: `yes:` and `true:` are the same JSON key).
        case duplicateKey
        /// An alias names an anchor that is not defined before it in the same document.
        case unknownAnchor
        /// A mapping key that JSON cannot have: a collection, null, or a timestamp.
        case invalidKey
        /// A scalar that contradicts its explicit tag (`!!int abc`), or has no JSON form (`.nan`, `.inf`).
        case invalidValue
        /// A `<<` merge whose value is not a mapping or a sequence of mappings.
        case invalidMerge
        /// Collections nested deeper than the limit.
        case tooDeep
        /// Aliases expand to more nodes than the limit (a "billion laughs" document).
        case tooManyAliases
        /// `decode` was given a stream with more than one document.
        case multipleDocuments
        /// The value cannot be written as YAML.
        case unencodable
    }

    public var kind: Kind
    public var message: String
    /// 1-based; 0 when the position is unknown (writing).
    public var line: Int
    public var column: Int

    public init(_ kind: Kind, _ message: String, line: Int = 0, column: Int = 0) {
        self.kind = kind
        self.message = message
        self.line = line
        self.column = column
    }

    public var description: String {
        line > 0 ? "yaml: line \(line), column \(column): \(message)" : "yaml: \(message)"
    }
}
