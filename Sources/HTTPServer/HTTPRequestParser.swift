// Incremental HTTP/1.1 request parser: bytes in, whole requests (head and decoded body) out. It is pure (no I/O),
// so it can be fuzzed directly; every malformed or oversized input becomes an `HTTPParseError` carrying the
// status to answer with (400, 413, 414, 417, 431, 501, 505), never a trap.

import Glibc

/// A complete request as read from the wire, before the connection adds its peer address.
struct ParsedRequest: Sendable {
    var method: HTTPMethod
    var target: String
    /// x in HTTP/1.x.
    var minorVersion: Int
    var headers: HTTPHeaders
    var body: [UInt8]
    /// Whether the client allows the connection to stay open after the response.
    var keepAlive: Bool
}

/// Bytes read from a connection and not yet parsed.
struct InputBuffer {
    private(set) var bytes: [UInt8] = []
    private(set) var start = 0

    var readable: Int { bytes.count - start }
    var isEmpty: Bool { start == bytes.count }

    mutating func consume(_ count: Int) {
        precondition(count >= 0 && count <= readable, "consume past the end of the input")
        start += count
        if start == bytes.count {
            // Keep a small buffer for the next request; give a large one (a big body went through) back.
            bytes.removeAll(keepingCapacity: bytes.capacity <= 64 * 1024)
            start = 0
        }
    }

    mutating func append(_ data: UnsafeRawBufferPointer) {
        if start > 0 && start >= bytes.count / 2 {
            bytes.removeSubrange(0..<start)
            start = 0
        }
        bytes.append(contentsOf: data)
    }

    mutating func append(_ data: [UInt8]) { data.withUnsafeBytes { append($0) } }

    /// Discards everything (used while lingering before a close).
    mutating func clear() {
        bytes = []
        start = 0
    }
}

enum ParseResult {
    case needMoreData
    case request(ParsedRequest)
    case failure(HTTPParseError)
}

struct HTTPRequestParser {
    private enum State {
        case head
        case fixedBody(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers(bytes: Int)
    }

    struct Head {
        var method: HTTPMethod
        var target: String
        var minorVersion: Int
        var headers: HTTPHeaders
        var keepAlive: Bool
        var expectsContinue: Bool
        var framing: Framing
    }

    enum Framing: Equatable {
        case none
        case length(Int)
        case chunked
    }

    /// Longest chunk-size line (size plus extensions) accepted.
    static let maxChunkLineBytes = 4096

    let limits: HTTPServer.Limits
    private var state: State = .head
    /// Head scanning: bytes from the input's start already searched, where the current line starts, and
    /// how many lines have ended; kept so a head that arrives a byte at a time is scanned once, not n² times.
    private var scanned = 0
    private var lineStart = 0
    private var lines = 0
    private var head: Head?
    private var body: [UInt8] = []

    init(limits: HTTPServer.Limits) { self.limits = limits }

    /// True once the head has been parsed and the body is still arriving.
    var isReadingBody: Bool { if case .head = state { false } else { true } }

    /// True while reading the body of a request that asked for `100 Continue`.
    var expectsContinue: Bool { isReadingBody && head?.expectsContinue == true }

    /// Consumes what it can from `input`; returns a request as soon as one is complete.
    mutating func next(_ input: inout InputBuffer) -> ParseResult {
        while true {
            let step: Step
            switch state {
            case .head: step = scanHead(&input)
            case .fixedBody(let remaining): step = readFixedBody(&input, remaining: remaining)
            case .chunkSize: step = readChunkSize(&input)
            case .chunkData(let remaining): step = readChunkData(&input, remaining: remaining)
            case .chunkDataEnd: step = readChunkDataEnd(&input)
            case .trailers(let bytes): step = readTrailers(&input, bytes: bytes)
            }
            switch step {
            case .progress: continue
            case .needMoreData: return .needMoreData
            case .failure(let error):
                reset()
                return .failure(error)
            case .complete:
                guard let head else { preconditionFailure("request completed without a head") }
                let request = ParsedRequest(method: head.method, target: head.target, minorVersion: head.minorVersion,
                                            headers: head.headers, body: body, keepAlive: head.keepAlive)
                reset()
                return .request(request)
            }
        }
    }

