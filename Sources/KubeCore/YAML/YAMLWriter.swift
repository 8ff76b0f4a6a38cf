// YAMLWriter: `JSONValue` documents to block-style YAML through libyaml's emitter.
//
// Style choices are made here, quoting is left to libyaml's scalar analysis: a string is requested plain
// unless it would read back as another type (`"true"`, `"1.0"`, `"~"`, `"2024-01-01"`), in which case it is
// double-quoted, and multi-line strings are requested as literal blocks so they stay readable. libyaml
// falls back to a quoted style by itself whenever the requested one cannot represent the text.

import CYAML

enum YAMLWriter {
    static let maximumDepth = 512

    private final class Sink {
        var bytes: [UInt8] = []
    }

    static func write(_ documents: [JSONValue]) throws -> String {
        let emitter = UnsafeMutablePointer<yaml_emitter_t>.allocate(capacity: 1)
        defer { emitter.deallocate() }
        guard yaml_emitter_initialize(emitter) == 1 else {
            throw YAMLError(.unencodable, "cannot initialise the YAML emitter (out of memory)")
        }
        defer { yaml_emitter_delete(emitter) }
        let sink = Sink()
        // The emitter only calls the handler while `sink` is alive: every call happens inside this function.
        yaml_emitter_set_output(
            emitter,
            { data, buffer, size in
                guard let data, let buffer else { return 0 }
                let sink = Unmanaged<Sink>.fromOpaque(data).takeUnretainedValue()
                sink.bytes.append(contentsOf: UnsafeBufferPointer(start: buffer, count: size))
                return 1
            }, Unmanaged.passUnretained(sink).toOpaque())
        yaml_emitter_set_indent(emitter, 2)
        yaml_emitter_set_width(emitter, -1)  // never fold long lines
        yaml_emitter_set_unicode(emitter, 1)

        let e = Emitter(emitter: emitter)
        var event = yaml_event_t()
        yaml_stream_start_event_initialize(&event, YAML_UTF8_ENCODING)
        try e.emit(&event)
        for (i, document) in documents.enumerated() {
            yaml_document_start_event_initialize(&event, nil, nil, nil, i == 0 ? 1 : 0)
            try e.emit(&event)
            try e.node(document, depth: 0)
            yaml_document_end_event_initialize(&event, 1)
            try e.emit(&event)
        }
        yaml_stream_end_event_initialize(&event)
        try e.emit(&event)
        _ = yaml_emitter_flush(emitter)
        return String(decoding: sink.bytes, as: UTF8.self)
    }

    private struct Emitter {
        let emitter: UnsafeMutablePointer<yaml_emitter_t>

        func emit(_ event: inout yaml_event_t) throws {
            // yaml_emitter_emit takes ownership of the event whether it succeeds or not.
            guard yaml_emitter_emit(emitter, &event) == 1 else {
                let problem = emitter.pointee.problem.map { String(cString: $0) } ?? "emitter error"
                throw YAMLError(.unencodable, problem)
            }
        }

        func scalar(_ text: String, style: yaml_scalar_style_t) throws {
            var event = yaml_event_t()
            var text = text
            let ok = text.withUTF8 { utf8 -> Int32 in
                // libyaml copies the value; an empty buffer may have no base address, so give it a valid one.
                withUnsafePointer(to: UInt8(0)) { empty in
                    yaml_scalar_event_initialize(
                        &event, nil, nil, utf8.baseAddress ?? empty, Int32(clamping: utf8.count), 1, 1, style)
                }
            }
            guard ok == 1 else { throw YAMLError(.unencodable, "cannot create a scalar event (string too long)") }
            try emit(&event)
        }

        func string(_ s: String, isKey: Bool) throws {
            if !isKey, s.utf8.contains(UInt8(ascii: "\n")) {
                try scalar(s, style: YAML_LITERAL_SCALAR_STYLE)
            } else if YAMLScalarResolver.needsQuotes(s) {
                try scalar(s, style: YAML_DOUBLE_QUOTED_SCALAR_STYLE)
            } else {
                try scalar(s, style: YAML_PLAIN_SCALAR_STYLE)
            }
        }

        func node(_ value: JSONValue, depth: Int) throws {
            guard depth < YAMLWriter.maximumDepth else {
                throw YAMLError(.unencodable, "value nested deeper than \(YAMLWriter.maximumDepth) levels")
            }
            var event = yaml_event_t()
            switch value {
            case .null: try scalar("null", style: YAML_PLAIN_SCALAR_STYLE)
            case .bool(let b): try scalar(b ? "true" : "false", style: YAML_PLAIN_SCALAR_STYLE)
            case .int(let i): try scalar(String(i), style: YAML_PLAIN_SCALAR_STYLE)
            case .double(let d): try scalar(Self.number(d), style: YAML_PLAIN_SCALAR_STYLE)
            case .string(let s): try string(s, isKey: false)
            case .array(let items):
                yaml_sequence_start_event_initialize(
                    &event, nil, nil, 1, items.isEmpty ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE)
                try emit(&event)
                for item in items { try node(item, depth: depth + 1) }
                yaml_sequence_end_event_initialize(&event)
                try emit(&event)
            case .object(let object):
                yaml_mapping_start_event_initialize(
                    &event, nil, nil, 1, object.isEmpty ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE)
                try emit(&event)
                for (k, v) in object {
                    try string(k, isKey: true)
                    try node(v, depth: depth + 1)
                }
                yaml_mapping_end_event_initialize(&event)
                try emit(&event)
            }
        }

        /// Numbers as JSON writes them; YAML reads every one of these forms back as the same number.
        static func number(_ d: Double) -> String {
            if d.isNaN { return ".nan" }
            if d.isInfinite { return d > 0 ? ".inf" : "-.inf" }
            if d.rounded() == d, abs(d) < 1e15 { return String(Int64(d)) }
            return d.description
        }
    }
}
