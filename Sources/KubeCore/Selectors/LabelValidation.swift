// LabelValidation: apimachinery's label key and value rules (IsQualifiedName, IsValidLabelValue), used by
// the selector parsers here and by anything that validates object metadata.

public enum LabelValidation {
    /// Problems with a label key (`[prefix/]name`), empty when it is valid.
    public static func keyErrors(_ key: String) -> [String] {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        var errors: [String] = []
        let name: Substring
        switch parts.count {
        case 1:
            name = parts[0]
        case 2:
            let prefix = parts[0]
            name = parts[1]
            if prefix.isEmpty {
                errors.append("prefix part must be non-empty")
            } else {
                errors += dnsSubdomainErrors(prefix).map { "prefix part \($0)" }
            }
        default:
            return ["a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and "
                + "end with an alphanumeric character, with an optional DNS subdomain prefix and '/' (e.g. "
                + "'example.com/MyName')"]
        }
        if name.isEmpty {
            errors.append("name part must be non-empty")
        } else {
            if name.utf8.count > 63 { errors.append("name part must be no more than 63 characters") }
            if !isLabelToken(name) {
                errors.append("name part must consist of alphanumeric characters, '-', '_' or '.', and must start "
                    + "and end with an alphanumeric character (e.g. 'MyName', 'my.name', '123-abc')")
            }
        }
        return errors
    }

    /// Problems with a label value, empty when it is valid (the empty string is a valid value).
    public static func valueErrors(_ value: String) -> [String] {
        var errors: [String] = []
        if value.utf8.count > 63 { errors.append("must be no more than 63 characters") }
        if !value.isEmpty, !isLabelToken(Substring(value)) {
            errors.append("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' "
                + "or '.', and must start and end with an alphanumeric character (e.g. 'MyValue', 'my_value', '12345')")
        }
        return errors
    }

    public static func isValidKey(_ key: String) -> Bool { keyErrors(key).isEmpty }
    public static func isValidValue(_ value: String) -> Bool { valueErrors(value).isEmpty }

    /// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`
    static func isLabelToken(_ s: Substring) -> Bool {
        let b = Array(s.utf8)
        guard let first = b.first, let last = b.last, isAlnum(first), isAlnum(last) else { return false }
        return b.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
    }

    /// RFC 1123 subdomain: lower-case labels of `[a-z0-9]([-a-z0-9]*[a-z0-9])?` joined by dots, at most 253 bytes.
    public static func dnsSubdomainErrors(_ s: Substring) -> [String] {
        var errors: [String] = []
        if s.utf8.count > 253 { errors.append("must be no more than 253 characters") }
        let valid = s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            let b = Array(label.utf8)
            guard let first = b.first, let last = b.last, isLowerAlnum(first), isLowerAlnum(last) else { return false }
            return b.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: "-") }
        }
        if !valid {
            errors.append("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
                + "'.', and must start and end with an alphanumeric character (e.g. 'example.com')")
        }
        return errors
    }

    private static func isAlnum(_ c: UInt8) -> Bool {
        (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
    }

    private static func isLowerAlnum(_ c: UInt8) -> Bool { (c >= 48 && c <= 57) || (c >= 97 && c <= 122) }
}
