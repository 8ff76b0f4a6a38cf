// Container (core/v1) and what it is made of: ports, environment, resources, volume mounts. Probes,
// lifecycle hooks and security contexts are kept as JSON: Gantry passes them through untouched.

public struct Container: Codable, Sendable, Hashable {
    public var name: String
    public var image: String?
    public var command: [String]?
    public var args: [String]?
    public var workingDir: String?
    public var ports: [ContainerPort]?
    public var envFrom: [EnvFromSource]?
    public var env: [EnvVar]?
    public var resources: ResourceRequirements?
    public var resizePolicy: [JSONValue]?
    /// Only for init containers: `Always` makes it a sidecar.
    public var restartPolicy: String?
    public var volumeMounts: [VolumeMount]?
    public var volumeDevices: [JSONValue]?
    public var livenessProbe: JSONValue?
    public var readinessProbe: JSONValue?
    public var startupProbe: JSONValue?
    public var lifecycle: JSONValue?
    public var terminationMessagePath: String?
    public var terminationMessagePolicy: String?
    public var imagePullPolicy: String?
    public var securityContext: JSONValue?
    public var stdin: Bool?
    public var stdinOnce: Bool?
    public var tty: Bool?
    public var unknownFields: UnknownFields? = nil

    public init(
        name: String, image: String? = nil, command: [String]? = nil, args: [String]? = nil, workingDir: String? = nil,
        ports: [ContainerPort]? = nil, envFrom: [EnvFromSource]? = nil, env: [EnvVar]? = nil,
        resources: ResourceRequirements? = nil, resizePolicy: [JSONValue]? = nil, restartPolicy: String? = nil,
        volumeMounts: [VolumeMount]? = nil, volumeDevices: [JSONValue]? = nil, livenessProbe: JSONValue? = nil,
        readinessProbe: JSONValue? = nil, startupProbe: JSONValue? = nil, lifecycle: JSONValue? = nil,
        terminationMessagePath: String? = nil, terminationMessagePolicy: String? = nil, imagePullPolicy: String? = nil,
        securityContext: JSONValue? = nil, stdin: Bool? = nil, stdinOnce: Bool? = nil, tty: Bool? = nil
    ) {
        self.name = name
        self.image = image
        self.command = command
        self.args = args
        self.workingDir = workingDir
        self.ports = ports
        self.envFrom = envFrom
        self.env = env
        self.resources = resources
        self.resizePolicy = resizePolicy
        self.restartPolicy = restartPolicy
        self.volumeMounts = volumeMounts
        self.volumeDevices = volumeDevices
        self.livenessProbe = livenessProbe
        self.readinessProbe = readinessProbe
        self.startupProbe = startupProbe
        self.lifecycle = lifecycle
        self.terminationMessagePath = terminationMessagePath
        self.terminationMessagePolicy = terminationMessagePolicy
        self.imagePullPolicy = imagePullPolicy
        self.securityContext = securityContext
        self.stdin = stdin
        self.stdinOnce = stdinOnce
        self.tty = tty
    }

    /// An init container with `restartPolicy: Always` keeps running beside the main containers.
    public var isSidecar: Bool { restartPolicy == "Always" }
}

public struct ContainerPort: Codable, Sendable, Hashable {
    public var name: String?
    public var hostPort: Int32?
    public var containerPort: Int32
    /// TCP (default), UDP or SCTP.
    public var `protocol`: String?
    public var hostIP: String?
    public var unknownFields: UnknownFields? = nil

    public init(name: String? = nil, hostPort: Int32? = nil, containerPort: Int32, protocol proto: String? = nil,
                hostIP: String? = nil) {
        self.name = name
        self.hostPort = hostPort
        self.containerPort = containerPort
        self.protocol = proto
        self.hostIP = hostIP
    }
}

public struct EnvVar: Codable, Sendable, Hashable {
    public var name: String
    public var value: String?
    public var valueFrom: EnvVarSource?
    public var unknownFields: UnknownFields? = nil

    public init(name: String, value: String? = nil, valueFrom: EnvVarSource? = nil) {
        self.name = name
        self.value = value
        self.valueFrom = valueFrom
    }
}

public struct EnvVarSource: Codable, Sendable, Hashable {
    public struct FieldSelector: Codable, Sendable, Hashable {
        public var apiVersion: String?
        public var fieldPath: String
        public var unknownFields: UnknownFields? = nil
        public init(apiVersion: String? = nil, fieldPath: String) {
            self.apiVersion = apiVersion
            self.fieldPath = fieldPath
        }
    }

