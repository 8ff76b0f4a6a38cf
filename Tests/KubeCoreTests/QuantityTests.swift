// Quantity tests, with tables taken from apimachinery's quantity_test.go (TestQuantityParse,
// TestQuantityString, TestQuantityParseEmit, TestQuantityRoundUp, TestNewSet, ...). Rows that need more
// than ±1.7e29 or less than 10^-9 (only reachable from Go constructors, not from parsing) are left out.

import Foundation
import Testing

@testable import KubeCore

/// mantissa × 10^exponent (exponent ≥ -9), like quantity_test.go's decQuantity.
private func dec(_ mantissa: Int64, _ exponent: Int, _ format: Quantity.Format = .decimalSI) -> Quantity {
    var nanos = Int128(mantissa)
    for _ in 0..<(exponent + 9) { nanos *= 10 }
    return Quantity(nanoUnits: nanos, format: format)
}

private let maxAllowed = Quantity(Int64.max, format: .binarySI)

struct QuantityParseTests {
    static let table: [(String, Quantity)] = [
        ("0", dec(0, 0)), ("0n", dec(0, 0)), ("0u", dec(0, 0)), ("0m", dec(0, 0)), ("0Ki", dec(0, 0, .binarySI)),
        ("0k", dec(0, 0)), ("0Mi", dec(0, 0, .binarySI)), ("0M", dec(0, 0)), ("0Gi", dec(0, 0, .binarySI)),
        ("0G", dec(0, 0)), ("0Ti", dec(0, 0, .binarySI)), ("0T", dec(0, 0)),
        ("1", dec(1, 0)),
        ("1Ki", dec(1024, 0, .binarySI)), ("8Ki", dec(8 * 1024, 0, .binarySI)), ("7Mi", dec(7 << 20, 0, .binarySI)),
        ("6Gi", dec(6 << 30, 0, .binarySI)), ("5Ti", dec(5 << 40, 0, .binarySI)), ("4Pi", dec(4 << 50, 0, .binarySI)),
        ("3Ei", dec(3 << 60, 0, .binarySI)), ("10Ti", dec(10 << 40, 0, .binarySI)), ("100Ti", dec(100 << 40, 0, .binarySI)),
        ("5n", dec(5, -9)), ("4u", dec(4, -6)), ("3m", dec(3, -3)), ("9", dec(9, 0)), ("8k", dec(8, 3)),
        ("50k", dec(5, 4)), ("7M", dec(7, 6)), ("6G", dec(6, 9)), ("5T", dec(5, 12)), ("40T", dec(4, 13)),
        ("300T", dec(3, 14)), ("2P", dec(2, 15)), ("1E", dec(1, 18)),
        ("1E-3", dec(1, -3, .decimalExponent)), ("1e3", dec(1, 3, .decimalExponent)), ("1E6", dec(1, 6, .decimalExponent)),
        ("1e9", dec(1, 9, .decimalExponent)), ("1E12", dec(1, 12, .decimalExponent)), ("1e15", dec(1, 15, .decimalExponent)),
        ("1E18", dec(1, 18, .decimalExponent)),
        ("1e14", dec(1, 14, .decimalExponent)), ("1e13", dec(1, 13, .decimalExponent)), ("100.035k", dec(100035, 0)),
        ("0.001", dec(1, -3)), ("0.0005k", dec(5, -1)), ("0.005", dec(5, -3)), ("0.05", dec(5, -2)), ("0.5", dec(5, -1)),
        ("0.00050k", dec(5, -1)), ("0.00500", dec(5, -3)), ("0.05000", dec(5, -2)), ("0.50000", dec(5, -1)),
        ("0.5e0", dec(5, -1, .decimalExponent)), ("0.5e-1", dec(5, -2, .decimalExponent)),
        ("0.5e-2", dec(5, -3, .decimalExponent)), ("10.035M", dec(10035, 3)),
        ("1.2e3", dec(12, 2, .decimalExponent)), ("1.3E+6", dec(13, 5, .decimalExponent)),
        ("1.40e9", dec(14, 8, .decimalExponent)), ("1.53E12", dec(153, 10, .decimalExponent)),
        ("1.6e15", dec(16, 14, .decimalExponent)), ("1.7E18", dec(17, 17, .decimalExponent)),
        ("9.01", dec(901, -2)), ("8.1k", dec(81, 2)), ("7.123456M", dec(7_123_456, 0)), ("6.987654321G", dec(6_987_654_321, 0)),
        ("5.444T", dec(5444, 9)), ("40.1T", dec(401, 11)), ("300.2T", dec(3002, 11)), ("2.5P", dec(25, 14)), ("1.01E", dec(101, 16)),
        // Things that saturate or round.
        ("3.001n", dec(4, -9)), ("1.1E-9", dec(2, -9, .decimalExponent)), ("0.0000000001", dec(1, -9)),
        ("0.0000000005", dec(1, -9)), ("0.00000000050", dec(1, -9)), ("0.5e-9", dec(1, -9, .decimalExponent)),
        ("0.9n", dec(1, -9)), ("0.00000012345", dec(124, -9)), ("0.00000012354", dec(124, -9)),
        ("9Ei", maxAllowed), ("9223372036854775807Ki", maxAllowed), ("12E", dec(12, 18)),
        // Fractional binary.
        ("100.035Ki", dec(10_243_584, -2, .binarySI)), ("0.5Mi", dec(524_288, 0, .binarySI)),
        ("0.05Gi", dec(536_870_912, -1, .binarySI)), ("0.025Ti", dec(274_877_906_944, -1, .binarySI)),
        // "Things written by trolls".
        ("0.000000000001Ki", dec(2, -9)), (".001", dec(1, -3)), (".0001k", dec(100, -3)), ("1.", dec(1, 0)),
        ("1.G", dec(1, 9)),
    ]

