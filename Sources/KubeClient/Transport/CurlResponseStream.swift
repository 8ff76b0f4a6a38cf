// CurlResponseStream: the reader's side of a streaming transfer, with a bounded hand-off buffer.
//
// The engine thread appends body bytes; when the buffer holds `bufferLimit` bytes the write callback
// returns CURL_WRITEFUNC_PAUSE, libcurl stops reading the socket, and TCP flow control pushes back on the
// server. The reader takes everything buffered at once and, if the transfer was paused, asks the engine to
// resume it. Memory per stream is therefore bounded by the limit plus one libcurl read.

import CCurl
import Foundation
import Synchronization

final class CurlResponseStream: ResponseStream {
    private let engine: CurlEngine
    /// Keeps the engine running for as long as the stream is in use, even if the transport is released.
    private let owner: CurlEngineOwner
    private let bufferLimit: Int
    private let state = Mutex(State())

    private struct State {
        var status = 0
        var headers = HeaderFields()
        var headReceived = false
        var headWaiter: CheckedContinuation<Void, any Error>?
        var buffer: [UInt8] = []
        var paused = false
        var ended = false
        var endError: TransportError?
        var endedByCancellation = false
        var closed: Closed = .open
        var waiter: CheckedContinuation<[UInt8]?, any Error>?
        /// Cleared when the transfer ends, which breaks the transfer <-> stream reference cycle.
        var transfer: CurlTransfer?
    }

    private enum Closed { case open, closed, cancelled }

    init(engine: CurlEngine, owner: CurlEngineOwner, bufferLimit: Int) {
        self.engine = engine
        self.owner = owner
        self.bufferLimit = bufferLimit
    }

    func attach(_ transfer: CurlTransfer) {
        state.withLock { $0.transfer = transfer }
    }

    var status: Int { state.withLock { $0.status } }
    var headers: HeaderFields { state.withLock { $0.headers } }
    var isPaused: Bool { state.withLock { $0.paused } }

    // MARK: - Reader side

    /// Starts the transfer and waits for the response head.
    func open(_ transfer: CurlTransfer) async throws {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                state.withLock { $0.headWaiter = continuation }
                engine.submit(.start(transfer))
            }
        } onCancel: {
            transfer.markCancelled()
            engine.submit(.cancel(transfer))
        }
    }

    func next() async throws -> [UInt8]? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[UInt8]?, any Error>) in
                enum Action {
                    case deliver([UInt8], resume: CurlTransfer?)
                    case end(TransportError?, cancelled: Bool)
                    case wait
                }
                let action = state.withLock { s -> Action in
                    switch s.closed {
                    case .cancelled: return .end(nil, cancelled: true)
                    case .closed: return .end(nil, cancelled: false)
                    case .open: break
                    }
                    if !s.buffer.isEmpty {
                        let bytes = s.buffer
                        s.buffer = []
                        s.buffer.reserveCapacity(min(bytes.count, bufferLimit))
                        var resume: CurlTransfer?
                        if s.paused {
                            s.paused = false
                            resume = s.transfer
                        }
                        return .deliver(bytes, resume: resume)
                    }
                    if s.ended { return .end(s.endError, cancelled: s.endedByCancellation) }
                    s.waiter = continuation
                    return .wait
                }
                switch action {
                case .deliver(let bytes, let resume):
                    if let resume { engine.submit(.resume(resume)) }
                    continuation.resume(returning: bytes)
                case .end(let error, let cancelled):
                    if cancelled {
                        continuation.resume(throwing: CancellationError())
                    } else if let error {
                        continuation.resume(throwing: error)
                    } else {
                        continuation.resume(returning: nil)
                    }
                case .wait:
                    break
                }
            }
        } onCancel: {
            terminate(cancelled: true)
        }
    }

    func close() { terminate(cancelled: false) }

    private func terminate(cancelled: Bool) {
        let (waiter, transfer) = state.withLock { s -> (CheckedContinuation<[UInt8]?, any Error>?, CurlTransfer?) in
            guard s.closed == .open else { return (nil, nil) }
            s.closed = cancelled ? .cancelled : .closed
            s.buffer = []
            let w = s.waiter
            s.waiter = nil
            return (w, s.ended ? nil : s.transfer)
        }
        if let transfer {
            transfer.markCancelled()
            engine.submit(.cancel(transfer))
        }
        if cancelled {
            waiter?.resume(throwing: CancellationError())
        } else {
            waiter?.resume(returning: nil)
        }
    }

    // MARK: - Engine side

    func headReceived(status: Int, headers: HeaderFields) {
        let waiter = state.withLock { s -> CheckedContinuation<Void, any Error>? in
            s.status = status
            s.headers = headers
            s.headReceived = true
            let w = s.headWaiter
            s.headWaiter = nil
            return w
        }
        waiter?.resume()
    }

    /// Takes body bytes; returns what the write callback returns.
    func receive(_ bytes: UnsafeRawBufferPointer) -> Int {
        let (result, waiter) = state.withLock { s -> (Int, CheckedContinuation<[UInt8]?, any Error>?) in
            guard s.closed == .open else { return (0, nil) }
            if let w = s.waiter {
                // The reader is already waiting, so the buffer is empty: hand the bytes straight over.
                s.waiter = nil
                return (bytes.count, w)
            }
            if s.buffer.count >= bufferLimit {
                s.paused = true
                return (gantry_curl_writefunc_pause(), nil)
            }
            s.buffer.append(contentsOf: bytes)
            return (bytes.count, nil)
        }
        waiter?.resume(returning: Array(bytes))
        return result
    }

    func transferEnded(error: TransportError?, cancelled: Bool) {
        let (headWaiter, waiter, headError, endError) = state.withLock { s in
            s.ended = true
            s.endError = error
            s.endedByCancellation = cancelled
            s.transfer = nil
            let hw = s.headReceived ? nil : s.headWaiter
            s.headWaiter = nil
            let w = s.waiter
            s.waiter = nil
            let headError: any Error = cancelled
                ? CancellationError()
                : error ?? TransportError(.io, "connection closed before the response head")
            return (hw, w, headError, s.closed == .open ? error : nil)
        }
        headWaiter?.resume(throwing: headError)
        if let waiter {
            if cancelled {
                waiter.resume(throwing: CancellationError())
            } else if let endError {
                waiter.resume(throwing: endError)
            } else {
                waiter.resume(returning: nil)
            }
        }
    }
}

/// Shuts the engine down when the last user (the transport and its open streams) lets go.
final class CurlEngineOwner: Sendable {
    let engine: CurlEngine

    init(engine: CurlEngine) { self.engine = engine }

    deinit { engine.submit(.shutdown) }
}
