// TimeWindow: a recurring daily period in which a Quota is valid ("weekdays 20:00-08:00 in Asia/Shanghai"),
// for tidal sharing: an offline-training quota that only admits work at night.

import Foundation
import KubeCore

public struct TimeWindow: Codable, Sendable, Hashable {
    public var days: [Weekday]?
    public var start: String
    public var end: String
    public var timeZone: String?
    public var unknownFields: UnknownFields? = nil

    public init(days: [Weekday]? = nil, start: String, end: String, timeZone: String? = nil) {
        self.days = days
        self.start = start
        self.end = end
        self.timeZone = timeZone
    }

    /// Minutes after midnight for "HH:MM" (00:00 to 23:59), else nil.
    public static func minuteOfDay(_ text: String) -> Int? {
        let u = Array(text.utf8)
        guard u.count == 5, u[2] == UInt8(ascii: ":"),
            u.enumerated().allSatisfy({ $0.offset == 2 || ($0.element >= 48 && $0.element <= 57) })
        else { return nil }
        let h = Int(u[0] - 48) * 10 + Int(u[1] - 48)
        let m = Int(u[3] - 48) * 10 + Int(u[4] - 48)
        guard h < 24, m < 60 else { return nil }
        return h * 60 + m
    }

    func validate(_ path: FieldPath) -> FieldErrors {
        var errors = FieldErrors()
        let s = Self.minuteOfDay(start)
        let e = Self.minuteOfDay(end)
        if s == nil { errors.append(.invalid(path.child("start"), .string(start), "must be a time of day as HH:MM, 00:00 to 23:59")) }
        if e == nil { errors.append(.invalid(path.child("end"), .string(end), "must be a time of day as HH:MM, 00:00 to 23:59")) }
        if let s, let e, s == e {
            errors.append(.invalid(path.child("end"), .string(end),
                                   "must differ from start: a window lasting the whole day needs no time window"))
        }
        var seen = Set<Weekday>()
        for (i, d) in (days ?? []).enumerated() {
            errors.checkEnum(d, path.child("days").index(i))
            if !seen.insert(d).inserted { errors.append(.duplicate(path.child("days").index(i), .string(d.rawValue))) }
        }
        if let tz = timeZone, TimeZone(identifier: tz) == nil {
            errors.append(.invalid(path.child("timeZone"), .string(tz), "must be an IANA time zone name, e.g. UTC or Asia/Shanghai"))
        }
        return errors
    }

    /// Whether `date` falls in the window. A window whose end is before its start runs past midnight and
    /// belongs to the day it starts on (Fri 22:00-06:00 covers Saturday 03:00). Invalid windows never match.
    public func contains(_ date: Date) -> Bool {
        guard let s = Self.minuteOfDay(start), let e = Self.minuteOfDay(end), s != e,
            let zone = TimeZone(identifier: timeZone ?? "UTC")
        else { return false }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.weekday, .hour, .minute], from: date)
        guard let weekday = parts.weekday, let hour = parts.hour, let minute = parts.minute else { return false }
        let now = hour * 60 + minute
        // Calendar weekdays run 1 = Sunday ... 7 = Saturday.
        let today = Weekday.allCases[(weekday + 5) % 7]
        let yesterday = Weekday.allCases[(weekday + 4) % 7]
        let allowed = days.map(Set.init) ?? Set(Weekday.allCases)
        let effective = allowed.isEmpty ? Set(Weekday.allCases) : allowed
        if s < e { return effective.contains(today) && now >= s && now < e }
        return (effective.contains(today) && now >= s) || (effective.contains(yesterday) && now < e)
    }
}

extension Quota {
    /// Whether the quota is inside one of its time windows at `date` (always, without windows).
    public func isWithinTimeWindows(at date: Date) -> Bool {
        guard let windows = spec.timeWindows, !windows.isEmpty else { return true }
        return windows.contains { $0.contains(date) }
    }
}