    @Test func parsesApimachineryTable() throws {
        for (input, expected) in Self.table {
            let q = try Quantity(input)
            #expect(q == expected, "\(input): \(q)")
            #expect(q.format == expected.format, "\(input)")
            // The same with a sign: negated value, same format.
            let negative = try Quantity("-" + input)
            #expect(negative == -expected, "-\(input)")
            #expect(negative.format == expected.format, "-\(input)")
            let plus = try Quantity("+" + input)
            #expect(plus == expected, "+\(input)")
            #expect(plus.format == expected.format, "+\(input)")
        }
    }

    @Test(arguments: [
        ("", QuantityError.Kind.formatWrong), ("1.1.M", .formatWrong), ("1+1.0M", .formatWrong), ("0.1mi", .suffix),
        ("0.1am", .formatWrong), ("aoeu", .formatWrong), (".5i", .suffix), ("1i", .suffix), ("-3.01i", .suffix),
        ("-3.01e-", .suffix), ("1e4294967297", .suffix), (" 1", .formatWrong), ("1 ", .formatWrong),
        ("1K", .suffix), ("1ki", .suffix), ("1e", .suffix), ("1E2147483648", .suffix), ("1e3k", .formatWrong),
        ("1Kie3", .suffix), ("1,5", .formatWrong), ("١", .formatWrong), ("1e30", .outOfRange),
        ("1E2147483647", .outOfRange), (".e-12", .numeric), (".Pi", .numeric),
    ])
    func rejectsInvalidText(input: String, kind: QuantityError.Kind) {
        #expect { try Quantity(input) } throws: { ($0 as? QuantityError)?.kind == kind }
    }

    @Test func apimachineryQuirksAreKept() throws {
        // A bare sign or dot is zero; an exponent far below a nano-unit rounds up to one.
        #expect(Quantity("-") == .zero)
        #expect(Quantity(".") == .zero)
        #expect(Quantity("+.") == .zero)
        #expect(Quantity(".484785E-7466").nanoUnits == 1)
        #expect(Quantity("-.484785E-7466").nanoUnits == -1)
    }

