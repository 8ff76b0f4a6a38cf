// FieldPath: where in an object a validation error is, written the way the API server writes it
// (`spec.replicas[1].template.metadata.annotations[sim.gantry.dev/duration]`).

public struct FieldPath: Sendable, Hashable, CustomStringConvertible {
    enum Step: Sendable, Hashable {
        case child(String)
        case index(Int)
        case key(String)
    }

    private(set) var steps: [Step]

    public init(_ root: String, _ more: String...) {
        steps = [.child(root)] + more.map { .child($0) }
    }

    private init(steps: [Step]) { self.steps = steps }

    public func child(_ name: String, _ more: String...) -> FieldPath {
        FieldPath(steps: steps + [.child(name)] + more.map { .child($0) })
    }

    public func index(_ i: Int) -> FieldPath { FieldPath(steps: steps + [.index(i)]) }

    /// A map key, written `[key]` unquoted as k8s.io/apimachinery's field.Path does.
    public func key(_ k: String) -> FieldPath { FieldPath(steps: steps + [.key(k)]) }

    public var description: String {
        var out = ""
        for step in steps {
            switch step {
            case .child(let name):
                if !out.isEmpty { out += "." }
                out += name
            case .index(let i): out += "[\(i)]"
            case .key(let k): out += "[\(k)]"
            }
        }
        return out
    }
}
