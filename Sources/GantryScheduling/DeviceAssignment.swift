// A concrete device choice on one node, as bit sets over the node's device positions, so that filter and
// score can try thousands of nodes without allocating. `DeviceLedger.grants(for:)` turns it into grants.

/// A set of device positions (0..<64) on one node.
public struct DeviceMask: Hashable, Sendable, Sequence {
    public var bits: UInt64

    public init(bits: UInt64 = 0) { self.bits = bits }

    public static let empty = DeviceMask()

    public var count: Int { bits.nonzeroBitCount }
    public var isEmpty: Bool { bits == 0 }
    public func contains(_ position: Int) -> Bool { position >= 0 && position < 64 && bits & (1 << UInt64(position)) != 0 }
    public mutating func insert(_ position: Int) { if position >= 0 && position < 64 { bits |= 1 << UInt64(position) } }
    public mutating func remove(_ position: Int) { if position >= 0 && position < 64 { bits &= ~(1 << UInt64(position)) } }
    public func union(_ other: DeviceMask) -> DeviceMask { DeviceMask(bits: bits | other.bits) }
    public func subtracting(_ other: DeviceMask) -> DeviceMask { DeviceMask(bits: bits & ~other.bits) }
    public func intersection(_ other: DeviceMask) -> DeviceMask { DeviceMask(bits: bits & other.bits) }

    /// Positions in ascending order.
    public struct Iterator: IteratorProtocol {
        var rest: UInt64
        public mutating func next() -> Int? {
            guard rest != 0 else { return nil }
            let p = rest.trailingZeroBitCount
            rest &= rest - 1
            return p
        }
    }

    public func makeIterator() -> Iterator { Iterator(rest: bits) }
}

public struct DeviceAssignment: Hashable, Sendable {
    /// Devices taken whole (exclusively).
    public var whole: DeviceMask
    /// Devices that each host one slice of the request's `SliceRequest`.
    public var slices: DeviceMask

    public init(whole: DeviceMask = .empty, slices: DeviceMask = .empty) {
        self.whole = whole
        self.slices = slices
    }

    public static let none = DeviceAssignment()
    public var devices: DeviceMask { whole.union(slices) }
}