    @Test func canonicalTextOfParsedInputIsKeptLikeApimachinery() throws {
        // apimachinery keeps the input on its fast path when it looks canonical, spelling included.
        #expect(Quantity("+1").description == "+1")
        #expect(Quantity("01").description == "01")
        #expect(Quantity("1.500k").description == "1.500k")
        #expect(Quantity("1E3").description == "1E3")
        #expect(Quantity("1.500k").canonical == "1500")
        #expect(Quantity("1E3").canonical == "1e3")
        // Not kept: rewritten canonically.
        #expect(Quantity("1.5").description == "1500m")
        #expect(Quantity("1.5Gi").description == "1536Mi")
        #expect(Quantity("1024Mi").description == "1Gi")
        #expect(Quantity("-0").description == "0")
    }

    @Test func randomStringsNeverCrash() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("0123456789.+-eEinumkKMGTPa ".utf8) + [0xC3]
        for _ in 0..<20_000 {
            let bytes = (0..<Int.random(in: 0..<14, using: &rng)).map { _ in alphabet.randomElement(using: &rng) ?? 0 }
            guard let q = try? Quantity(String(decoding: bytes, as: UTF8.self)) else { continue }
            // Whatever parses prints to a text that parses back to the same amount.
            #expect((try? Quantity(q.description)) == q, "\(String(decoding: bytes, as: UTF8.self)) -> \(q)")
            #expect((try? Quantity(q.canonical)) == q)
        }
        // Very long inputs are linear, not quadratic, and exact.
        let long = "0." + String(repeating: "0", count: 100_000) + "1"
        #expect((try? Quantity(long)) == dec(1, -9))
        let longBinary = "1." + String(repeating: "0", count: 100_000) + "1Ki"
        #expect((try? Quantity(longBinary))?.nanoUnits == 1024 * 1_000_000_000 + 1)
    }
}

struct QuantityFormatTests {
    static let table: [(Quantity, String, String)] = [
        (dec(1 << 30, 0, .binarySI), "1Gi", "1024Mi"), (dec(300 << 20, 0, .binarySI), "300Mi", "307200Ki"),
        (dec(6 * 1024, 0, .binarySI), "6Ki", ""), (dec(1001 << 30, 0, .binarySI), "1001Gi", "1025024Mi"),
        (dec(1 << 40, 0, .binarySI), "1Ti", "1024Gi"), (dec(5, 0, .binarySI), "5", "5000m"),
        (dec(500, -3, .binarySI), "500m", "0.5"), (dec(1, 9), "1G", "1000M"), (dec(1000, 6), "1G", "0.001T"),
        (dec(1_000_000, 3), "1G", ""), (dec(1_000_000_000, 0), "1G", ""), (dec(1, -3), "1m", "1000u"),
        (dec(80, -3), "80m", ""), (dec(1080, -3), "1080m", "1.08"), (dec(108, -2), "1080m", "1080000000n"),
        (dec(10800, -4), "1080m", ""), (dec(300, 6), "300M", ""), (dec(1, 12), "1T", ""),
        (dec(1, 18), "1E", ""), (dec(1, 21), "1e21", "1000E"), (dec(5, 21), "5e21", "5000E"),
        (dec(1, 24), "1e24", "1000000E"),
        (dec(1_234_567, 6), "1234567M", ""), (dec(1_234_567, -3, .binarySI), "1234567m", ""), (dec(3, 3), "3k", ""),
        (dec(1025, 0, .binarySI), "1025", ""), (dec(0, 0), "0", ""), (dec(0, 0, .binarySI), "0", ""),
        (dec(1, 9, .decimalExponent), "1e9", ".001e12"), (dec(1, -3, .decimalExponent), "1e-3", "0.001e0"),
        (dec(1, -9, .decimalExponent), "1e-9", "1000e-12"), (dec(80, -3, .decimalExponent), "80e-3", ""),
        (dec(300, 6, .decimalExponent), "300e6", ""), (dec(1, 12, .decimalExponent), "1e12", ""),
        (dec(1, 3, .decimalExponent), "1e3", ""), (dec(3, 3, .decimalExponent), "3e3", ""), (dec(3, 3), "3k", ""),
        (dec(0, 0, .decimalExponent), "0", "00"), (dec(1, -9), "1n", ""), (dec(80, -9), "80n", ""),
        (dec(1080, -9), "1080n", ""), (dec(108, -8), "1080n", ""),
        (dec(1, -6), "1u", ""), (dec(80, -6), "80u", ""), (dec(1080, -6), "1080u", ""),
    ]