    private enum Step {
        case progress, needMoreData, complete
        case failure(HTTPParseError)
    }

    private mutating func reset() {
        state = .head
        scanned = 0
        lineStart = 0
        lines = 0
        head = nil
        body = []
    }

    // MARK: head

    private mutating func scanHead(_ input: inout InputBuffer) -> Step {
        // Tolerate empty lines before a request line (RFC 9112 §2.2), e.g. a CRLF after a previous body.
        if scanned == 0 {
            var skip = 0
            input.bytes.withUnsafeBufferPointer { buf in
                while input.start + skip < buf.count {
                    let b = buf[input.start + skip]
                    guard b == 0x0D || b == 0x0A else { break }
                    skip += 1
                }
            }
            if skip > 0 { input.consume(skip) }
        }
        let limits = self.limits
        var end: Int? = nil
        var failure: HTTPParseError? = nil
        input.bytes.withUnsafeBufferPointer { buf in
            let base = input.start
            let available = input.readable
            guard let basePointer = buf.baseAddress else { return }
            while scanned < available {
                let raw = UnsafeRawPointer(basePointer.advanced(by: base + scanned))
                guard let hit = memchr(raw, 0x0A, available - scanned) else {
                    scanned = available
                    break
                }
                let lf = scanned + (UnsafeRawPointer(hit) - raw)
                var lineEnd = lf
                if lineEnd > lineStart && buf[base + lineEnd - 1] == 0x0D { lineEnd -= 1 }
                if lines == 0 && lf > limits.maxRequestLineBytes {
                    failure = HTTPParseError(414, "request line longer than \(limits.maxRequestLineBytes) bytes")
                    return
                }
                if lineEnd == lineStart && lines > 0 {
                    end = lf + 1
                    return
                }
                lines += 1
                if lines > limits.maxHeaderCount + 1 {
                    failure = HTTPParseError(431, "more than \(limits.maxHeaderCount) header fields")
                    return
                }
                lineStart = lf + 1
                scanned = lf + 1
            }
            if lines == 0 && available > limits.maxRequestLineBytes {
                failure = HTTPParseError(414, "request line longer than \(limits.maxRequestLineBytes) bytes")
            } else if available > limits.maxHeaderBytes {
                failure = HTTPParseError(431, "header section larger than \(limits.maxHeaderBytes) bytes")
            }
        }
        if let failure { return .failure(failure) }
        guard let end else { return .needMoreData }
        if end > limits.maxHeaderBytes {
            return .failure(HTTPParseError(431, "header section larger than \(limits.maxHeaderBytes) bytes"))
        }
        let parsed = input.bytes.withUnsafeBufferPointer { buf in
            Self.parseHead(UnsafeBufferPointer(rebasing: buf[input.start..<(input.start + end)]), limits: limits)
        }
        input.consume(end)
        scanned = 0
        lineStart = 0
        lines = 0
        switch parsed {
        case .failure(let error): return .failure(error)
        case .success(let h):
            head = h
            switch h.framing {
            case .none: return .complete
            case .length(let n):
                if n == 0 { return .complete }
                body.reserveCapacity(min(n, 1 << 20))
                state = .fixedBody(remaining: n)
            case .chunked:
                state = .chunkSize
            }
            return .progress
        }
    }

