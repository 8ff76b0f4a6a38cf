// The checks every kind's validate() is built from: names, enumerations, ranges. Each appends errors in
// the API server's wording and never traps, whatever the value.

import KubeCore

extension FieldErrors {
    /// One `Invalid` error per problem, as the API server reports names.
    mutating func checkName(_ value: String, _ rule: NameRule, _ path: FieldPath) {
        for msg in rule.check(value) { append(.invalid(path, .string(value), msg)) }
    }

    /// A required name: `Required value` when empty, else the rule's problems.
    mutating func checkRequiredName(_ value: String?, _ rule: NameRule, _ path: FieldPath, _ detail: String = "") {
        guard let value, !value.isEmpty else {
            append(.required(path, detail))
            return
        }
        checkName(value, rule, path)
    }

    /// An optional name: checked only when set (an empty string counts as set, and is invalid).
    mutating func checkOptionalName(_ value: String?, _ rule: NameRule, _ path: FieldPath) {
        guard let value else { return }
        checkName(value, rule, path)
    }

    /// A list of names: each valid, none repeated.
    mutating func checkNameSet(_ values: [String]?, _ rule: NameRule, _ path: FieldPath) {
        guard let values else { return }
        var seen = Set<String>()
        for (i, v) in values.enumerated() {
            checkName(v, rule, path.index(i))
            if !seen.insert(v).inserted { append(.duplicate(path.index(i), .string(v))) }
        }
    }

    mutating func checkQualifiedName(_ value: String, _ path: FieldPath) {
        for msg in NameValidation.qualifiedName(value) { append(.invalid(path, .string(value), msg)) }
    }

    mutating func checkLabelValue(_ value: String, _ path: FieldPath) {
        for msg in NameValidation.labelValue(value) { append(.invalid(path, .string(value), msg)) }
    }

    /// A value the schema restricts to an enumeration; repeated here so objects that never passed an API
    /// server (the dev cluster without schemas, unit tests, old objects) get the same answer.
    mutating func checkEnum<E: APIEnum>(_ value: E?, _ path: FieldPath) {
        guard let value, !value.isKnown else { return }
        append(.notSupported(path, value.rawValue, E.allCases.map(\.rawValue)))
    }

    mutating func checkRange<I: BinaryInteger>(_ value: I?, _ path: FieldPath, min: I? = nil, max: I? = nil) {
        guard let value else { return }
        if let min, value < min {
            append(.invalid(path, .int(Int64(value)), "must be greater than or equal to \(min)"))
        } else if let max, value > max {
            append(.invalid(path, .int(Int64(value)), "must be less than or equal to \(max)"))
        }
    }

    /// The object's own name: required (unless generateName is set) and following the kind's name rule.
    mutating func checkObjectName(_ metadata: ObjectMeta, _ rule: NameRule) {
        let path = FieldPath("metadata", "name")
        guard let name = metadata.name, !name.isEmpty else {
            if (metadata.generateName ?? "").isEmpty { append(.required(path, "name or generateName is required")) }
            return
        }
        checkName(name, rule, path)
    }

    /// Temperatures outside what a sensor can report point at a unit mix-up (Fahrenheit, milli-degrees).
    mutating func checkTemperature(_ t: Double, _ path: FieldPath) {
        if !t.isFinite || t < -50 || t > 200 {
            append(.invalid(path, t.isFinite ? .double(t) : .string("\(t)"), "must be a temperature in °C between -50 and 200"))
        }
    }

    /// A resource name: `cpu`, `memory`, ... or a domain-qualified extended resource like gantry.dev/vgcu.
    mutating func checkResourceName(_ name: String, _ path: FieldPath) {
        let problems = NameValidation.qualifiedName(name)
        if !problems.isEmpty {
            for msg in problems { append(.invalid(path, .string(name), msg)) }
        } else if !name.contains("/") && !ResourceName.isStandard(name) {
            append(.invalid(path, .string(name), "must be a standard resource type or fully qualified"))
        }
    }
}