    @Test func canonicalFormsMatchApimachinery() throws {
        for (q, expected, alternate) in Self.table {
            #expect(q.description == expected, "\(q.nanoUnits) \(q.format)")
            // Parsing the canonical text keeps it as is.
            let parsed = try Quantity(expected)
            #expect(parsed.text == expected, "\(expected) should be kept")
            #expect(parsed == q)
            if !q.isZero { #expect((-q).description == "-" + expected) }
            guard !alternate.isEmpty else { continue }
            // A non-canonical spelling is not kept, and prints canonically.
            let alt = try Quantity(alternate)
            #expect(alt.text == nil, "\(alternate) should not be kept")
            #expect(alt.description == expected, "\(alternate)")
        }
    }

    @Test(arguments: [
        ("1Ki", "1Ki"), ("1Mi", "1Mi"), ("1Gi", "1Gi"), ("1024Mi", "1Gi"), ("1000M", "1G"), (".001Ki", "1024m"),
        (".000001Ki", "1024u"), (".000000001Ki", "1024n"), (".000000000001Ki", "2n"),
    ])
    func parseThenEmit(input: String, expected: String) throws {
        #expect(try Quantity(input).description == expected)
        #expect(try Quantity("-" + input).description == "-" + expected)
    }

    @Test func binaryPastEiFallsBackToDecimal() throws {
        let q = Quantity("1Ei") * 1024
        #expect(q.description == "1180591620717411303424")
        #expect(try Quantity(q.description) == q)
        #expect(dec(2000, 0, .binarySI).description == "2000")
        #expect(dec(-2000, 0, .binarySI).description == "-2000")
    }

    @Test func constructorsFormatLikeNewQuantity() {
        // TestNewSet, TestMilliNewSet, TestNewScaledSet.
        #expect(Quantity(1).description == "1")
        #expect(Quantity(1000).description == "1k")
        #expect(Quantity(1_234_000).description == "1234k")
        #expect(Quantity(1024, format: .binarySI).description == "1Ki")
        #expect(Quantity(1_000_000, format: .decimalExponent).description == "1e6")
        #expect(Quantity(1024 * 1024, format: .binarySI).description == "1Mi")
        #expect(Quantity(milli: 1).description == "1m")
        #expect(Quantity(milli: 1000).description == "1")
        #expect(Quantity(milli: 1_234_000).description == "1234")
        #expect(Quantity(milli: 1024, format: .binarySI).description == "1024m")
        #expect(Quantity(milli: 1_000_000, format: .decimalExponent).description == "1e3")
        #expect(Quantity(milli: 1024 * 1024, format: .binarySI).description == "1048576m")
        #expect(Quantity(1, scale: -9).description == "1n")
        #expect(Quantity(1000, scale: -9).description == "1u")
        #expect(Quantity(1, scale: -6).description == "1u")
        #expect(Quantity(1000, scale: -6).description == "1m")
        #expect(Quantity(1, scale: -3).description == "1m")
        #expect(Quantity(1000, scale: -3).description == "1")
        #expect(Quantity(0, scale: -9).description == "0")
    }
}

struct QuantityArithmeticTests {
    @Test func comparisons() throws {
        #expect(Quantity("0") == Quantity("0"))
        #expect(Quantity("100m") > Quantity("50m"))
        #expect(Quantity("50m") < Quantity("100m"))
        #expect(Quantity("10000T") > Quantity("100Gi"))
        #expect(Quantity("1Gi") == Quantity("1024Mi"))
        #expect(Quantity("1Gi").hashValue == Quantity("1073741824").hashValue)
        // TestQuantityCmpInt64AndDec rows within range.
        let rows: [(Quantity, Quantity, Int)] = [
            (dec(901, -2), dec(901, -2), 0), (dec(90, -1), dec(901, -2), -1), (dec(901, -2), dec(900, -2), 1),
            (dec(0, 1), dec(0, -1), 0), (dec(800, -3), dec(1, 0), -1), (dec(800, -3), dec(79, -2), 1),
            (dec(Int64.max, 0), dec(1, -1), 1), (dec(Int64.max, 1), dec(1, 1), 1), (dec(Int64.min, 0), dec(0, 0), -1),
            (dec(1_000_000_000_000_000_000, -8), dec(1, 10), 0), (dec(-1_000_000_000_000_000_000, -8), dec(-1, 10), 0),
        ]
        for (a, b, c) in rows {
            #expect((a < b ? -1 : (a == b ? 0 : 1)) == c, "\(a) vs \(b)")
            #expect((b < a ? -1 : (b == a ? 0 : 1)) == -c)
        }
    }

