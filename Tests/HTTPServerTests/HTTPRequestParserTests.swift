// The request parser without sockets: framing, every error status, byte-at-a-time input, and a fuzz loop.

import Foundation
import Testing
@testable import HTTPServer

struct HTTPRequestParserTests {
    static let limits = HTTPServer.Limits(maxRequestLineBytes: 256, maxHeaderBytes: 1024, maxHeaderCount: 10,
                                          maxBodyBytes: 1000)

    /// Feeds `bytes` in pieces of `step` bytes and collects everything the parser produces.
    static func parseAll(_ bytes: [UInt8], step: Int = .max, limits: HTTPServer.Limits = limits)
        -> (requests: [ParsedRequest], error: HTTPParseError?) {
        var parser = HTTPRequestParser(limits: limits)
        var input = InputBuffer()
        var requests: [ParsedRequest] = []
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + max(step, 1))
            input.append(Array(bytes[offset..<end]))
            offset = end
            while true {
                switch parser.next(&input) {
                case .needMoreData: break
                case .request(let r):
                    requests.append(r)
                    continue
                case .failure(let e): return (requests, e)
                }
                break
            }
        }
        return (requests, nil)
    }

    static func parseAll(_ text: String, step: Int = .max) -> (requests: [ParsedRequest], error: HTTPParseError?) {
        parseAll(Array(text.utf8), step: step)
    }

    @Test func simpleGetWithHeadersInOrder() throws {
        let (requests, error) = Self.parseAll(
            "GET /api/v1/pods?watch=1 HTTP/1.1\r\nHost: x\r\nX-A: 1\r\nx-a:  2 \r\n\r\n")
        #expect(error == nil)
        let r = try #require(requests.first)
        #expect(r.method == .get)
        #expect(r.target == "/api/v1/pods?watch=1")
        #expect(r.minorVersion == 1)
        #expect(r.keepAlive)
        #expect(r.headers.values("X-A") == ["1", "2"])
        #expect(r.headers.fields.map(\.name) == ["Host", "X-A", "x-a"])
        #expect(r.body.isEmpty)
    }

    @Test func keepAliveRulesPerVersion() {
        let cases: [(String, Bool)] = [
            ("GET / HTTP/1.1\r\nHost: x\r\n\r\n", true),
            ("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", false),
            ("GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, CLOSE\r\n\r\n", false),
            ("GET / HTTP/1.0\r\n\r\n", false),
            ("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true),
        ]
        for (text, keepAlive) in cases {
            #expect(Self.parseAll(text).requests.first?.keepAlive == keepAlive, "\(text)")
        }
    }

    @Test func contentLengthBodyAndPipelinedRequests() {
        let text = "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET /b HTTP/1.1\r\nHost: x\r\n\r\n"
        for step in [1, 2, 3, 7, 1000] {
            let (requests, error) = Self.parseAll(text, step: step)
            #expect(error == nil)
            #expect(requests.map(\.target) == ["/a", "/b"], "step \(step)")
            #expect(requests.first.map { String(decoding: $0.body, as: UTF8.self) } == "hello")
        }
    }

    @Test func chunkedBodyWithExtensionsAndTrailersAtEveryByteBoundary() {
        let text = "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "3;name=value\r\nabc\r\n"
            + "A \r\n0123456789\r\n"
            + "1\r\nZ\r\n"
            + "0\r\nX-Checksum: 42\r\nX-Other: y\r\n\r\n"
            + "GET /next HTTP/1.1\r\nHost: x\r\n\r\n"
        let bytes = Array(text.utf8)
        for step in 1...bytes.count {
            let (requests, error) = Self.parseAll(bytes, step: step)
            #expect(error == nil, "step \(step)")
            #expect(requests.count == 2, "step \(step)")
            #expect(requests.first.map { String(decoding: $0.body, as: UTF8.self) } == "abc0123456789Z", "step \(step)")
            // Trailers are dropped, not merged into the header fields.
            #expect(requests.first?.headers["X-Checksum"] == nil)
        }
    }

    @Test func leadingEmptyLinesAndBareLineFeedsAreTolerated() {
        let (requests, error) = Self.parseAll("\r\n\r\nGET /x HTTP/1.1\nHost: y\n\n")
        #expect(error == nil)
        #expect(requests.first?.target == "/x")
    }

    @Test func absoluteFormTargetBecomesOriginForm() {
        let absolute = Self.parseAll("GET http://host:8080/p?q=1 HTTP/1.1\r\nHost: host\r\n\r\n")
        #expect(absolute.requests.first?.target == "/p?q=1")
        #expect(Self.parseAll("GET http://host HTTP/1.1\r\nHost: host\r\n\r\n").requests.first?.target == "/")
    }

    @Test(arguments: [
        ("GARBAGE\r\n\r\n", 400),
        ("GET  / HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        ("GET / HTTP/1.1 \r\nHost: x\r\n\r\n", 400),
        ("G(T / HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        ("GET nopath HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: x\r\nName : v\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: x\r\n: v\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: x\r\nA: b\r\n folded\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: x\r\nA: b\u{01}c\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400),
        ("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400),
        ("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n", 413),
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n", 413),
        ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3E9\r\n", 413),
        ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFFFFFF\r\n", 413),
        ("GET / HTTP/1.1\r\nHost: x\r\nExpect: something-else\r\n\r\n", 417),
        ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
        ("GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
        ("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505),
        ("GET / HTTQ/1.1\r\nHost: x\r\n\r\n", 400),
    ])
    func malformedInputGetsItsStatus(input: String, status: Int) {
        #expect(Self.parseAll(input).error?.status == status, "\(input.debugDescription)")
    }

    @Test func oversizedHeadsGet414Or431() {
        let longTarget = "GET /" + String(repeating: "a", count: 300) + " HTTP/1.1\r\nHost: x\r\n\r\n"
        #expect(Self.parseAll(longTarget).error?.status == 414)
        // Detected before the line ends, so a client cannot stream an endless request line.
        #expect(Self.parseAll("GET /" + String(repeating: "a", count: 300)).error?.status == 414)
        let manyHeaders = "GET / HTTP/1.1\r\nHost: x\r\n" + (0..<11).map { "X-\($0): v\r\n" }.joined() + "\r\n"
        #expect(Self.parseAll(manyHeaders).error?.status == 431)
        let bigHeader = "GET / HTTP/1.1\r\nHost: x\r\nX: " + String(repeating: "v", count: 1100) + "\r\n\r\n"
        #expect(Self.parseAll(bigHeader).error?.status == 431)
        let unfinished = "GET / HTTP/1.1\r\nHost: x\r\nX: " + String(repeating: "v", count: 1100)
        #expect(Self.parseAll(unfinished).error?.status == 431)
        let bigTrailers = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n"
            + (0..<40).map { "T-\($0): " + String(repeating: "t", count: 30) + "\r\n" }.joined() + "\r\n"
        #expect(Self.parseAll(bigTrailers).error?.status == 431)
    }

    @Test func expectContinueIsReportedWhileTheBodyIsAwaited() {
        var parser = HTTPRequestParser(limits: Self.limits)
        var input = InputBuffer()
        input.append(Array("PUT /x HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n".utf8))
        guard case .needMoreData = parser.next(&input) else {
            Issue.record("expected to wait for the body")
            return
        }
        #expect(parser.isReadingBody)
        #expect(parser.expectsContinue)
        input.append(Array("ok".utf8))
        guard case .request(let r) = parser.next(&input) else {
            Issue.record("expected a request")
            return
        }
        #expect(r.body == Array("ok".utf8))
        #expect(!parser.expectsContinue)
    }

    /// Random bytes, and valid requests with random corruption and truncation, at random split points:
    /// the parser must return something for each (never trap) and never produce a body over the limit.
    @Test func fuzzNeverTrapsAndRespectsLimits() {
        var rng = SplitMix64(seed: 0x9E37_79B9_7F4A_7C15)
        let seeds = [
            "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
            "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody",
            "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4;e=1\r\nabcd\r\n0\r\nT: 1\r\n\r\n",
            "PUT /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc",
        ].map { Array($0.utf8) }
        let alphabet = Array("\r\n :;0123456789abcdefABCDEF/HTTP.-\t\u{0}".utf8) + [0xFF, 0x80, 0x7F]
        for round in 0..<fuzzRounds(3000) {
            var bytes: [UInt8]
            switch round % 3 {
            case 0:
                bytes = (0..<Int(rng.next() % 300)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            case 1:
                bytes = seeds[Int(rng.next() % UInt64(seeds.count))]
                for _ in 0..<(1 + Int(rng.next() % 4)) where !bytes.isEmpty {
                    let i = Int(rng.next() % UInt64(bytes.count))
                    switch rng.next() % 3 {
                    case 0: bytes[i] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                    case 1: bytes.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: i)
                    default: bytes.remove(at: i)
                    }
                }
            default:
                let seed = seeds[Int(rng.next() % UInt64(seeds.count))]
                bytes = Array(seed[0..<Int(rng.next() % UInt64(seed.count))])
            }
            let step = 1 + Int(rng.next() % 17)
            let (requests, error) = Self.parseAll(bytes, step: step)
            for r in requests { #expect(r.body.count <= Self.limits.maxBodyBytes) }
            if let error { #expect([400, 413, 414, 417, 431, 501, 505].contains(error.status), "\(error)") }
        }
    }
}

/// Fuzz rounds: the default keeps the suite fast; GANTRY_FUZZ_SCALE=100 runs a long soak by hand.
func fuzzRounds(_ base: Int) -> Int {
    base * max(1, Int(ProcessInfo.processInfo.environment["GANTRY_FUZZ_SCALE"] ?? "") ?? 1)
}

/// Deterministic random numbers, so a failing fuzz case can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
