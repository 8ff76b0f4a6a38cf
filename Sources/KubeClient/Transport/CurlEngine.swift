// CurlEngine: one dedicated thread that drives every transfer of a transport through a libcurl multi handle.
//
// Blocking libcurl work must never run on Swift's cooperative pool (two threads here), so all of it happens
// on this thread: async callers hand over a transfer and suspend on a continuation that the thread resumes.
// The multi handle keeps the connection cache, so keep-alive connections are reused across requests, and
// `curl_multi_wakeup` interrupts the poll whenever a caller adds, cancels or resumes a transfer. Watches
// are transfers too: a slow reader pauses its transfer (CURL_WRITEFUNC_PAUSE) and resumes it when it
// catches up, so one thread serves any number of requests and watches.

import CCurl
import Foundation
import Synchronization

/// libcurl's global state is initialised once per process, before the first handle.
enum CurlGlobal {
    static let initialized: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
}

final class CurlEngine: @unchecked Sendable {
    // @unchecked: `active` and `stopping` are touched only on the engine thread; everything other threads
    // reach goes through a mutex or `curl_multi_wakeup`, which libcurl documents as callable from any thread.
    private let multi: UnsafeMutableRawPointer
    private let commands = Mutex<[Command]>([])
    /// Reset easy handles ready for reuse; a handle in here is used by no thread.
    private let idleHandles = Mutex<[IdleHandle]>([])

    /// An easy handle parked in the pool. @unchecked: a parked handle is used by no thread at all.
    private struct IdleHandle: @unchecked Sendable { let easy: UnsafeMutableRawPointer }
    private var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]
    private var stopping = false

    enum Command {
        case start(CurlTransfer)
        case cancel(CurlTransfer)
        case resume(CurlTransfer)
        case shutdown
    }

    /// Easy handles kept for reuse (each holds caches worth keeping; connections live in the multi handle).
    private static let idleHandleLimit = 16

    init() throws {
        guard CurlGlobal.initialized else {
            throw TransportError(.invalidRequest, "curl_global_init failed")
        }
        guard let multi = curl_multi_init() else {
            throw TransportError(.invalidRequest, "curl_multi_init failed")
        }
        self.multi = multi
        // Connections kept open for reuse across requests.
        _ = gantry_curl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, 32)
        let thread = Thread { [self] in self.run() }
        thread.name = "gantry-curl"
        thread.start()
    }

    /// Hands a command to the engine thread (from any thread).
    func submit(_ command: Command) {
        commands.withLock { $0.append(command) }
        curl_multi_wakeup(multi)
    }

    /// A recycled or fresh easy handle. Only the caller uses it until it is submitted.
    func makeEasyHandle() -> UnsafeMutableRawPointer? {
        idleHandles.withLock { $0.popLast()?.easy } ?? curl_easy_init()
    }

    // MARK: - Engine thread

    private func run() {
        var running: Int32 = 0
        while true {
            let pending = commands.withLock { list -> [Command] in
                let taken = list
                list.removeAll(keepingCapacity: true)
                return taken
            }
            for command in pending { handle(command) }
            if stopping && active.isEmpty { break }

            curl_multi_perform(multi, &running)
            collectFinished()
            let waitMs = expireIdleStreams()
            curl_multi_poll(multi, nil, 0, waitMs, nil)
        }
        let parked = idleHandles.withLock { pool -> [IdleHandle] in
            defer { pool.removeAll() }
            return pool
        }
        for handle in parked { curl_easy_cleanup(handle.easy) }
        curl_multi_cleanup(multi)
    }

    private func handle(_ command: Command) {
        switch command {
        case .start(let transfer):
            if stopping {
                finish(transfer, attached: false, error: TransportError(.io, "transport shut down", request: transfer.request))
            } else if transfer.isCancelled {
                finish(transfer, attached: false, error: nil, cancelled: true)
            } else if curl_multi_add_handle(multi, transfer.easy) != CURLM_OK {
                finish(transfer, attached: false, error: TransportError(.invalidRequest, "curl_multi_add_handle failed",
                                                                        request: transfer.request))
            } else {
                transfer.lastActivity = .now
                active[transfer.easy] = transfer
            }
        case .cancel(let transfer):
            // Removing an unfinished transfer makes libcurl close its connection, which is what tells a
            // server that a watch's client is gone.
            if active[transfer.easy] === transfer {
                finish(transfer, attached: true, error: nil, cancelled: true)
            }
        case .resume(let transfer):
            if active[transfer.easy] === transfer {
                transfer.lastActivity = .now
                // May call the write callback synchronously with the data held back at the pause.
                curl_easy_pause(transfer.easy, gantry_curl_pause_cont())
            }
        case .shutdown:
            stopping = true
            for transfer in Array(active.values) {
                finish(transfer, attached: true, error: TransportError(.io, "transport shut down", request: transfer.request))
            }
        }
    }

    private func collectFinished() {
        var left: Int32 = 0
        while let message = curl_multi_info_read(multi, &left) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle,
                  let transfer = active[easy] else { continue }
            let code = gantry_curl_msg_result(message)
            finish(transfer, attached: true, error: code == CURLE_OK ? nil : transfer.error(for: code))
        }
    }

    /// Fails streams that received nothing for their idle limit while not paused; returns how long the next
    /// poll may sleep.
    private func expireIdleStreams() -> Int32 {
        var wait: Duration = .seconds(1)
        let now = ContinuousClock.now
        for transfer in Array(active.values) {
            guard let limit = transfer.idleTimeout, !transfer.isPausedForReader else { continue }
            let idle = now - transfer.lastActivity
            if idle >= limit {
                finish(transfer, attached: true, error: TransportError(
                    .idleTimeout, "no data for \(limit)", request: transfer.request))
            } else {
                wait = min(wait, limit - idle)
            }
        }
        let ms = wait.components.seconds * 1000 + wait.components.attoseconds / 1_000_000_000_000_000
        return Int32(max(1, min(1000, ms)))
    }

    private func finish(_ transfer: CurlTransfer, attached: Bool, error: TransportError?, cancelled: Bool = false) {
        if attached {
            curl_multi_remove_handle(multi, transfer.easy)
            active[transfer.easy] = nil
        }
        transfer.complete(error: error, cancelled: cancelled)
        // The handle is done with this transfer; keep it for reuse (reset keeps its caches) or free it.
        guard let easy = transfer.releaseHandle() else { return }
        curl_easy_reset(easy)
        let kept = !stopping && idleHandles.withLock { pool in
            guard pool.count < Self.idleHandleLimit else { return false }
            pool.append(IdleHandle(easy: easy))
            return true
        }
        if !kept { curl_easy_cleanup(easy) }
    }
}