    /// Parses a complete head (request line, header fields, the empty line).
    static func parseHead(_ bytes: UnsafeBufferPointer<UInt8>,
                          limits: HTTPServer.Limits) -> Result<Head, HTTPParseError> {
        var lines: [Range<Int>] = []
        var start = 0
        while start < bytes.count {
            var lf = start
            while lf < bytes.count && bytes[lf] != 0x0A { lf += 1 }
            var end = lf
            if end > start && bytes[end - 1] == 0x0D { end -= 1 }
            if end == start { break }
            lines.append(start..<end)
            start = lf + 1
        }
        guard let requestLine = lines.first else { return .failure(.badRequest("empty request")) }

        // Request line: method SP request-target SP HTTP-version, single spaces (RFC 9112 §3).
        let line = UnsafeBufferPointer(rebasing: bytes[requestLine])
        guard let sp1 = line.firstIndex(of: 0x20), let sp2 = line.lastIndex(of: 0x20), sp1 < sp2 else {
            return .failure(.badRequest("malformed request line"))
        }
        let methodBytes = UnsafeBufferPointer(rebasing: line[0..<sp1])
        let targetBytes = UnsafeBufferPointer(rebasing: line[(sp1 + 1)..<sp2])
        let versionBytes = UnsafeBufferPointer(rebasing: line[(sp2 + 1)...])
        guard !methodBytes.isEmpty, methodBytes.allSatisfy(isTokenByte) else {
            return .failure(.badRequest("invalid method"))
        }
        guard !targetBytes.isEmpty, targetBytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            return .failure(.badRequest("invalid request target"))
        }
        let minor: Int
        switch parseVersion(versionBytes) {
        case .some((1, let m)): minor = m
        case .some: return .failure(HTTPParseError(505, "only HTTP/1.x is supported"))
        case .none: return .failure(.badRequest("malformed HTTP version"))
        }
        let method = HTTPMethod(String(decoding: methodBytes, as: UTF8.self))
        var target = String(decoding: targetBytes, as: UTF8.self)
        if targetBytes.first == 0x2F {
            // origin-form, the usual case
        } else if targetBytes.count == 1 && targetBytes[0] == 0x2A && method == .options {
            // asterisk-form "OPTIONS *"
        } else if let origin = originForm(ofAbsolute: target) {
            target = origin
        } else {
            return .failure(.badRequest("invalid request target"))
        }

        var headers = HTTPHeaders()
        var contentLengths: [Substring] = []
        var transferCodings: [String] = []
        var sawTransferEncoding = false
        var connectionClose = false
        var connectionKeepAlive = false
        var expectsContinue = false
        var hosts = 0
        for range in lines.dropFirst() {
            let field = UnsafeBufferPointer(rebasing: bytes[range])
            if field[0] == 0x20 || field[0] == 0x09 {
                return .failure(.badRequest("obsolete line folding in header fields"))
            }
            guard let colon = field.firstIndex(of: 0x3A), colon > 0 else {
                return .failure(.badRequest("header field without a name"))
            }
            let nameBytes = UnsafeBufferPointer(rebasing: field[0..<colon])
            guard nameBytes.allSatisfy(isTokenByte) else { return .failure(.badRequest("invalid header field name")) }
            var vStart = colon + 1
            var vEnd = field.count
            while vStart < vEnd && (field[vStart] == 0x20 || field[vStart] == 0x09) { vStart += 1 }
            while vEnd > vStart && (field[vEnd - 1] == 0x20 || field[vEnd - 1] == 0x09) { vEnd -= 1 }
            let valueBytes = UnsafeBufferPointer(rebasing: field[vStart..<vEnd])
            guard valueBytes.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else {
                return .failure(.badRequest("invalid character in header field value"))
            }
            if headers.fields.count >= limits.maxHeaderCount {
                return .failure(HTTPParseError(431, "more than \(limits.maxHeaderCount) header fields"))
            }
            let name = String(decoding: nameBytes, as: UTF8.self)
            let value = String(decoding: valueBytes, as: UTF8.self)
            headers.add(name, value)
            if equalsLowercase(nameBytes, "content-length") {
                contentLengths.append(contentsOf: value.split(separator: ",", omittingEmptySubsequences: false))
            } else if equalsLowercase(nameBytes, "transfer-encoding") {
                sawTransferEncoding = true
                transferCodings += value.split(separator: ",").map { $0.trimmingOWS().lowercased() }
                    .filter { !$0.isEmpty }
            } else if equalsLowercase(nameBytes, "connection") {
                for token in value.split(separator: ",") {
                    let t = token.trimmingOWS()
                    if t.caseInsensitiveEquals("close") { connectionClose = true }
                    if t.caseInsensitiveEquals("keep-alive") { connectionKeepAlive = true }
                }
            } else if equalsLowercase(nameBytes, "expect") {
                guard value.caseInsensitiveEquals("100-continue") else {
                    return .failure(HTTPParseError(417, "unsupported expectation"))
                }
                expectsContinue = minor >= 1
            } else if equalsLowercase(nameBytes, "host") {
                hosts += 1
            }
        }
        if hosts > 1 || (minor >= 1 && hosts == 0) {
            return .failure(.badRequest(hosts == 0 ? "missing Host header" : "more than one Host header"))
        }