    @Test func addAndSubtractKeepFormats() throws {
        for text in ["100m", "1Gi"] {
            let v = try Quantity(text)
            #expect((v + .zero).description == text)
            #expect((Quantity.zero + v).description == text)
            #expect((v - .zero).description == text)
            #expect((Quantity.zero - v).description == (-v).description)
        }
        // TestSub.
        #expect(dec(10, 0) - dec(1, 1) == .zero)
        #expect((dec(10, 0) - dec(1, 0, .binarySI)).format == .decimalSI)
        #expect((dec(10, 0, .binarySI) - dec(1, 0)).format == .binarySI)
        #expect(Quantity.zero - dec(50, 0) == dec(-50, 0))
        #expect(Quantity("1.5") + Quantity("500m") == Quantity("2"))
        #expect((Quantity("1Gi") + Quantity("512Mi")).description == "1536Mi")
        #expect([Quantity("100m"), Quantity("250m"), Quantity("1")].sum().description == "1350m")
    }

    @Test func exactDecimalArithmeticHasNoDrift() throws {
        var total = Quantity.zero
        let tenth: Quantity = "0.1"
        for _ in 0..<10 { total += tenth }
        #expect(total == Quantity(1))
        #expect(total.description == "1")
        #expect(Quantity("100m") * 3 == Quantity("300m"))
        #expect((Quantity("2Gi") * 3).description == "6Gi")
    }

    @Test func negation() {
        #expect((-dec(901, -2)).description == "-9010m")
        #expect(-dec(10, 0, .binarySI) == dec(-10, 0, .binarySI))
        #expect(-Quantity.zero == .zero)
    }

    @Test func arithmeticSaturatesInsteadOfTrapping() throws {
        let huge: Quantity = "100000000000E"  // 1e29
        let sum = huge + huge
        #expect(sum.nanoUnits == .max)
        #expect((Quantity(nanoUnits: .min) - huge).nanoUnits == .min)
        #expect((huge * Int64.max).nanoUnits == .max)
        #expect((huge * -2).nanoUnits == .min)
        #expect(sum.value == Int64.max)
        #expect(Quantity(nanoUnits: .min).milliValue == Int64.min)
    }

    @Test(arguments: [
        ("-.484785E-7466", Int64(-1), Int64(-1)), (".484785E-7466", 1, 1), ("-.484785E-1", -1, -49),
        (".484785E-1", 1, 49), ("-0.0005", -1, -1), ("0.0005", 1, 1), ("-1500m", -2, -1500), ("1500m", 2, 1500),
        ("-9.5000000001Gi", -10_200_547_329, -10_200_547_328_108), ("9.5000000001Gi", 10_200_547_329, 10_200_547_328_108),
        ("-1", -1, -1000), ("1", 1, 1000), ("0", 0, 0), ("2Gi", 2_147_483_648, 2_147_483_648_000),
    ])
    func valueAndMilliValueRoundAwayFromZero(input: String, value: Int64, milli: Int64) throws {
        let q = try Quantity(input)
        #expect(q.value == value)
        #expect(q.milliValue == milli)
    }

