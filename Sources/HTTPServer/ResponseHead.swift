// Response heads on the wire: the status line, the handler's fields (cleaned so they cannot break framing),
// and the fields this server owns: Content-Length / Transfer-Encoding, Connection, Date and Server.

import Glibc

/// How the body after a head is delimited.
enum ResponseFraming: Equatable {
    /// `Content-Length: n`.
    case length(Int)
    /// `Transfer-Encoding: chunked` (HTTP/1.1 streams).
    case chunked
    /// The body ends when the connection closes (streams to HTTP/1.0 clients).
    case untilClose
    /// No body and no length field (1xx, 204, 304).
    case none
}

enum ResponseHead {
    /// Statuses whose responses never carry a body (RFC 9110 §6.4.1).
    static func forbidsBody(_ status: Int) -> Bool { status < 200 || status == 204 || status == 304 }

    static func encode(status: Int, headers: HTTPHeaders, framing: ResponseFraming, close: Bool,
                       announceKeepAlive: Bool, date: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160 + headers.fields.count * 48)
        out.append(contentsOf: statusLine(status))
        var hasServer = false
        for field in headers.fields {
            let name = field.name
            // Framing and connection management belong to the server; a handler's copy could contradict it.
            if name.caseInsensitiveEquals("content-length") || name.caseInsensitiveEquals("transfer-encoding")
                || name.caseInsensitiveEquals("connection") || name.caseInsensitiveEquals("keep-alive")
                || name.caseInsensitiveEquals("date") {
                continue
            }
            // A field that would break the head (CR/LF injection, empty or non-token names) is dropped.
            guard !name.isEmpty, name.utf8.allSatisfy(isTokenByte),
                  field.value.utf8.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else { continue }
            if name.caseInsensitiveEquals("server") { hasServer = true }
            out.append(contentsOf: name.utf8)
            out.append(0x3A)
            out.append(0x20)
            out.append(contentsOf: field.value.utf8)
            out.append(0x0D)
            out.append(0x0A)
        }
        switch framing {
        case .length(let n):
            out.append(contentsOf: "Content-Length: ".utf8)
            out.append(contentsOf: String(n).utf8)
            out.append(contentsOf: crlf)
        case .chunked:
            out.append(contentsOf: "Transfer-Encoding: chunked\r\n".utf8)
        case .untilClose, .none:
            break
        }
        if close {
            out.append(contentsOf: "Connection: close\r\n".utf8)
        } else if announceKeepAlive {
            out.append(contentsOf: "Connection: keep-alive\r\n".utf8)
        }
        if !hasServer { out.append(contentsOf: "Server: gantry\r\n".utf8) }
        out.append(contentsOf: "Date: ".utf8)
        out.append(contentsOf: date)
        out.append(contentsOf: "\r\n\r\n".utf8)
        return out
    }

    static let crlf: [UInt8] = [0x0D, 0x0A]

    private static func statusLine(_ status: Int) -> [UInt8] {
        if let cached = commonStatusLines[status] { return cached }
        return Array("HTTP/1.1 \(status) \(reasonPhrase(status))\r\n".utf8)
    }

    private static let commonStatusLines: [Int: [UInt8]] = {
        var lines: [Int: [UInt8]] = [:]
        for s in [200, 201, 204, 400, 404, 405, 409, 500] {
            lines[s] = Array("HTTP/1.1 \(s) \(reasonPhrase(s))\r\n".utf8)
        }
        return lines
    }()

    static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 100: "Continue"
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 204: "No Content"
        case 206: "Partial Content"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 304: "Not Modified"
        case 307: "Temporary Redirect"
        case 308: "Permanent Redirect"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 406: "Not Acceptable"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 410: "Gone"
        case 411: "Length Required"
        case 412: "Precondition Failed"
        case 413: "Content Too Large"
        case 414: "URI Too Long"
        case 415: "Unsupported Media Type"
        case 417: "Expectation Failed"
        case 422: "Unprocessable Content"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        case 505: "HTTP Version Not Supported"
        default: "Status \(status)"
        }
    }
}

/// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") for the Date field, formatted without Foundation.
enum HTTPDate {
    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func format(epochSeconds: Int) -> [UInt8] {
        var t = time_t(epochSeconds)
        var parts = tm()
        guard gmtime_r(&t, &parts) != nil else { return Array("Thu, 01 Jan 1970 00:00:00 GMT".utf8) }
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let day = days[Int(parts.tm_wday) % 7]
        let month = months[Int(parts.tm_mon) % 12]
        let text = "\(day), \(two(parts.tm_mday)) \(month) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
        return Array(text.utf8)
    }
}
