// DeadlineHeap and FIFO: the two small containers behind the work queue (delayed keys by deadline, ready keys in order).

/// A binary min-heap of (deadline, key). Stale entries are allowed: the owner checks them against its
/// authoritative map when popping, which keeps "reschedule earlier" and "cancel" O(log n).
struct DeadlineHeap<Key> {
    private var items: [(deadline: ContinuousClock.Instant, seq: UInt64, key: Key)] = []
    private var seq: UInt64 = 0

    var isEmpty: Bool { items.isEmpty }
    var count: Int { items.count }
    var first: (deadline: ContinuousClock.Instant, key: Key)? { items.first.map { ($0.deadline, $0.key) } }

    mutating func push(_ deadline: ContinuousClock.Instant, _ key: Key) {
        seq &+= 1
        items.append((deadline, seq, key))
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard less(i, parent) else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    @discardableResult
    mutating func popFirst() -> (deadline: ContinuousClock.Instant, key: Key)? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < items.count, less(l, m) { m = l }
            if r < items.count, less(r, m) { m = r }
            if m == i { break }
            items.swapAt(i, m)
            i = m
        }
        return (top.deadline, top.key)
    }

    mutating func removeAll() { items.removeAll() }

    private func less(_ a: Int, _ b: Int) -> Bool {
        items[a].deadline != items[b].deadline ? items[a].deadline < items[b].deadline : items[a].seq < items[b].seq
    }
}

/// A first-in first-out queue with O(1) amortised pops.
struct FIFO<Element> {
    private var storage: [Element] = []
    private var head = 0

    var count: Int { storage.count - head }
    var isEmpty: Bool { head == storage.count }

    mutating func append(_ e: Element) { storage.append(e) }

    mutating func popFirst() -> Element? {
        guard head < storage.count else { return nil }
        let e = storage[head]
        head += 1
        if head == storage.count {
            storage.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1024, head * 2 >= storage.count {
            storage.removeFirst(head)
            head = 0
        }
        return e
    }

    mutating func removeAll(where predicate: (Element) -> Bool) {
        storage = Array(storage[head...].filter { !predicate($0) })
        head = 0
    }

    var elements: ArraySlice<Element> { storage[head...] }
}
