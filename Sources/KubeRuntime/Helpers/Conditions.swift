// Conditions: set and remove `status.conditions` entries by the Kubernetes convention — one entry per type,
// `lastTransitionTime` moves only when `status` changes, `observedGeneration` says which spec was judged.

import KubeCore

extension Array where Element == Condition {
    /// Sets the condition of `condition.type`. `lastTransitionTime` is kept when the status is unchanged and
    /// set to `condition.lastTransitionTime ?? now` when it changes or the type is new. Returns whether
    /// anything changed, so a caller can skip a status write that would change nothing.
    @discardableResult
    public mutating func set(_ condition: Condition, now: Time = .now) -> Bool {
        var updated = condition
        if let i = firstIndex(where: { $0.type == condition.type }) {
            let existing = self[i]
            if existing.status == condition.status, let kept = existing.lastTransitionTime {
                updated.lastTransitionTime = kept
            } else if updated.lastTransitionTime == nil {
                updated.lastTransitionTime = now
            }
            updated.unknownFields = existing.unknownFields
            if existing == updated { return false }
            self[i] = updated
            return true
        }
        if updated.lastTransitionTime == nil { updated.lastTransitionTime = now }
        append(updated)
        return true
    }

    /// Sets a condition from its parts; `observedGeneration` should be the object's `metadata.generation`.
    @discardableResult
    public mutating func set(type: String, status: ConditionStatus, reason: String, message: String = "",
                             observedGeneration: Int64?, now: Time = .now) -> Bool {
        set(Condition(type: type, status: status, observedGeneration: observedGeneration, reason: reason, message: message),
            now: now)
    }

    /// Removes the condition of that type; returns whether there was one.
    @discardableResult
    public mutating func remove(type: String) -> Bool {
        let before = count
        removeAll { $0.type == type }
        return count != before
    }

    /// True when the condition exists, is True and was judged against `generation`.
    public func isTrue(_ type: String, atGeneration generation: Int64?) -> Bool {
        guard let c = self[type: type] else { return false }
        return c.isTrue && c.observedGeneration == generation
    }
}
