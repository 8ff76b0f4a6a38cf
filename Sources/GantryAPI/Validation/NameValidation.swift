// The Kubernetes name rules (k8s.io/apimachinery/pkg/util/validation), with the API server's exact
// messages, so `metadata.name: Invalid value: "Bert": a lowercase RFC 1123 ...` reads the same from a
// Gantry controller as from kubectl. Matched by hand: these run on every reconcile and Foundation's
// regular expressions are slow on Linux.

public enum NameValidation {
    public static let dns1123LabelMaxLength = 63
    public static let dns1123SubdomainMaxLength = 253
    public static let dns1035LabelMaxLength = 63
    public static let qualifiedNameMaxLength = 63
    public static let labelValueMaxLength = 63

    static let dns1123LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
    static let dns1123SubdomainFmt = dns1123LabelFmt + "(\\." + dns1123LabelFmt + ")*"
    static let dns1035LabelFmt = "[a-z]([-a-z0-9]*[a-z0-9])?"
    static let qualifiedNameFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
    static let labelValueFmt = "(" + qualifiedNameFmt + ")?"

    static let dns1123LabelErrMsg =
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"
    static let dns1123SubdomainErrMsg =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"
    static let dns1035LabelErrMsg =
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character"
    static let qualifiedNameErrMsg =
        "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
    static let labelValueErrMsg =
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"

    /// Go's RegexError, double space after the first example included.
    static func regexError(_ msg: String, _ fmt: String, _ examples: String...) -> String {
        var out = msg + " (e.g. "
        for (i, e) in examples.enumerated() {
            if i > 0 { out += " or " }
            out += "'" + e + "', "
        }
        return out + "regex used for validation is '" + fmt + "')"
    }

    static func maxLenError(_ n: Int) -> String { "must be no more than \(n) characters" }

    // MARK: - Matchers

    private static func isLowerAlnum(_ b: UInt8) -> Bool { (b >= 97 && b <= 122) || (b >= 48 && b <= 57) }
    private static func isLower(_ b: UInt8) -> Bool { b >= 97 && b <= 122 }
    private static func isAlnum(_ b: UInt8) -> Bool { isLowerAlnum(b) || (b >= 65 && b <= 90) }

    static func matchesDNS1123Label(_ s: Substring.UTF8View) -> Bool {
        guard let first = s.first, let last = s.last, isLowerAlnum(first), isLowerAlnum(last) else { return false }
        return s.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: "-") }
    }

    static func matchesDNS1123Subdomain(_ s: String) -> Bool {
        let parts = s.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return parts.allSatisfy { matchesDNS1123Label(Substring($0).utf8) }
    }

    static func matchesDNS1035Label(_ s: String) -> Bool {
        guard let first = s.utf8.first, isLower(first) else { return false }
        return matchesDNS1123Label(Substring(s).utf8)
    }

    static func matchesQualifiedNamePart(_ s: Substring) -> Bool {
        let u = s.utf8
        guard let first = u.first, let last = u.last, isAlnum(first), isAlnum(last) else { return false }
        return u.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
    }

    // MARK: - Rules: each returns the problems, empty when the value is fine

    public static func dns1123Label(_ value: String) -> [String] {
        var errs: [String] = []
        if value.utf8.count > dns1123LabelMaxLength { errs.append(maxLenError(dns1123LabelMaxLength)) }
        if !matchesDNS1123Label(Substring(value).utf8) {
            if matchesDNS1123Subdomain(value) {
                errs.append("must not contain dots")
            } else {
                errs.append(regexError(dns1123LabelErrMsg, dns1123LabelFmt, "my-name", "123-abc"))
            }
        }
        return errs
    }

    public static func dns1123Subdomain(_ value: String) -> [String] {
        var errs: [String] = []
        if value.utf8.count > dns1123SubdomainMaxLength { errs.append(maxLenError(dns1123SubdomainMaxLength)) }
        if !matchesDNS1123Subdomain(value) {
            errs.append(regexError(dns1123SubdomainErrMsg, dns1123SubdomainFmt, "example.com"))
        }
        return errs
    }

    public static func dns1035Label(_ value: String) -> [String] {
        var errs: [String] = []
        if value.utf8.count > dns1035LabelMaxLength { errs.append(maxLenError(dns1035LabelMaxLength)) }
        if !matchesDNS1035Label(value) {
            errs.append(regexError(dns1035LabelErrMsg, dns1035LabelFmt, "my-name", "abc-123"))
        }
        return errs
    }

    /// A label key, annotation key or resource name: `[prefix/]name`.
    public static func qualifiedName(_ value: String) -> [String] {
        var errs: [String] = []
        let parts = value.split(separator: "/", omittingEmptySubsequences: false)
        let name: Substring
        switch parts.count {
        case 1:
            name = parts[0]
        case 2:
            let prefix = String(parts[0])
            name = parts[1]
            if prefix.isEmpty {
                errs.append("prefix part must be non-empty")
            } else {
                errs += dns1123Subdomain(prefix).map { "prefix part " + $0 }
            }
        default:
            return [
                "a qualified name "
                    + regexError(qualifiedNameErrMsg, qualifiedNameFmt, "MyName", "my.name", "123-abc")
                    + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
            ]
        }
        if name.isEmpty {
            errs.append("name part must be non-empty")
        } else if name.utf8.count > qualifiedNameMaxLength {
            errs.append("name part " + maxLenError(qualifiedNameMaxLength))
        }
        if !matchesQualifiedNamePart(name) {
            errs.append("name part " + regexError(qualifiedNameErrMsg, qualifiedNameFmt, "MyName", "my.name", "123-abc"))
        }
        return errs
    }

    public static func labelValue(_ value: String) -> [String] {
        var errs: [String] = []
        if value.utf8.count > labelValueMaxLength { errs.append(maxLenError(labelValueMaxLength)) }
        if !value.isEmpty && !matchesQualifiedNamePart(Substring(value)) {
            errs.append(regexError(labelValueErrMsg, labelValueFmt, "MyValue", "my_value", "12345"))
        }
        return errs
    }
}

/// Which name rule a field follows.
public enum NameRule: Sendable {
    /// Names that become label values, namespace names or hostnames (Workspace, Quota, ResourcePool).
    case dns1123Label
    /// Ordinary object names (DeviceSlice = node name).
    case dns1123Subdomain
    /// Names that become Service names (TrainingJob, InferenceService, replica names).
    case dns1035Label

    /// The rule as a schema for the name field.
    var schema: Schema {
        switch self {
        case .dns1123Label:
            Schema.string("Name of the object: a DNS-1123 label (lower-case letters, digits and '-', at most 63 characters), as it is also used as a label value.").dnsLabel()
        case .dns1123Subdomain:
            Schema.string("Name of the object: a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', at most 253 characters).").dnsSubdomain()
        case .dns1035Label:
            Schema.string("Name of the object: a DNS-1035 label (starts with a letter; lower-case letters, digits and '-', at most 63 characters), as it names Services.").dns1035Label()
        }
    }

    func check(_ value: String) -> [String] {
        switch self {
        case .dns1123Label: NameValidation.dns1123Label(value)
        case .dns1123Subdomain: NameValidation.dns1123Subdomain(value)
        case .dns1035Label: NameValidation.dns1035Label(value)
        }
    }
}
