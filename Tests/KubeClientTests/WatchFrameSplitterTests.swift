import KubeClient
import KubeCore
import Testing

struct WatchFrameSplitterTests {
    static let frames: [String] = [
        #"{"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"1"}}}"#,
        #"{"type":"MODIFIED","object":{"metadata":{"name":"b"},"data":{"text":"line\nbreak \u00e9 é"}}}"#,
        #"{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"3"}}}"#,
        #"{"type":"DELETED","object":{"metadata":{"name":"c"}}}"#,
    ]
    static let stream = Array(frames.map { $0 + "\n" }.joined().utf8)

    /// Feeds `chunks` and returns every frame produced, as strings.
    func split(_ chunks: [ArraySlice<UInt8>], maximum: Int = 1 << 20) throws -> [String] {
        var splitter = WatchFrameSplitter(maximumFrameBytes: maximum)
        var out: [String] = []
        for chunk in chunks {
            splitter.append(chunk)
            while let frame = try splitter.nextFrame({ String(decoding: $0, as: UTF8.self) }) { out.append(frame) }
        }
        if let rest = splitter.takeRemainder() { out.append(String(decoding: rest, as: UTF8.self)) }
        return out
    }

    @Test func everySingleCutPointYieldsTheSameFrames() throws {
        let bytes = Self.stream
        for cut in 0...bytes.count {
            let frames = try split([bytes[..<cut], bytes[cut...]])
            #expect(frames == Self.frames, "cut at byte \(cut)")
        }
    }

    @Test func everyPairOfCutPointsYieldsTheSameFrames() throws {
        // Two cuts: a frame split in three pieces, or a middle chunk holding a newline alone.
        let bytes = Array(Self.stream.prefix(Self.frames[0].utf8.count + Self.frames[1].utf8.count + 2))
        let expected = Array(Self.frames.prefix(2))
        for first in 0...bytes.count {
            for second in first...bytes.count {
                let frames = try split([bytes[..<first], bytes[first..<second], bytes[second...]])
                #expect(frames == expected, "cuts at \(first), \(second)")
            }
        }
    }

    @Test func oneByteChunks() throws {
        let bytes = Self.stream
        let frames = try split(bytes.indices.map { bytes[$0..<($0 + 1)] })
        #expect(frames == Self.frames)
    }

    @Test func manyFramesInOneChunk() throws {
        let many = (0..<1000).map { #"{"type":"ADDED","object":{"metadata":{"name":"p\#($0)"}}}"# }
        let bytes = Array(many.map { $0 + "\n" }.joined().utf8)
        #expect(try split([bytes[...]]) == many)
    }

    @Test func crlfAndBlankLinesAreIgnored() throws {
        let bytes = Array("\r\n{\"a\":1}\r\n\n  \n{\"b\":2}\n".utf8)
        #expect(try split([bytes[...]]) == [#"{"a":1}"#, #"{"b":2}"#])
    }

    @Test func unterminatedLastFrameIsReturnedAtTheEnd() throws {
        let bytes = Array("{\"a\":1}\n{\"b\":2}".utf8)
        #expect(try split([bytes[...]]) == [#"{"a":1}"#, #"{"b":2}"#])
        let blankTail = Array("{\"a\":1}\n \r\n".utf8)
        #expect(try split([blankTail[...]]) == [#"{"a":1}"#])
    }

    @Test func aFrameLongerThanTheLimitIsAnError() throws {
        var splitter = WatchFrameSplitter(maximumFrameBytes: 64)
        splitter.append(Array(repeating: UInt8(ascii: "x"), count: 40))
        #expect(try splitter.nextFrame { $0.count } == nil)
        splitter.append(Array(repeating: UInt8(ascii: "x"), count: 40))
        #expect(throws: WatchFrameSplitter.FrameTooLarge.self) { try splitter.nextFrame { $0.count } }

        // A complete but oversized frame fails too, while one at the limit passes.
        var exact = WatchFrameSplitter(maximumFrameBytes: 8)
        exact.append(Array("12345678\n123456789\n".utf8))
        #expect(try exact.nextFrame { $0.count } == 8)
        #expect(throws: WatchFrameSplitter.FrameTooLarge.self) { try exact.nextFrame { $0.count } }
    }

    @Test func bufferDoesNotGrowWithConsumedFrames() throws {
        var splitter = WatchFrameSplitter(maximumFrameBytes: 1024)
        let line = Array((String(repeating: "y", count: 100) + "\n").utf8)
        for _ in 0..<10_000 {
            splitter.append(line)
            #expect(try splitter.nextFrame { $0.count } == 100)
        }
        #expect(splitter.bufferedByteCount == 0)
    }
}