        // Message framing (RFC 9112 §6.3); both Content-Length and Transfer-Encoding is refused outright,
        // because disagreeing framings are how requests get smuggled past proxies.
        var framing = Framing.none
        if sawTransferEncoding {
            guard contentLengths.isEmpty else {
                return .failure(.badRequest("both Content-Length and Transfer-Encoding"))
            }
            guard minor >= 1 else { return .failure(.badRequest("Transfer-Encoding in an HTTP/1.0 request")) }
            if transferCodings.contains(where: { $0 != "chunked" }) {
                return .failure(HTTPParseError(501, "unsupported transfer coding"))
            }
            guard transferCodings.count == 1 else { return .failure(.badRequest("invalid Transfer-Encoding")) }
            framing = .chunked
        } else if !contentLengths.isEmpty {
            var length: Int? = nil
            for item in contentLengths {
                let digits = item.trimmingOWS()
                guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                    return .failure(.badRequest("invalid Content-Length"))
                }
                // More digits than any accepted size can have, or a value past the limit: too large.
                guard digits.utf8.count <= 18, let n = Int(digits), n <= limits.maxBodyBytes else {
                    return .failure(HTTPParseError(413, "body larger than \(limits.maxBodyBytes) bytes"))
                }
                if let length, length != n { return .failure(.badRequest("conflicting Content-Length values")) }
                length = n
            }
            framing = .length(length ?? 0)
        }

        let keepAlive = minor >= 1 ? !connectionClose : (connectionKeepAlive && !connectionClose)
        return .success(Head(method: method, target: target, minorVersion: minor, headers: headers,
                             keepAlive: keepAlive, expectsContinue: expectsContinue && framing != .none,
                             framing: framing))
    }

    /// "HTTP/d.d" → (major, minor).
    private static func parseVersion(_ v: UnsafeBufferPointer<UInt8>) -> (Int, Int)? {
        let prefix: [UInt8] = Array("HTTP/".utf8)
        guard v.count == 8, Array(v[0..<5]) == prefix, v[6] == 0x2E,
              (0x30...0x39).contains(v[5]), (0x30...0x39).contains(v[7]) else { return nil }
        return (Int(v[5] - 0x30), Int(v[7] - 0x30))
    }

    /// "http://host:port/p?q" → "/p?q" (absolute-form, which proxies send; RFC 9112 §3.2.2).
    private static func originForm(ofAbsolute target: String) -> String? {
        let lower = target.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else { return nil }
        guard let schemeEnd = target.range(of: "://") else { return nil }
        let rest = target[schemeEnd.upperBound...]
        guard let cut = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) else { return "/" }
        let tail = rest[cut...]
        return tail.first == "?" ? "/" + tail : String(tail)
    }

    // MARK: body

    private mutating func readFixedBody(_ input: inout InputBuffer, remaining: Int) -> Step {
        let n = min(remaining, input.readable)
        if n > 0 {
            input.bytes.withUnsafeBufferPointer { body.append(contentsOf: $0[input.start..<(input.start + n)]) }
            input.consume(n)
        }
        if n == remaining { return .complete }
        state = .fixedBody(remaining: remaining - n)
        return .needMoreData
    }

    private mutating func readChunkSize(_ input: inout InputBuffer) -> Step {
        guard let lf = input.firstIndex(of: 0x0A, within: Self.maxChunkLineBytes) else {
            if input.readable > Self.maxChunkLineBytes { return .failure(.badRequest("chunk size line too long")) }
            return .needMoreData
        }
        let maxBody = limits.maxBodyBytes
        let bodyCount = body.count
        let parsed: Result<Int, HTTPParseError> = input.bytes.withUnsafeBufferPointer { buf in
            var i = input.start
            var end = input.start + lf
            if end > i && buf[end - 1] == 0x0D { end -= 1 }
            var size = 0
            var digits = 0
            while i < end, let d = hexValue(buf[i]) {
                let (times16, o1) = size.multipliedReportingOverflow(by: 16)
                let (next, o2) = times16.addingReportingOverflow(d)
                if o1 || o2 || next > maxBody - bodyCount {
                    return .failure(HTTPParseError(413, "body larger than \(maxBody) bytes"))
                }
                size = next
                digits += 1
                i += 1
            }
            guard digits > 0 else { return .failure(.badRequest("invalid chunk size")) }
            while i < end && (buf[i] == 0x20 || buf[i] == 0x09) { i += 1 }
            // Chunk extensions (";name=value") carry nothing we use; they are skipped, not interpreted.
            guard i == end || buf[i] == 0x3B else { return .failure(.badRequest("invalid chunk size")) }
            return .success(size)
        }
        input.consume(lf + 1)
        switch parsed {
        case .failure(let e): return .failure(e)
        case .success(0): state = .trailers(bytes: 0)
        case .success(let n): state = .chunkData(remaining: n)
        }
        return .progress
    }

    private mutating func readChunkData(_ input: inout InputBuffer, remaining: Int) -> Step {
        let n = min(remaining, input.readable)
        if n > 0 {
            input.bytes.withUnsafeBufferPointer { body.append(contentsOf: $0[input.start..<(input.start + n)]) }
            input.consume(n)
        }
        if n == remaining {
            state = .chunkDataEnd
            return .progress
        }
        state = .chunkData(remaining: remaining - n)
        return .needMoreData
    }

    private mutating func readChunkDataEnd(_ input: inout InputBuffer) -> Step {
        guard input.readable >= 1 else { return .needMoreData }
        let first = input.bytes[input.start]
        if first == 0x0A {
            input.consume(1)
        } else if first == 0x0D {
            guard input.readable >= 2 else { return .needMoreData }
            guard input.bytes[input.start + 1] == 0x0A else {
                return .failure(.badRequest("chunk data not followed by CRLF"))
            }
            input.consume(2)
        } else {
            return .failure(.badRequest("chunk data longer than its size"))
        }
        state = .chunkSize
        return .progress
    }

    /// Trailer fields are read and dropped (nothing here needs them), counted against the header limit.
    private mutating func readTrailers(_ input: inout InputBuffer, bytes: Int) -> Step {
        var total = bytes
        while true {
            let room = limits.maxHeaderBytes - total
            guard let lf = input.firstIndex(of: 0x0A, within: max(room, 0) + 2) else {
                if input.readable > room { return .failure(HTTPParseError(431, "trailer section too large")) }
                state = .trailers(bytes: total)
                return .needMoreData
            }
            let empty = lf == 0 || (lf == 1 && input.bytes[input.start] == 0x0D)
            input.consume(lf + 1)
            if empty { return .complete }
            total += lf + 1
            if total > limits.maxHeaderBytes { return .failure(HTTPParseError(431, "trailer section too large")) }
        }
    }
}

