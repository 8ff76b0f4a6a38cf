// WatchFrameSplitter: cuts a watch body into newline-delimited JSON frames, whatever the chunk boundaries.
//
// libcurl hands over bytes as they arrive: one frame may span many chunks and one chunk may hold many
// frames. Bytes are buffered until a newline completes a frame; a frame that grows past the limit without
// a newline is an error, so a hostile or broken server cannot make the client buffer without bound.

import Foundation

public struct WatchFrameSplitter: Sendable {
    /// Largest frame accepted. etcd caps objects at 1.5 MiB by default; a watch event adds little to that.
    public let maximumFrameBytes: Int

    private var buffer: [UInt8] = []
    /// First byte not yet handed out.
    private var start = 0
    /// Bytes in `start..<scanned` are known to hold no newline, so a partial frame is scanned only once.
    private var scanned = 0

    public init(maximumFrameBytes: Int = 32 << 20) {
        self.maximumFrameBytes = maximumFrameBytes
    }

    /// Bytes received but not yet returned as frames.
    public var bufferedByteCount: Int { buffer.count - start }

    public mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
            scanned = 0
        } else if start > 4096 && start * 2 > buffer.count {
            // Drop consumed frames only when they dominate, so compaction is amortised O(1) per byte.
            buffer.removeSubrange(0..<start)
            scanned -= start
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Passes the next complete frame (without its line ending) to `body`; `nil` when no complete frame is
    /// buffered. Blank lines are skipped. The buffer pointer is valid only inside `body`.
    public mutating func nextFrame<T>(_ body: (UnsafeBufferPointer<UInt8>) throws -> T) throws -> T? {
        while true {
            let found: Int? = buffer.withUnsafeBufferPointer { all -> Int? in
                guard scanned < all.count, let base = all.baseAddress else { return nil }
                guard let hit = memchr(base + scanned, Int32(UInt8(ascii: "\n")), all.count - scanned) else {
                    return nil
                }
                return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            }
            guard let newline = found else {
                scanned = buffer.count
                if buffer.count - start > maximumFrameBytes {
                    throw FrameTooLarge(limit: maximumFrameBytes)
                }
                return nil
            }
            let frameStart = start
            var frameEnd = newline
            start = newline + 1
            scanned = start
            if frameEnd > frameStart && buffer[frameEnd - 1] == UInt8(ascii: "\r") { frameEnd -= 1 }
            if frameEnd - frameStart > maximumFrameBytes { throw FrameTooLarge(limit: maximumFrameBytes) }
            if isBlank(frameStart, frameEnd) { continue }
            return try buffer.withUnsafeBufferPointer { all in
                try body(UnsafeBufferPointer(rebasing: all[frameStart..<frameEnd]))
            }
        }
    }

    /// At the end of the stream: the unterminated rest, if it is more than whitespace. A server that ends
    /// its last event without a newline still delivers it; a truncated event then fails to parse.
    public mutating func takeRemainder() -> [UInt8]? {
        defer {
            buffer.removeAll()
            start = 0
            scanned = 0
        }
        guard !isBlank(start, buffer.count) else { return nil }
        return Array(buffer[start...])
    }

    private func isBlank(_ from: Int, _ to: Int) -> Bool {
        var i = from
        while i < to {
            switch buffer[i] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"): i += 1
            default: return false
            }
        }
        return true
    }

    public struct FrameTooLarge: Error, Sendable, Hashable, CustomStringConvertible {
        public var limit: Int
        public var description: String { "watch frame exceeds \(limit) bytes without a newline" }
    }
}
