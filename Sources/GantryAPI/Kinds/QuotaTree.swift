// Rules that span several Quotas and so cannot be checked on one object: parents exist, the parent chain
// has no cycle, children's guaranteed amounts fit in their parent's, and no child's limit exceeds its
// parent's. The quota controller runs this over its cache and reports the errors on the quotas concerned.

import KubeCore

public enum QuotaTree {
    /// Errors per quota name; quotas without problems are absent.
    public static func validate(_ quotas: [Quota]) -> [String: FieldErrors] {
        var byName: [String: Quota] = [:]
        for q in quotas { if let n = q.metadata.name { byName[n] = q } }
        var result: [String: FieldErrors] = [:]
        func add(_ name: String, _ e: FieldError) { result[name, default: FieldErrors()].append(e) }
        let parentPath = FieldPath("spec", "parent")

        for name in byName.keys.sorted() {
            guard let parent = byName[name]?.spec.parent, !parent.isEmpty, parent != name else { continue }
            guard byName[parent] != nil else {
                add(name, .notFound(parentPath, .string(parent)))
                continue
            }
            // Follow the chain; coming back to `name` is a cycle (reported once per member).
            var chain = [name]
            var current = parent
            while let next = byName[current] {
                if current == name {
                    add(name, .invalid(parentPath, .string(parent), "the parent chain \(chain.joined(separator: " -> ")) -> \(name) is a cycle"))
                    break
                }
                if chain.contains(current) { break }  // a cycle further up, reported on its own members
                chain.append(current)
                guard let up = next.spec.parent, !up.isEmpty else { break }
                current = up
            }
        }

        // Sums over children, per parent and resource.
        var children: [String: [Quota]] = [:]
        for q in byName.values { if let p = q.spec.parent, byName[p] != nil, p != q.metadata.name { children[p, default: []].append(q) } }
        for (parentName, kids) in children.sorted(by: { $0.key < $1.key }) {
            guard let parent = byName[parentName] else { continue }
            let resources = Set(kids.flatMap { ($0.spec.resources ?? [:]).keys }).sorted()
            for resource in resources {
                let path = FieldPath("spec").child("resources").key(resource)
                let sum = kids.compactMap { $0.spec.resources?[resource]?.guaranteed }.filter { !$0.isNegative }.sum()
                let own = parent.spec.resources?[resource]?.guaranteed ?? .zero
                if sum > own {
                    add(parentName, .invalid(path.child("guaranteed"), own.jsonValue,
                                             "must be at least the sum of its children's guaranteed amounts (\(sum))"))
                }
                guard let parentLimit = parent.spec.resources?[resource]?.limit else { continue }
                for kid in kids.sorted(by: { ($0.metadata.name ?? "") < ($1.metadata.name ?? "") }) {
                    if let limit = kid.spec.resources?[resource]?.limit, limit > parentLimit {
                        add(kid.metadata.name ?? "", .invalid(path.child("limit"), limit.jsonValue,
                                                             "must be less than or equal to the parent's limit (\(parentLimit))"))
                    }
                }
            }
        }
        return result
    }
}
