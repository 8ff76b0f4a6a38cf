// What the dev cluster's kubelet simulator reads from a pod: how long it runs and how it exits
// (`sim.gantry.dev/duration`, `sim.gantry.dev/exit-code`). Parsed here, next to the keys, so the simulator
// and TrainingJob validation agree on the format.

public struct SimulatedRun: Sendable, Hashable {
    /// Run time in seconds; nil means the pod runs until it is deleted (a server).
    public var durationSeconds: Double?
    public var exitCode: Int

    public init(durationSeconds: Double? = nil, exitCode: Int = 0) {
        self.durationSeconds = durationSeconds
        self.exitCode = exitCode
    }

    /// Reads the annotations; each bad value becomes an error on its annotation's field path.
    public static func parse(annotations: [String: String]?, path: FieldPath = FieldPath("metadata", "annotations"))
        -> Result<SimulatedRun, FieldErrors>
    {
        var run = SimulatedRun()
        var errors = FieldErrors()
        if let text = annotations?[AnnotationKey.simDuration] {
            do {
                let seconds = try GoDuration.seconds(text)
                if seconds < 0 {
                    errors.append(.invalid(path.key(AnnotationKey.simDuration), .string(text), "must not be negative"))
                } else {
                    run.durationSeconds = seconds
                }
            } catch {
                errors.append(.invalid(path.key(AnnotationKey.simDuration), .string(text), error.problem))
            }
        }
        if let text = annotations?[AnnotationKey.simExitCode] {
            if let code = Int(text), (0...255).contains(code) {
                run.exitCode = code
            } else {
                errors.append(.invalid(path.key(AnnotationKey.simExitCode), .string(text), "must be an integer from 0 to 255"))
            }
        }
        return errors.isEmpty ? .success(run) : .failure(errors)
    }
}
