// A row of a validation table: a change to a valid object and the exact errors it must produce.

import Testing

@testable import GantryAPI

struct ValidationCase<Object: GantryResource>: Sendable, CustomTestStringConvertible {
    var name: String
    var change: @Sendable (inout Object) -> Void
    var expected: [String]

    init(_ name: String, _ expected: [String], _ change: @escaping @Sendable (inout Object) -> Void) {
        self.name = name
        self.expected = expected
        self.change = change
    }

    var testDescription: String { name }

    /// Runs the case on `base`, which must itself be valid.
    func check(_ base: Object, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(base.validate().map(\.description) == [], "the base object must be valid", sourceLocation: sourceLocation)
        var object = base
        change(&object)
        #expect(object.validate().map(\.description) == expected, sourceLocation: sourceLocation)
        // Defaulting never hides an error nor invents one.
        #expect(object.defaulted().validate().map(\.description) == expected, sourceLocation: sourceLocation)
    }
}