    @Test func scaledValues() {
        // TestScaledValue: NewScaledQuantity(1, from).ScaledValue(to).
        let rows: [(Int, Int, Int64)] = [
            (-9, -9, 1), (-9, -6, 1), (-9, -3, 1), (-9, 0, 1), (-6, -9, 1000), (-6, -6, 1), (-6, -3, 1), (-6, 0, 1),
            (-3, -9, 1_000_000), (-3, -6, 1000), (-3, -3, 1), (-3, 0, 1), (0, -9, 1_000_000_000), (0, -6, 1_000_000),
            (0, -3, 1000), (0, 0, 1), (2, -2, 10_000),
        ]
        for (from, to, expected) in rows {
            #expect(Quantity(1, scale: from).scaledValue(to) == expected, "\(from) -> \(to)")
        }
    }

    @Test func roundUp() throws {
        let rows: [(String, Int, Quantity, Bool)] = [
            ("9.01", -3, dec(901, -2), true), ("9.01", -2, dec(901, -2), true), ("9.01", -1, dec(91, -1), false),
            ("9.01", 0, dec(10, 0), false), ("9.01", 1, dec(10, 0), false), ("9.01", 2, dec(100, 0), false),
            ("-9.01", -3, dec(-901, -2), true), ("-9.01", -2, dec(-901, -2), true), ("-9.01", -1, dec(-91, -1), false),
            ("-9.01", 0, dec(-10, 0), false), ("-9.01", 1, dec(-10, 0), false), ("-9.01", 2, dec(-100, 0), false),
        ]
        for (input, scale, expected, exact) in rows {
            let (q, wasExact) = try Quantity(input).roundedUp(scale: scale)
            #expect(q == expected, "\(input) at \(scale): \(q)")
            #expect(wasExact == exact, "\(input) at \(scale)")
        }
    }
}

struct QuantityCodingTests {
    private struct Resources: Codable, Equatable {
        var requests: [String: Quantity]
        var unknownFields: UnknownFields? = nil
    }

    @Test func encodesAsStringsDecodesStringsAndNumbers() throws {
        let json = #"{"requests":{"cpu":"1.5","memory":"2Gi","gpu":2,"frac":0.5,"spaced":" 1 ","exp":1e3}}"#
        let r = try JSONValueDecoder().decode(Resources.self, from: Array(json.utf8))
        #expect(r.requests["cpu"] == Quantity(milli: 1500))
        #expect(r.requests["gpu"] == Quantity(2))
        #expect(r.requests["frac"] == Quantity(milli: 500))
        #expect(r.requests["spaced"] == Quantity(1))
        #expect(r.requests["exp"] == Quantity(1000))
        let out = try JSONValueEncoder().encode(r)
        #expect(out["requests"] == ["cpu": "1500m", "exp": "1k", "frac": "500m", "gpu": "2", "memory": "2Gi", "spaced": "1"])
    }

    @Test func invalidQuantityIsADecodingErrorWithThePath() {
        let json = #"{"requests":{"cpu":"lots"}}"#
        do {
            _ = try JSONValueDecoder().decode(Resources.self, from: Array(json.utf8))
            Issue.record("expected an error")
        } catch let e as DecodingError {
            #expect(e.fieldPath == "requests.cpu")
            #expect(e.summary.contains("lots"))
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func foundationCodersRoundTrip() throws {
        let r = Resources(requests: ["cpu": "250m", "mem": "1Gi"])
        let data = try JSONEncoder().encode(r)
        #expect(try JSONDecoder().decode(Resources.self, from: data) == r)
    }

    @Test func literalsWork() {
        let q: Quantity = "500m"
        #expect(q.milliValue == 500)
    }
}
