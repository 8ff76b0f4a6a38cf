// RequestInfo: a resource request path taken apart the way kube-apiserver's RequestInfoFactory does it:
// `/api/v1/namespaces/ns/pods/name/status` → group "", version v1, namespace ns, resource pods, name,
// subresource status. `/api/v1/namespaces/x/status` is the namespace x's status, not a resource "status".

struct RequestInfo: Sendable, Equatable {
    var group: String
    var version: String
    var namespace: String?
    var resource: String
    var name: String?
    var subresource: String?

    /// nil when the path is not a resource path (discovery, or something unknown).
    init?(path: String) {
        var parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard parts.count >= 3 else { return nil }
        if parts[0] == "api" {
            group = ""
            version = parts[1]
            parts.removeFirst(2)
        } else if parts[0] == "apis", parts.count >= 4 {
            group = parts[1]
            version = parts[2]
            parts.removeFirst(3)
        } else {
            return nil
        }
        namespace = nil
        if parts[0] == "namespaces", parts.count > 1 {
            if parts.count > 2 && parts[2] != "status" && parts[2] != "finalize" {
                namespace = parts[1]
                parts.removeFirst(2)
            }
        }
        guard !parts.isEmpty, parts.count <= 3 else { return nil }
        resource = parts[0]
        name = parts.count > 1 ? parts[1] : nil
        subresource = parts.count > 2 ? parts[2] : nil
    }
}
