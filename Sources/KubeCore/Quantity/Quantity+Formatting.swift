// Quantity formatting: apimachinery's canonical form (CanonicalizeBytes), and Codable as that string.
//
// Canonical means the largest exponent that loses nothing and writes no fraction, in the quantity's own
// format: 1.5 → "1500m", 1.5Gi → "1536Mi", 1e3 → "1e3". BinarySI values below 1024 or with a fraction are
// written as DecimalSI; values past the SI suffixes (beyond E or Ei) fall back to exponent notation.

extension Quantity: CustomStringConvertible {
    /// The canonical text, or the parsed text where apimachinery would have kept it.
    public var description: String { text ?? canonical }

    /// The canonical text, ignoring any kept input text.
    public var canonical: String {
        if nanoUnits == 0 { return "0" }
        let negative = nanoUnits < 0
        let magnitude = nanoUnits.magnitude
        var effective = format
        if format == .binarySI {
            // Below 1024 (in magnitude) or not a whole number: avoid rounding and show it in decimal.
            if magnitude < 1024 * UInt128(Self.nanosPerUnit) || magnitude % UInt128(Self.nanosPerUnit) != 0 {
                effective = .decimalSI
            } else {
                var units = magnitude / UInt128(Self.nanosPerUnit)
                var power = 0
                while units % 1024 == 0 {
                    units /= 1024
                    power += 1
                }
                if power <= 6 {
                    let suffix = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][power]
                    return (negative ? "-" : "") + String(units) + suffix
                }
                // Past Ei there is no binary suffix: write the exact decimal value instead.
                effective = .decimalExponent
            }
        }
        var mantissa = magnitude
        var exponent = -9
        while mantissa % 10 == 0 {
            mantissa /= 10
            exponent += 1
        }
        // Exponents are multiples of three; the shift is written as zeros so nothing can overflow.
        var zeros = ""
        switch ((exponent % 3) + 3) % 3 {
        case 1: zeros = "0"; exponent -= 1
        case 2: zeros = "00"; exponent -= 2
        default: break
        }
        let number = (negative ? "-" : "") + String(mantissa) + zeros
        switch effective {
        case .decimalSI:
            switch exponent {
            case -9: return number + "n"
            case -6: return number + "u"
            case -3: return number + "m"
            case 0: return number
            case 3: return number + "k"
            case 6: return number + "M"
            case 9: return number + "G"
            case 12: return number + "T"
            case 15: return number + "P"
            case 18: return number + "E"
            default: return number + "e\(exponent)"
            }
        case .decimalExponent, .binarySI:
            return exponent == 0 ? number : number + "e\(exponent)"
        }
    }
}

extension Quantity: ExpressibleByStringLiteral {
    /// For literals in code (`let cpu: Quantity = "500m"`); an invalid literal is a programming error.
    public init(stringLiteral value: String) {
        do {
            self = try Quantity(value)
        } catch {
            preconditionFailure("invalid Quantity literal: \(error)")
        }
    }
}

extension Quantity: Codable {
    /// A JSON string, or (as apimachinery also accepts) a JSON number; surrounding spaces are ignored.
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text: String
        if let s = try? c.decode(String.self) {
            text = s
        } else if let i = try? c.decode(Int64.self) {
            text = String(i)
        } else if let d = try? c.decode(Double.self), d.isFinite {
            text = d.description
        } else if c.decodeNil() {
            self = .zero
            return
        } else {
            throw DecodingError.typeMismatch(
                Quantity.self, .init(codingPath: decoder.codingPath, debugDescription: "expected a quantity string"))
        }
        do {
            self = try Quantity(text.trimmingASCIISpaces())
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

extension String {
    /// Go's strings.TrimSpace for the ASCII spaces that can surround a quantity.
    func trimmingASCIISpaces() -> String {
        let utf8 = self.utf8
        guard let first = utf8.first, let last = utf8.last else { return self }
        func isSpace(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0D) }
        if !isSpace(first), !isSpace(last) { return self }
        let trimmed = utf8.drop(while: isSpace).reversed().drop(while: isSpace).reversed()
        return String(decoding: Array(trimmed), as: UTF8.self)
    }
}
