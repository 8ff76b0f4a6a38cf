// Rules for the pod templates of TrainingJobs and InferenceServices: at least one container, Gantry's own
// labels and annotations left to Gantry, simulator annotations that parse, and accelerator requests that
// make sense (a vGCU share is 1..100 % of one device, slices and whole devices are not mixed).

import KubeCore

extension PodTemplateSpec {
    func validate(_ path: FieldPath) -> FieldErrors {
        var errors = FieldErrors()
        let meta = path.child("metadata")
        for key in (metadata?.labels ?? [:]).keys.sorted() {
            errors.checkQualifiedName(key, meta.child("labels"))
            errors.checkLabelValue(metadata?.labels?[key] ?? "", meta.child("labels").key(key))
            if LabelKey.reservedOnTemplates.contains(key) {
                errors.append(.forbidden(meta.child("labels").key(key), "is set by Gantry's controllers"))
            }
        }
        for key in (metadata?.annotations ?? [:]).keys.sorted() {
            errors.checkQualifiedName(key, meta.child("annotations"))
            if AnnotationKey.reservedOnTemplates.contains(key) {
                errors.append(.forbidden(meta.child("annotations").key(key), "is set by Gantry's controllers and scheduler extender"))
            }
        }
        if case .failure(let simErrors) = SimulatedRun.parse(annotations: metadata?.annotations, path: meta.child("annotations")) {
            errors += simErrors
        }

        let specPath = path.child("spec")
        guard let spec else {
            errors.append(.required(specPath))
            return errors
        }
        let containersPath = specPath.child("containers")
        if spec.containers.isEmpty { errors.append(.required(containersPath, "must have at least one container")) }
        var names = Set<String>()
        for (i, c) in spec.containers.enumerated() {
            let p = containersPath.index(i)
            errors.checkRequiredName(c.name, .dns1123Label, p.child("name"))
            if !c.name.isEmpty, !names.insert(c.name).inserted { errors.append(.duplicate(p.child("name"), .string(c.name))) }
            if let r = c.resources { errors += Self.validateAccelerators(r, p.child("resources")) }
        }
        return errors
    }

    /// Accelerator requests of one container.
    static func validateAccelerators(_ r: ResourceRequirements, _ path: FieldPath) -> FieldErrors {
        var errors = FieldErrors()
        let limits = r.limits ?? [:]
        let requests = r.requests ?? [:]
        // Kubernetes cannot overcommit extended resources: where both are given they must be equal.
        for name in ResourceName.extenderManaged {
            if let l = limits[name], let q = requests[name], l != q {
                errors.append(.invalid(path.child("requests").key(name), q.jsonValue, "must be equal to \(name) limit of \(l)"))
            }
        }
        // The effective amount: the limit, or the request when no limit is given.
        func amount(_ name: String) -> (Quantity, FieldPath)? {
            if let l = limits[name] { return (l, path.child("limits").key(name)) }
            if let q = requests[name] { return (q, path.child("requests").key(name)) }
            return nil
        }
        func whole(_ name: String, min: Int64, max: Int64? = nil, _ detail: String) -> Int64? {
            guard let (q, p) = amount(name) else { return nil }
            guard let v = q.wholeValue, v >= min, v <= (max ?? Int64.max) else {
                errors.append(.invalid(p, q.jsonValue, detail))
                return nil
            }
            return v
        }
        let vgcu = whole(ResourceName.vgcu, min: 1, "must be a whole number of virtual GCUs, at least 1")
        _ = whole(ResourceName.vgcuCores, min: 1, max: 100, "must be a whole percent of one device, from 1 to 100")
        _ = whole(ResourceName.vgcuMemory, min: 1, "must be a whole number of MiB, at least 1")
        for name in ResourceName.wholeDevices {
            _ = whole(name, min: 0, "must be a whole number of devices")
        }
        if vgcu == nil, amount(ResourceName.vgcu) == nil {
            for name in ResourceName.sliceShape {
                if let (q, p) = amount(name) {
                    errors.append(.invalid(p, q.jsonValue, "needs \(ResourceName.vgcu): the share applies to each virtual GCU"))
                }
            }
        }
        if amount(ResourceName.vgcu) != nil, let (_, p) = amount(ResourceName.enflameGCU) {
            errors.append(.forbidden(p, "cannot be combined with \(ResourceName.vgcu) in one container: request whole devices or slices"))
        }
        return errors
    }
}
