// Tests of the in-memory store: resourceVersions, history, watch delivery and the owner index.

import Testing
import KubeCore
@testable import DevCluster
