// FieldErrors: the result of validating an object, and its two outward forms: the API server's 422
// `Invalid` Status (for the dev cluster or a webhook) and the `Invalid` condition controllers set.

import KubeCore

public struct FieldErrors: Error, Sendable, Hashable, CustomStringConvertible, RandomAccessCollection,
    ExpressibleByArrayLiteral
{
    public private(set) var errors: [FieldError]

    public init(_ errors: [FieldError] = []) { self.errors = errors }
    public init(arrayLiteral elements: FieldError...) { errors = elements }

    public var startIndex: Int { errors.startIndex }
    public var endIndex: Int { errors.endIndex }
    public subscript(i: Int) -> FieldError { errors[i] }

    public mutating func append(_ e: FieldError) { errors.append(e) }
    public mutating func append(contentsOf other: FieldErrors) { errors.append(contentsOf: other.errors) }
    public mutating func append(_ e: FieldError?) { if let e { errors.append(e) } }
    public static func += (lhs: inout FieldErrors, rhs: FieldErrors) { lhs.append(contentsOf: rhs) }
    public static func += (lhs: inout FieldErrors, rhs: FieldError?) { lhs.append(rhs) }

    /// One error alone, several in brackets: the API server's aggregate format.
    public var description: String {
        errors.count == 1 ? errors[0].description : "[" + errors.map(\.description).joined(separator: ", ") + "]"
    }

    public var causes: [StatusCause] { errors.map(\.cause) }

    /// The 422 response the API server would give: `TrainingJob.gantry.dev "bert" is invalid: ...`.
    public func status(kind: String, group: String = GantryAPI.group, name: String) -> Status {
        let qualified = group.isEmpty ? kind : "\(kind).\(group)"
        return Status(
            message: "\(qualified) \(FieldError.quote(name)) is invalid: \(description)", reason: "Invalid",
            details: StatusDetails(name: name, group: group, kind: kind, causes: causes), code: 422)
    }

    /// The `Invalid` condition for an object's status: True with every broken rule in the message when
    /// there are errors, False otherwise, so a controller can set it on every reconcile.
    public func condition(observedGeneration: Int64?, now: Time = .now) -> Condition {
        if errors.isEmpty {
            return Condition(
                type: ConditionType.invalid, status: .false, observedGeneration: observedGeneration,
                lastTransitionTime: now, reason: Reason.valid, message: "The spec passes validation.")
        }
        var message = description
        // metav1.Condition caps messages at 32768 bytes; cut on a character boundary.
        if message.utf8.count > Self.maximumConditionMessage {
            var cut = ""
            for ch in message {
                if cut.utf8.count + ch.utf8.count > Self.maximumConditionMessage - 3 { break }
                cut.append(ch)
            }
            message = cut + "..."
        }
        return Condition(
            type: ConditionType.invalid, status: .true, observedGeneration: observedGeneration,
            lastTransitionTime: now, reason: Reason.invalidSpec, message: message)
    }

    static let maximumConditionMessage = 32768
}
