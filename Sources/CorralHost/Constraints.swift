import BigInt
import CorralVM

/// A host call's arguments bound to the catalog's parameter names, so that the policy's rules
/// and the capability read `amount` however the agent passed it.
enum CallBinding {
    static func bind(_ call: HostCall) throws(HostError) -> [String: HostValue] {
        let parameters: [String]
        let required: Int
        if let f = CapabilityCatalog.function(call.module, call.name) {
            parameters = f.parameters
            required = f.required
        } else {
            // Policy-defined functions (native) take positional arguments only.
            guard call.named.isEmpty else { throw HostError("takes positional arguments only") }
            return Dictionary(uniqueKeysWithValues: call.positional.enumerated().map { ("\($0.offset)", $0.element) })
        }
        guard call.positional.count <= parameters.count else {
            throw HostError("got \(call.positional.count) arguments, want at most \(parameters.count)")
        }
        var bound: [String: HostValue] = [:]
        for (i, v) in call.positional.enumerated() { bound[parameters[i]] = v }
        for (key, v) in call.named {
            guard parameters.contains(key) else { throw HostError("unexpected keyword argument \"\(key)\"") }
            guard bound[key] == nil else { throw HostError("got multiple values for \"\(key)\"") }
            bound[key] = v
        }
        for p in parameters.prefix(required) where bound[p] == nil {
            throw HostError("missing argument \"\(p)\"")
        }
        return bound
    }
}

/// The grant's argument rules, checked before a call is made.
enum Constraints {
    /// The first rule `arguments` break, as the refusal the agent sees, or nil.
    static func refusal(_ arguments: [String: HostValue], _ rules: [ArgumentConstraint]) -> String? {
        for rule in rules {
            guard let value = lookup(rule.path, in: arguments) else {
                if rule.required { return "policy: argument \(rule.path) is required" }
                continue
            }
            if rule.min != nil || rule.max != nil {
                guard let x = number(value) else { return "policy: argument \(rule.path) must be a number" }
                if let min = rule.min, x < min { return "policy: argument \(rule.path) = \(text(x)) is below the minimum \(text(min))" }
                if let max = rule.max, x > max { return "policy: argument \(rule.path) = \(text(x)) is above the maximum \(text(max))" }
            }
            if let allowed = rule.oneOf, !allowed.contains(where: { same($0, value) }) {
                return "policy: argument \(rule.path) is not one of the allowed values"
            }
        }
        return nil
    }

    /// `amount`, or `json.amount`: a key inside a dict argument, any number of levels down.
    private static func lookup(_ path: String, in arguments: [String: HostValue]) -> HostValue? {
        let parts = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard var value = arguments[parts[0]] else { return nil }
        for key in parts.dropFirst() {
            guard case .dict(let entries) = value,
                let e = entries.last(where: { $0.key == .string(key) })
            else { return nil }
            value = e.value
        }
        return value == .none ? nil : value
    }

    private static func number(_ v: HostValue) -> Double? {
        switch v {
        case .int(let i): return Double(i)
        case .float(let d): return d.isNaN ? nil : d
        default: return nil
        }
    }

    /// Numbers compare by value (1 == 1.0), everything else exactly.
    private static func same(_ a: HostValue, _ b: HostValue) -> Bool {
        if let x = number(a), let y = number(b) { return x == y }
        return a == b
    }

    private static func text(_ d: Double) -> String {
        d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
    }
}
