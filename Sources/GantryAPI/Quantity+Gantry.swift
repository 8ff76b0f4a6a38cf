// What GantryAPI needs from a Quantity, in one place, so a change in KubeCore's Quantity touches one file.

import KubeCore

extension Quantity {
    /// Whether the text is a quantity at all.
    var isValid: Bool { approximate != nil }
    var isNegative: Bool { (approximate ?? 0) < 0 }
    /// The value when it is a whole number (device counts, MiB, percent), else nil.
    var wholeValue: Int64? {
        guard let v = approximate, v == v.rounded(), abs(v) < 9e18 else { return nil }
        return Int64(v)
    }
    var jsonValue: JSONValue { .string(description) }
}