extension InputBuffer {
    /// Offset from `start` of the first `byte` among the next `limit` readable bytes.
    func firstIndex(of byte: UInt8, within limit: Int) -> Int? {
        let n = min(limit, readable)
        guard n > 0 else { return nil }
        return bytes.withUnsafeBufferPointer { buf -> Int? in
            guard let base = buf.baseAddress else { return nil }
            let p = UnsafeRawPointer(base.advanced(by: start))
            guard let hit = memchr(p, Int32(byte), n) else { return nil }
            return UnsafeRawPointer(hit) - p
        }
    }
}

/// tchar of RFC 9110 §5.6.2.
@inline(__always)
func isTokenByte(_ b: UInt8) -> Bool {
    switch b {
    case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
    case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x2D, 0x2E, 0x5E, 0x5F, 0x60, 0x7C, 0x7E: return true
    default: return false
    }
}

@inline(__always)
private func hexValue(_ b: UInt8) -> Int? {
    switch b {
    case 0x30...0x39: return Int(b - 0x30)
    case 0x41...0x46: return Int(b - 0x41 + 10)
    case 0x61...0x66: return Int(b - 0x61 + 10)
    default: return nil
    }
}

/// Whether ASCII `bytes` equal the lowercase `literal`, ignoring case.
private func equalsLowercase(_ bytes: UnsafeBufferPointer<UInt8>, _ literal: StaticString) -> Bool {
    guard bytes.count == literal.utf8CodeUnitCount else { return false }
    let l = literal.utf8Start
    for i in 0..<bytes.count {
        let b = bytes[i]
        if (b >= 0x41 && b <= 0x5A ? b | 0x20 : b) != l[i] { return false }
    }
    return true
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (HTTP's optional whitespace).
    func trimmingOWS() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
