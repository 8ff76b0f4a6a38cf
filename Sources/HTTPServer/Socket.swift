// Thin wrappers over the POSIX socket calls the server makes (Linux: accept4, epoll, MSG_NOSIGNAL), so the
// event loop reads as HTTP logic rather than C plumbing.

import CEpoll
import Glibc

enum Socket {
    /// A non-blocking listening socket bound to host:port; returns it and the port actually bound.
    static func listen(host: String, port: Int, backlog: Int32) throws -> (fd: Int32, port: Int) {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>? = nil
        let rc = getaddrinfo(host.isEmpty ? nil : host, String(port), &hints, &list)
        guard rc == 0 else { throw HTTPServerError.resolve(host: host, reason: String(cString: gai_strerror(rc))) }
        defer { freeaddrinfo(list) }
        var lastError = HTTPServerError.resolve(host: host, reason: "no usable address")
        var candidates: [addrinfo] = []
        var entry = list
        while let ai = entry?.pointee {
            candidates.append(ai)
            entry = ai.ai_next
        }
        // IPv4 first: "localhost" must reach clients that dial 127.0.0.1 (the usual loopback address here).
        candidates = candidates.filter { $0.ai_family == AF_INET } + candidates.filter { $0.ai_family != AF_INET }
        for ai in candidates {
            let fd = socket(ai.ai_family, ai.ai_socktype | Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue),
                            ai.ai_protocol)
            guard fd >= 0 else {
                lastError = .listen(host: host, port: port, call: "socket", errno: errno)
                continue
            }
            setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1)
            if bind(fd, ai.ai_addr, ai.ai_addrlen) != 0 {
                lastError = .listen(host: host, port: port, call: "bind", errno: errno)
                close(fd)
                continue
            }
            if Glibc.listen(fd, backlog) != 0 {
                lastError = .listen(host: host, port: port, call: "listen", errno: errno)
                close(fd)
                continue
            }
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let ok = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            guard ok == 0, let bound = address(of: storage) else {
                lastError = .listen(host: host, port: port, call: "getsockname", errno: errno)
                close(fd)
                continue
            }
            return (fd, bound.port)
        }
        throw lastError
    }

    /// Accepts one pending connection (non-blocking, close-on-exec) and its peer address.
    static func accept(_ listener: Int32) -> (fd: Int32, peer: String?, errno: Int32) {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let fd = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                gantry_accept4(listener, $0, &length, Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue))
            }
        }
        guard fd >= 0 else { return (-1, nil, errno) }
        return (fd, address(of: storage).map { $0.text }, 0)
    }

    static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) {
        var v = value
        _ = setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<Int32>.size))
    }

    /// "1.2.3.4:80" or "[::1]:80".
    static func address(of storage: sockaddr_storage) -> (text: String, port: Int)? {
        var storage = storage
        return withUnsafePointer(to: &storage) { raw -> (String, Int)? in
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
            switch Int32(raw.pointee.ss_family) {
            case AF_INET:
                return raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin -> (String, Int)? in
                    var a = sin.pointee.sin_addr
                    guard inet_ntop(AF_INET, &a, &buffer, socklen_t(buffer.count)) != nil else { return nil }
                    let port = Int(UInt16(bigEndian: sin.pointee.sin_port))
                    return ("\(text(buffer)):\(port)", port)
                }
            case AF_INET6:
                return raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 -> (String, Int)? in
                    var a = sin6.pointee.sin6_addr
                    guard inet_ntop(AF_INET6, &a, &buffer, socklen_t(buffer.count)) != nil else { return nil }
                    let port = Int(UInt16(bigEndian: sin6.pointee.sin6_port))
                    return ("[\(text(buffer))]:\(port)", port)
                }
            default:
                return nil
            }
        }
    }

    /// A NUL-terminated C string buffer as text.
    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Monotonic nanoseconds, for deadlines.
    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
}

extension HTTPServer {
    /// A loopback TCP port free at the time of the call, for starting a child process on a port known in advance
    /// (the demo and benchmarks pass it to `gantry-scheduler-extender --port`). Another process may take it
    /// before the child binds it; callers fail clearly then.
    public static func freeLoopbackPort() -> Int? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        return bound ? Int(UInt16(bigEndian: address.sin_port)) : nil
    }
}
