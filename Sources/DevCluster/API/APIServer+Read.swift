// Reads: get, list (selectors, resourceVersion semantics, limit/continue paging) and watch (chunked
// event stream with bookmarks, 410 for expired versions, sendInitialEvents), in JSON, as Table for
// kubectl, or as PartialObjectMetadata.

import Foundation
import HTTPServer
import KubeCore

/// How the client asked to see objects (the `as=` parameter of its Accept header).
enum OutputFormat: Equatable {
    case object
    case table
    case partialMetadata
}

extension APIServer {
    func outputFormat(_ ctx: RequestContext) -> OutputFormat {
        let accept = ctx.request.headers["Accept"] ?? ""
        // The first acceptable alternative wins, as in content negotiation.
        for alternative in accept.split(separator: ",") {
            let a = alternative.replacingOccurrences(of: " ", with: "")
            if a.contains("as=Table") { return .table }
            if a.contains("as=PartialObjectMetadata") { return .partialMetadata }
            if a.hasPrefix("application/json") || a.hasPrefix("*/*") || a.hasPrefix("application/yaml") { return .object }
        }
        return .object
    }

    /// The object as served at the request's version (custom resources are stored once for all versions).
    func render(_ object: JSONValue, _ ctx: RequestContext) -> [UInt8] {
        JSONWriter.write(served(object, ctx))
    }

    func served(_ object: JSONValue, _ ctx: RequestContext) -> JSONValue {
        if ctx.info.isEventsV1 { return EventConversion.toEventsV1(object) }
        if object["apiVersion"]?.stringValue == ctx.apiVersion || ctx.subresource == "scale" { return object }
        var o = object
        if o["apiVersion"] != nil { o["apiVersion"] = .string(ctx.apiVersion) }
        return o
    }

    func encoded(_ stored: StoredObject, _ ctx: RequestContext) -> [UInt8] {
        stored.apiVersion == ctx.apiVersion ? stored.encoded : render(stored.object, ctx)
    }

    // MARK: Get

    func get(_ ctx: RequestContext) throws -> HTTPResponse {
        guard let name = ctx.name else { throw APIError.notFoundPath() }
        guard let stored = store.get(ctx.storageKey, ctx.objectKey(name)) else { throw APIError.notFound(ctx.info, name) }
        switch outputFormat(ctx) {
        case .table:
            return Self.json(table(for: [stored.object], ctx, rv: stored.rv), contentType: Self.tableContentType)
        case .partialMetadata:
            return Self.json(partialMetadata(stored.object), contentType: "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1")
        case .object:
            return HTTPResponse(status: 200, contentType: "application/json", body: encoded(stored, ctx))
        }
    }

    static let tableContentType = "application/json;as=Table;g=meta.k8s.io;v=v1"

    func partialMetadata(_ object: JSONValue) -> JSONValue {
        ["kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": object["metadata"] ?? .object(JSONObject())]
    }

    // MARK: Selectors

    func selectorFilter(_ ctx: RequestContext) throws -> (@Sendable (JSONValue) -> Bool)? {
        let selectors = try ResourceSelectors(labelSelector: ctx.query.labelSelector, fieldSelector: ctx.query.fieldSelector,
                                              info: ctx.info)
        if selectors.isEmpty { return nil }
        return { selectors.matches($0) }
    }

    // MARK: List

