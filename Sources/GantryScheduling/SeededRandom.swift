// Injected randomness: a small seeded generator (SplitMix64) so every engine decision, test and benchmark
// that needs chance is reproducible from its seed. Not for anything security related.

public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A generator for an independent stream derived from this seed (e.g. one for shuffling, one for ties).
    public static func stream(_ seed: UInt64, _ stream: UInt64) -> SeededRandom {
        var g = SeededRandom(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03))
        _ = g.next()
        return g
    }
}
