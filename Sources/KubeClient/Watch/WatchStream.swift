// WatchStream: a single watch connection as an async sequence of typed events.
//
// Frames are split and decoded in the consumer's task as it asks for events, so decoding keeps pace with
// the consumer and the transport's bounded buffer is the only read-ahead: a slow consumer pauses the
// connection instead of growing memory. The connection closes when the sequence ends, throws, is
// cancelled, or when the stream and its iterator are dropped.
//
// One stream is consumed once, by one task; it is the single-connection primitive under the runtime's
// watcher (which re-lists on `KubeError.expired` and reconnects with backoff).

import KubeCore

public struct WatchStream<Object: Sendable>: AsyncSequence, Sendable {
    public typealias Element = WatchEvent<Object>

    private let connection: WatchConnection
    private let decodeObject: @Sendable (JSONValue) throws -> Object
    private let expected: String
    private let maximumFrameBytes: Int

    init(stream: any ResponseStream, request: String, expected: String, maximumFrameBytes: Int,
         decode: @escaping @Sendable (JSONValue) throws -> Object) {
        self.connection = WatchConnection(stream: stream, request: request)
        self.decodeObject = decode
        self.expected = expected
        self.maximumFrameBytes = maximumFrameBytes
    }

    /// Closes the connection now; an iterator then ends (returns `nil`).
    public func close() { connection.stream.close() }

    public func makeAsyncIterator() -> Iterator {
        Iterator(connection: connection, decodeObject: decodeObject, expected: expected,
                 splitter: WatchFrameSplitter(maximumFrameBytes: maximumFrameBytes))
    }

    public struct Iterator: AsyncIteratorProtocol {
        let connection: WatchConnection
        let decodeObject: @Sendable (JSONValue) throws -> Object
        let expected: String
        var splitter: WatchFrameSplitter
        var finished = false

        public mutating func next() async throws -> WatchEvent<Object>? {
            guard !finished else { return nil }
            do {
                // A cancelled consumer stops at once, even with events still buffered.
                try Task.checkCancellation()
                while true {
                    if let event = try nextBufferedEvent() { return event }
                    guard let bytes = try await connection.stream.next() else {
                        finished = true
                        connection.stream.close()
                        guard let rest = splitter.takeRemainder() else { return nil }
                        return try rest.withUnsafeBufferPointer { try decodeFrame($0) }
                    }
                    splitter.append(bytes)
                }
            } catch {
                finished = true
                connection.stream.close()
                throw mapError(error)
            }
        }

        private mutating func nextBufferedEvent() throws -> WatchEvent<Object>? {
            let decode = self.decodeFrame
            return try splitter.nextFrame { try decode($0) }
        }

        private func mapError(_ error: any Error) -> any Error {
            switch error {
            case let e as KubeError: return e
            case let e as TransportError: return KubeError.transport(e)
            case let e as WatchFrameSplitter.FrameTooLarge:
                return KubeError.transport(TransportError(.responseTooLarge, e.description, request: connection.request))
            default: return error
            }
        }

        private func decodeFrame(_ frame: UnsafeBufferPointer<UInt8>) throws -> WatchEvent<Object> {
            let value: JSONValue
            do {
                value = try JSONParser.parse(frame)
            } catch {
                throw failure("watch event", "\(error)")
            }
            guard let typeName = value["type"]?.stringValue else {
                throw failure("watch event", "missing \"type\"")
            }
            guard let object = value["object"], object.objectValue != nil else {
                throw failure("watch event", "\(typeName) event without an object")
            }
            switch WatchEventType(rawValue: typeName) {
            case .added: return .added(try decode(object))
            case .modified: return .modified(try decode(object))
            case .deleted: return .deleted(try decode(object))
            case .bookmark:
                guard let rv = object[path: ["metadata", "resourceVersion"]]?.stringValue else {
                    throw failure("watch event", "BOOKMARK without metadata.resourceVersion")
                }
                let end = object[path: ["metadata", "annotations", WatchBookmark.initialEventsEndAnnotation]]
                return .bookmark(WatchBookmark(resourceVersion: rv, isInitialEventsEnd: end?.stringValue == "true"))
            case .error:
                let status: Status
                do {
                    status = try JSONValueDecoder().decode(Status.self, from: object)
                } catch {
                    throw failure("watch ERROR status", describe(error))
                }
                throw KubeError.from(status: status, request: connection.request)
            case nil:
                throw failure("watch event", "unknown event type \"\(typeName)\"")
            }
        }

        private func decode(_ object: JSONValue) throws -> Object {
            do {
                return try decodeObject(object)
            } catch {
                let ns = object[path: ["metadata", "namespace"]]?.stringValue
                let name = object[path: ["metadata", "name"]]?.stringValue ?? "?"
                let key = ns.map { "\($0)/\(name)" } ?? name
                throw failure("\(expected) \(key)", describe(error))
            }
        }

        private func failure(_ what: String, _ message: String) -> KubeError {
            .decoding(DecodingFailure(request: connection.request, expected: what, message: message))
        }
    }
}

func describe(_ error: any Error) -> String {
    (error as? DecodingError)?.summary ?? "\(error)"
}

/// Owns the response stream; closing it when the last reference goes away means a consumer that simply
/// stops iterating (breaks out of the loop, is deallocated) still releases the connection.
final class WatchConnection: Sendable {
    let stream: any ResponseStream
    let request: String

    init(stream: any ResponseStream, request: String) {
        self.stream = stream
        self.request = request
    }

    deinit { stream.close() }
}