    func list(_ ctx: RequestContext) throws -> HTTPResponse {
        let q = ctx.query
        let filter = try selectorFilter(ctx)
        if q.resourceVersionMatch != nil && (q.resourceVersion ?? "").isEmpty {
            throw APIError.invalid(kind: "ListOptions", group: "meta.k8s.io", name: "",
                                   [.forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden unless resourceVersion is provided")])
        }
        if let match = q.resourceVersionMatch, match != "Exact" && match != "NotOlderThan" {
            throw APIError.invalid(kind: "ListOptions", group: "meta.k8s.io", name: "",
                                   [.notSupported("resourceVersionMatch", .string(match), ["Exact", "NotOlderThan"])])
        }
        var after: String?
        if let token = q.continueToken {
            if let rv = q.resourceVersion, !rv.isEmpty, rv != "0" {
                throw APIError.badRequest("specifying resource version is not allowed when using continue")
            }
            let (rv, start) = try ContinueToken.decode(token)
            if rv < store.compactedRV {
                throw APIError.expired("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.")
            }
            after = start
        } else if let rvText = q.resourceVersion, !rvText.isEmpty, rvText != "0" {
            guard let rv = UInt64(rvText) else {
                throw APIError.badRequest("Invalid value: \"\(rvText)\": resourceVersion must be an integer")
            }
            // Past snapshots are not kept: an exact read of an older version is as if compacted.
            let exact = q.resourceVersionMatch == "Exact" || (q.resourceVersionMatch == nil && q.limit > 0)
            if exact && rv != store.currentRV {
                throw APIError.expired("too old resource version: \(rv) (\(store.currentRV))")
            }
        }
        let namespace = ctx.info.namespaced ? ctx.namespace : nil
        let page = store.list(ctx.storageKey, namespace: namespace, after: after, limit: q.limit, filter: filter)
        var listRV = page.rv
        if let token = q.continueToken, let (rv, _) = try? ContinueToken.decode(token) { listRV = rv }
        var meta = JSONObject()
        meta["resourceVersion"] = .string(String(listRV))
        if let next = page.next {
            meta["continue"] = .string(ContinueToken.encode(rv: listRV, start: next))
            if page.remaining > 0 { meta["remainingItemCount"] = .int(Int64(page.remaining)) }
        }
        switch outputFormat(ctx) {
        case .table:
            var t = table(for: page.items.map(\.object), ctx, rv: listRV)
            t["metadata"] = .object(meta)
            return Self.json(t, contentType: Self.tableContentType)
        case .partialMetadata:
            let list: JSONValue = ["kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1",
                                   "metadata": .object(meta), "items": .array(page.items.map { partialMetadata($0.object) })]
            return Self.json(list, contentType: "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1")
        case .object:
            // Items are spliced in as already-encoded JSON: listing 100k objects re-encodes nothing.
            var out: [UInt8] = []
            out.reserveCapacity(page.items.reduce(256) { $0 + $1.encoded.count + 1 })
            out += Array("{\"kind\":\"\(ctx.info.listKind)\",\"apiVersion\":\"\(ctx.apiVersion)\",\"metadata\":".utf8)
            JSONWriter.write(.object(meta), into: &out)
            out += Array(",\"items\":[".utf8)
            for (i, item) in page.items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                out += encoded(item, ctx)
            }
            out += Array("]}".utf8)
            return HTTPResponse(status: 200, contentType: "application/json", body: out)
        }
    }

    // MARK: Watch

    func watch(_ ctx: RequestContext) throws -> HTTPResponse {
        let q = ctx.query
        let filter = try selectorFilter(ctx)
        let start: ObjectStore.WatchStart
        var initialEventsEnd = false
        if let send = q.sendInitialEvents {
            var errors: [FieldError] = []
            if q.resourceVersionMatch != "NotOlderThan" {
                errors.append(.forbidden("resourceVersionMatch", "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"))
            }
            if send && !q.allowWatchBookmarks {
                errors.append(.forbidden("allowWatchBookmarks", "allowWatchBookmarks must be set to true when sendInitialEvents is set"))
            }
            if !errors.isEmpty { throw APIError.invalid(kind: "ListOptions", group: "meta.k8s.io", name: "", errors) }
            if send {
                start = .currentState
                initialEventsEnd = true
            } else {
                start = try watchStart(q.resourceVersion)
            }
        } else {
            start = try watchStart(q.resourceVersion)
        }
        let format = outputFormat(ctx)
        let namespace = ctx.info.namespaced ? ctx.namespace : nil
        let watcher: Watcher
        do {
            watcher = try store.watch(ctx.storageKey, namespace: namespace, start: start, predicate: filter,
                                      initialEventsEnd: initialEventsEnd)
        } catch let e as APIError where e.code == 410 {
            // An expired version is reported inside a 200 stream as an ERROR event, as the real server does.
            let frame = Self.frame(type: "ERROR", object: (try? JSONValueEncoder().encode(e.status)) ?? .null)
            return HTTPResponse(status: 200, headers: ["Content-Type": "application/json"], body: .stream { writer in
                try await writer.write(frame)
            })
        }
        faults.registerWatch(watcher, store: store)
        let timeout = q.timeoutSeconds.map { $0 == 0 ? options.defaultWatchSeconds : $0 } ?? options.defaultWatchSeconds
        let bookmarkInterval = q.allowWatchBookmarks ? options.bookmarkInterval : 0
        let store = self.store
        let contentType = format == .table ? Self.tableContentType : "application/json"
        return HTTPResponse(status: 200, headers: ["Content-Type": contentType, "Cache-Control": "no-cache, private"],
                            body: .stream { [self] writer in
            let timers = Task {
                let deadline = Date().addingTimeInterval(timeout)
                while !Task.isCancelled {
                    let remaining = deadline.timeIntervalSinceNow
                    if remaining <= 0 { break }
                    let step = bookmarkInterval > 0 ? min(bookmarkInterval, remaining) : remaining
                    await Pause.sleep(step)
                    if Task.isCancelled { return }
                    if bookmarkInterval > 0 && deadline.timeIntervalSinceNow > 0 { store.bookmark(watcher) }
                }
                // Like the real server, one last bookmark before the deadline closes the stream.
                if bookmarkInterval > 0 { store.bookmark(watcher) }
                watcher.close()
            }
            defer {
                timers.cancel()
                store.removeWatcher(watcher)
            }
            // A cancelled response (the connection went away) ends the watch.
            try await withTaskCancellationHandler {
                while let batch = await watcher.next() {
                    var out: [UInt8] = []
                    for item in batch { self.appendFrame(item, ctx, format, into: &out) }
                    if !out.isEmpty { try await writer.write(out) }
                    for item in batch { if case .error = item { return } }
                }
            } onCancel: {
                watcher.close(drop: true)
            }
        })
    }

    private func watchStart(_ rv: String?) throws -> ObjectStore.WatchStart {
        guard let rv, !rv.isEmpty, rv != "0" else { return .currentState }
        guard let n = UInt64(rv) else { throw APIError.badRequest("Invalid value: \"\(rv)\": resourceVersion must be an integer") }
        return .after(n)
    }

    static func frame(type: String, object: JSONValue) -> [UInt8] {
        var out = Array("{\"type\":\"\(type)\",\"object\":".utf8)
        JSONWriter.write(object, into: &out)
        out += Array("}\n".utf8)
        return out
    }

    func appendFrame(_ item: WatchItem, _ ctx: RequestContext, _ format: OutputFormat, into out: inout [UInt8]) {
        switch item {
        case .event(let type, let event):
            switch format {
            case .object:
                out += Array("{\"type\":\"\(type.rawValue)\",\"object\":".utf8)
                if event.apiVersion == ctx.apiVersion { out += event.encoded } else { out += render(event.object, ctx) }
                out += Array("}\n".utf8)
            case .table:
                out += Self.frame(type: type.rawValue, object: table(for: [event.object], ctx, rv: event.rv))
            case .partialMetadata:
                out += Self.frame(type: type.rawValue, object: partialMetadata(event.object))
            }
        case .bookmark(let rv, let end):
            var meta: JSONValue = ["resourceVersion": .string(String(rv))]
            if end { meta["annotations"] = ["k8s.io/initial-events-end": "true"] }
            let object: JSONValue = format == .table
                ? ["kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": meta, "columnDefinitions": nil, "rows": nil]
                : ["kind": .string(ctx.info.kind), "apiVersion": .string(ctx.apiVersion), "metadata": meta]
            out += Self.frame(type: "BOOKMARK", object: object)
        case .error(let status):
            out += Self.frame(type: "ERROR", object: (try? JSONValueEncoder().encode(status)) ?? .null)
        }
    }
}

/// List continuation tokens: base64 of `{"v":"meta.k8s.io/v1","rv":N,"start":"<key>\u0000"}`, as the real server.
enum ContinueToken {
    static func encode(rv: UInt64, start: String) -> String {
        let value: JSONValue = ["v": "meta.k8s.io/v1", "rv": .int(Int64(rv)), "start": .string(start + "\u{0}")]
        return Data(JSONWriter.write(value)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ token: String) throws -> (UInt64, String) {
        var b64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard let data = Data(base64Encoded: b64), let value = try? JSONParser.parse(data),
              value["v"]?.stringValue == "meta.k8s.io/v1", let rv = value["rv"]?.intValue, rv >= 0,
              var start = value["start"]?.stringValue else {
            throw APIError.badRequest("continue key is not valid: illegal base64 data or malformed continue token")
        }
        if start.hasSuffix("\u{0}") { start.removeLast() }
        return (UInt64(rv), start)
    }
}