    public struct ResourceFieldSelector: Codable, Sendable, Hashable {
        public var containerName: String?
        public var resource: String
        public var divisor: Quantity?
        public var unknownFields: UnknownFields? = nil
        public init(containerName: String? = nil, resource: String, divisor: Quantity? = nil) {
            self.containerName = containerName
            self.resource = resource
            self.divisor = divisor
        }
    }

    /// A key of a ConfigMap or Secret.
    public struct KeySelector: Codable, Sendable, Hashable {
        public var name: String?
        public var key: String
        public var optional: Bool?
        public var unknownFields: UnknownFields? = nil
        public init(name: String? = nil, key: String, optional: Bool? = nil) {
            self.name = name
            self.key = key
            self.optional = optional
        }
    }

    public var fieldRef: FieldSelector?
    public var resourceFieldRef: ResourceFieldSelector?
    public var configMapKeyRef: KeySelector?
    public var secretKeyRef: KeySelector?
    public var unknownFields: UnknownFields? = nil

    public init(fieldRef: FieldSelector? = nil, resourceFieldRef: ResourceFieldSelector? = nil,
                configMapKeyRef: KeySelector? = nil, secretKeyRef: KeySelector? = nil) {
        self.fieldRef = fieldRef
        self.resourceFieldRef = resourceFieldRef
        self.configMapKeyRef = configMapKeyRef
        self.secretKeyRef = secretKeyRef
    }
}

public struct EnvFromSource: Codable, Sendable, Hashable {
    public struct Reference: Codable, Sendable, Hashable {
        public var name: String?
        public var optional: Bool?
        public var unknownFields: UnknownFields? = nil
        public init(name: String? = nil, optional: Bool? = nil) {
            self.name = name
            self.optional = optional
        }
    }

    public var prefix: String?
    public var configMapRef: Reference?
    public var secretRef: Reference?
    public var unknownFields: UnknownFields? = nil

    public init(prefix: String? = nil, configMapRef: Reference? = nil, secretRef: Reference? = nil) {
        self.prefix = prefix
        self.configMapRef = configMapRef
        self.secretRef = secretRef
    }
}

/// Requests and limits per resource name (`cpu`, `memory`, `nvidia.com/gpu`, `gantry.dev/vgcu`).
public struct ResourceRequirements: Codable, Sendable, Hashable {
    public var limits: [String: Quantity]?
    public var requests: [String: Quantity]?
    public var claims: [JSONValue]?
    public var unknownFields: UnknownFields? = nil

    public init(limits: [String: Quantity]? = nil, requests: [String: Quantity]? = nil, claims: [JSONValue]? = nil) {
        self.limits = limits
        self.requests = requests
        self.claims = claims
    }
}

public struct VolumeMount: Codable, Sendable, Hashable {
    public var name: String
    public var mountPath: String
    public var readOnly: Bool?
    public var recursiveReadOnly: String?
    public var subPath: String?
    public var mountPropagation: String?
    public var subPathExpr: String?
    public var unknownFields: UnknownFields? = nil

    public init(name: String, mountPath: String, readOnly: Bool? = nil, recursiveReadOnly: String? = nil,
                subPath: String? = nil, mountPropagation: String? = nil, subPathExpr: String? = nil) {
        self.name = name
        self.mountPath = mountPath
        self.readOnly = readOnly
        self.recursiveReadOnly = recursiveReadOnly
        self.subPath = subPath
        self.mountPropagation = mountPropagation
        self.subPathExpr = subPathExpr
    }
}

/// A pod volume. Only the name is typed; the source (`emptyDir`, `persistentVolumeClaim`, `configMap`, ...)
/// travels in `unknownFields` or the typed JSON members below.
public struct Volume: Codable, Sendable, Hashable {
    public var name: String
    public var emptyDir: JSONValue?
    public var persistentVolumeClaim: JSONValue?
    public var configMap: JSONValue?
    public var secret: JSONValue?
    public var hostPath: JSONValue?
    public var projected: JSONValue?
    public var unknownFields: UnknownFields? = nil

    public init(name: String, emptyDir: JSONValue? = nil, persistentVolumeClaim: JSONValue? = nil,
                configMap: JSONValue? = nil, secret: JSONValue? = nil, hostPath: JSONValue? = nil,
                projected: JSONValue? = nil) {
        self.name = name
        self.emptyDir = emptyDir
        self.persistentVolumeClaim = persistentVolumeClaim
        self.configMap = configMap
        self.secret = secret
        self.hostPath = hostPath
        self.projected = projected
    }
}
