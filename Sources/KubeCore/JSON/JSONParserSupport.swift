// Support for JSONParser's hot loop: a stack that moves elements out instead of copying them, and a
// per-thread cache of short strings so the keys and common values of every watch event are created once
// (and share storage in informer caches) instead of being re-validated and re-allocated each time.

import Foundation

/// Containers collect their members here and move them out at their exact size. Elements are moved, not
/// copied, so building an object costs no retain/release per member.
struct MoveStack<Element> {
    private(set) var base: UnsafeMutablePointer<Element>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    @inline(__always)
    mutating func push(_ element: Element) {
        if count == capacity { grow() }
        (base + count).initialize(to: element)
        count += 1
    }

    private mutating func grow() {
        let bigger = UnsafeMutablePointer<Element>.allocate(capacity: capacity * 2)
        bigger.moveInitialize(from: base, count: count)
        base.deallocate()
        base = bigger
        capacity *= 2
    }

    /// Moves the elements from `start` to the top into a new array of exactly that size.
    mutating func popArray(from start: Int) -> [Element] {
        let n = count - start
        guard n > 0 else { return [] }
        let source = base + start
        let array = [Element](unsafeUninitializedCapacity: n) { buffer, initialized in
            if let destination = buffer.baseAddress { destination.moveInitialize(from: source, count: n) }
            initialized = n
        }
        count = start
        return array
    }

    /// Frees the storage, destroying whatever is left (after an error).
    func destroy() {
        base.deinitialize(count: count)
        base.deallocate()
    }
}

/// A direct-mapped cache of strings of at most 32 UTF-8 bytes, one per thread. A hit costs a hash of four
/// words and a comparison; collisions simply replace the slot.
final class StringInterner {
    static let maximumLength = 32
    private static let slotCount = 1024

    private struct Slot {
        var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0
        var length = -1
        var string = ""
    }

    // Raw storage, not arrays: class-held arrays would add exclusivity checks and bounds checks per access.
    private let slots: UnsafeMutablePointer<Slot>

    private init() {
        slots = .allocate(capacity: Self.slotCount)
        slots.initialize(repeating: Slot(), count: Self.slotCount)
    }

    deinit {
        slots.deinitialize(count: Self.slotCount)
        slots.deallocate()
    }

    /// The string for `count` (≤ 32) bytes at `start`; `readable` bytes may be read from `start` (≥ count).
    @inline(__always)
    func string(_ start: UnsafePointer<UInt8>, count: Int, readable: Int) -> String {
        var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0
        if readable >= 32 {
            let raw = UnsafeRawPointer(start)
            w0 = Self.masked(raw.loadUnaligned(as: UInt64.self), count)
            w1 = Self.masked(raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self), count - 8)
            w2 = Self.masked(raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self), count - 16)
            w3 = Self.masked(raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self), count - 24)
        } else {
            // Near the end of the input: copy only the bytes that exist.
            withUnsafeMutableBytes(of: &w0) { $0.copyMemory(from: UnsafeRawBufferPointer(start: start, count: min(count, 8))) }
            if count > 8 {
                withUnsafeMutableBytes(of: &w1) { $0.copyMemory(from: UnsafeRawBufferPointer(start: start + 8, count: min(count - 8, 8))) }
            }
            if count > 16 {
                withUnsafeMutableBytes(of: &w2) { $0.copyMemory(from: UnsafeRawBufferPointer(start: start + 16, count: min(count - 16, 8))) }
            }
            if count > 24 {
                withUnsafeMutableBytes(of: &w3) { $0.copyMemory(from: UnsafeRawBufferPointer(start: start + 24, count: count - 24)) }
            }
        }
        var h = w0 &* 0x9E37_79B9_7F4A_7C15
        h = (h ^ (h >> 29) ^ w1) &* 0xBF58_476D_1CE4_E5B9
        h = (h ^ (h >> 31) ^ w2 ^ (w3 << 1) ^ UInt64(count)) &* 0x94D0_49BB_1331_11EB
        let slot = slots + Int(truncatingIfNeeded: (h >> 40) & UInt64(Self.slotCount - 1))
        if slot.pointee.length == count, slot.pointee.w0 == w0, slot.pointee.w1 == w1, slot.pointee.w2 == w2,
            slot.pointee.w3 == w3
        {
            return slot.pointee.string
        }
        let s = String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self)
        slot.pointee = Slot(w0: w0, w1: w1, w2: w2, w3: w3, length: count, string: s)
        return s
    }

    /// Keeps the first `bytes` bytes (little-endian) of `word`.
    @inline(__always)
    private static func masked(_ word: UInt64, _ bytes: Int) -> UInt64 {
        if bytes >= 8 { return word }
        if bytes <= 0 { return 0 }
        return word & ((1 << UInt64(bytes * 8)) - 1)
    }

    /// This thread's interner.
    static var current: StringInterner { perThread.value }
    private static let perThread = ThreadLocal { StringInterner() }
}

/// A per-thread direct-mapped cache of parsed quantities: every pod repeats the same few spellings ("8",
/// "32Gi", "500m"), and a lookup is far cheaper than parsing them again.
final class QuantityCache {
    private static let slotCount = 256

    private struct Slot {
        var text: String? = nil
        var quantity = Quantity.zero
    }

    private let slots: UnsafeMutablePointer<Slot>

    private init() {
        slots = .allocate(capacity: Self.slotCount)
        slots.initialize(repeating: Slot(), count: Self.slotCount)
    }

    deinit {
        slots.deinitialize(count: Self.slotCount)
        slots.deallocate()
    }

    /// The quantity `text` spells, or nil if it is not one. Only short spellings are cached.
    func quantity(_ text: String) -> Quantity? {
        let hash = text.utf8.withContiguousStorageIfAvailable { b -> Int in
            var h = b.count &* 0x9E37_79B9
            for c in b.prefix(16) { h = (h ^ Int(c)) &* 0x0100_0193 }
            return h
        } ?? 0
        let slot = slots + ((hash ^ (hash >> 17)) & (Self.slotCount - 1))
        // Bytes, not String ==: canonical equivalence would let "1\u{212A}i" (Kelvin sign) pass for "1Ki".
        if let cached = slot.pointee.text, cached.utf8.elementsEqual(text.utf8) { return slot.pointee.quantity }
        guard let q = try? Quantity(text) else { return nil }
        if text.utf8.count <= 16 { slot.pointee = Slot(text: text, quantity: q) }
        return q
    }

    /// This thread's cache.
    static var current: QuantityCache { perThread.value }
    private static let perThread = ThreadLocal { QuantityCache() }
}

/// One instance per thread, created on first use and released with its thread: the parser's caches are not
/// thread-safe, and a lock on the decode path would cost more than the caches save.
struct ThreadLocal<Value: AnyObject>: Sendable {
    private let key: pthread_key_t
    private let make: @Sendable () -> Value

    init(_ make: @escaping @Sendable () -> Value) {
        var key = pthread_key_t()
        // The destructor is a C function pointer and cannot name `Value`; any class reference releases alike.
        pthread_key_create(&key) { pointer in
            if let pointer { Unmanaged<AnyObject>.fromOpaque(pointer).release() }
        }
        self.key = key
        self.make = make
    }

    var value: Value {
        if let existing = pthread_getspecific(key) {
            return Unmanaged<Value>.fromOpaque(existing).takeUnretainedValue()
        }
        let value = make()
        pthread_setspecific(key, Unmanaged.passRetained(value).toOpaque())
        return value
    }
}
