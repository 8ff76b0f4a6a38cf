// Node name → slot for the scans: every filter and prioritize looks up each candidate name (5,000 per call on a
// large cluster), and hashing a String for a Dictionary (seeded SipHash) was a fifth of a scan. This table hashes
// the UTF-8 bytes with a few multiplies instead. It is an accelerator only: a miss must be confirmed by the
// ledger's dictionary, whose `==` also matches canonically equivalent spellings of a name that differ in bytes.

struct NameIndex: Sendable {
    /// One entry per bucket, so that a probe touches one cache line (three parallel arrays were three misses).
    private struct Entry {
        /// `empty`, `deleted` or the ledger slot of `name`.
        var slot: Int
        var hash: UInt64
        var name: String
    }

    /// Power-of-two sized.
    private var entries: [Entry] = []
    /// Live entries, and entries plus tombstones (what limits probing).
    private var live = 0
    private var used = 0

    private static let empty = -1
    private static let deleted = -2

    /// The slot of `name`, or nil when the table has no entry with these bytes.
    @inline(__always)
    func find(_ name: String) -> Int? {
        guard !entries.isEmpty else { return nil }
        let h = Self.hash(name)
        return entries.withUnsafeBufferPointer { e in
            let mask = e.count - 1
            var i = Int(truncatingIfNeeded: h) & mask
            while true {
                let s = e[i].slot
                if s == Self.empty { return nil }
                if s >= 0 && e[i].hash == h && e[i].name == name { return s }
                i = (i + 1) & mask
            }
        }
    }

    /// Adds a name that is not in the table.
    mutating func insert(_ name: String, slot: Int) {
        if (used + 1) * 2 > entries.count { rehash(minimumCapacity: (live + 1) * 2) }
        let h = Self.hash(name)
        let mask = entries.count - 1
        var i = Int(truncatingIfNeeded: h) & mask
        while entries[i].slot >= 0 { i = (i + 1) & mask }
        if entries[i].slot == Self.empty { used += 1 }
        entries[i] = Entry(slot: slot, hash: h, name: name)
        live += 1
    }

    /// Drops the entry of a ledger slot. By slot, not name: the name a caller removes may be another spelling
    /// of the one stored. A scan, as nodes leave rarely.
    mutating func remove(slot: Int) {
        guard slot >= 0, let i = entries.firstIndex(where: { $0.slot == slot }) else { return }
        entries[i] = Entry(slot: Self.deleted, hash: 0, name: "")
        live -= 1
    }

    private mutating func rehash(minimumCapacity: Int) {
        var capacity = 16
        while capacity < minimumCapacity { capacity *= 2 }
        let old = entries
        entries = [Entry](repeating: Entry(slot: Self.empty, hash: 0, name: ""), count: capacity)
        live = 0
        used = 0
        let mask = capacity - 1
        for e in old where e.slot >= 0 {
            var j = Int(truncatingIfNeeded: e.hash) & mask
            while entries[j].slot != Self.empty { j = (j + 1) & mask }
            entries[j] = e
            live += 1
            used += 1
        }
    }

    @inline(__always)
    static func hash(_ name: String) -> UInt64 {
        if let h = name.utf8.withContiguousStorageIfAvailable({ hash($0) }) { return h }
        var copy = name
        return copy.withUTF8 { hash($0) }
    }

    /// Eight bytes at a time, each word mixed in with a multiply; the final mix spreads every byte over the low
    /// bits that pick the bucket.
    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        guard let base = bytes.baseAddress else { return h }
        let raw = UnsafeRawPointer(base)
        var i = 0
        while i + 8 <= bytes.count {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < bytes.count {
            tail |= UInt64(bytes[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
        h ^= h >> 29
        h = h &* 0xBF58_476D_1CE4_E5B9
        h ^= h >> 32
        return h
    }
}
