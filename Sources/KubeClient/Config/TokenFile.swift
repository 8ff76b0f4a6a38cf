// TokenFile: a bearer token read from a file and re-read whenever the file changes.
//
// Projected service-account tokens expire (1 h by default) and the kubelet rewrites the file before that,
// swapping a symlink; reading the token once at start-up fails with 401 an hour later (swiftkube PR #49).
// A `stat` per request is cheap, so the file's identity (device, inode, size, mtime) is checked every time
// and the content re-read only when it changed.

import Foundation
import Synchronization

public final class TokenFile: Sendable {
    public let path: String
    private let state = Mutex<State>(State())

    private struct State {
        var token: String?
        var fingerprint: Fingerprint?
    }

    private struct Fingerprint: Equatable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var seconds: Int
        var nanoseconds: Int
    }

    public init(path: String) {
        self.path = path
    }

    /// The current token. Throws `KubeConfigError.unreadableFile` when the file cannot be read (and no token
    /// was read before) and `.emptyToken` when it is empty.
    public func token() throws -> String {
        let current = fingerprint()
        return try state.withLock { s in
            if let token = s.token, let current, current == s.fingerprint { return token }
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                // Mid-rotation the file can briefly be missing; keep using the last good token.
                if let token = s.token { return token }
                throw KubeConfigError.unreadableFile(path: path, reason: "\(error.localizedDescription)")
            }
            let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else { throw KubeConfigError.emptyToken(path: path) }
            s.token = token
            s.fingerprint = current
            return token
        }
    }

    /// Forgets the cached token, e.g. after a 401, so the next request reads the file again.
    public func invalidate() {
        state.withLock { $0 = State() }
    }

    private func fingerprint() -> Fingerprint? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        #if canImport(Glibc)
        let mtime = st.st_mtim
        #else
        let mtime = st.st_mtimespec
        #endif
        return Fingerprint(device: UInt64(st.st_dev), inode: UInt64(st.st_ino), size: Int64(st.st_size),
                           seconds: Int(mtime.tv_sec), nanoseconds: Int(mtime.tv_nsec))
    }
}
