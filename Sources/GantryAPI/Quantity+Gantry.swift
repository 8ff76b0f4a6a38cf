// What GantryAPI needs from a Quantity, in one place, so a change in KubeCore's Quantity touches one file.

import KubeCore

extension Quantity {
    var isNegative: Bool { sign < 0 }
    /// The value when it is a whole number (device counts, MiB, percent), else nil.
    var wholeValue: Int64? {
        guard nanoUnits % 1_000_000_000 == 0, nanoUnits / 1_000_000_000 <= Int128(Int64.max),
            nanoUnits / 1_000_000_000 >= Int128(Int64.min)
        else { return nil }
        return Int64(nanoUnits / 1_000_000_000)
    }
    var jsonValue: JSONValue { .string(description) }
}
