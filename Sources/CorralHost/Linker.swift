import CorralBytecode
import CorralVM

/// Imports a policy does not grant, all of them at once, so an operator fixes the policy (or
/// an author the agent) in one pass: `corral run` prints it as `link-error` and exits 2. (The
/// VM's own `LinkError` is the narrower check that every import has some host function.)
public struct LinkRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// One line per refused import: `http.post: http grants get only`.
    public var refusals: [String]

    public var description: String {
        "the policy does not grant what the agent imports: " + refusals.joined(separator: "; ")
    }
}

/// Binds a validated module's imports to granted capabilities before the first instruction
/// runs (DESIGN.md, "Capabilities"). Deny by default: an import is linked only if the policy
/// grants its module and names the function.
public enum Linker {
    /// The host functions for `module`'s imports, in import order, each behind `gate`; or a
    /// `LinkRefusal` listing every import the policy does not grant.
    public static func link(_ module: ValidatedModule, policy: Policy, gate: CapabilityGate) throws(LinkRefusal) -> [HostFunction] {
        let imports = module.module.imports.map { (module: $0.module, name: $0.name) }
        try check(imports, against: policy)
        return imports.map { gate.hostFunction(module: $0.module, name: $0.name) }
    }

    /// Every import that `policy` does not grant, worded for the person who has to fix it.
    public static func check(_ imports: [(module: String, name: String)], against policy: Policy) throws(LinkRefusal) {
        var refusals: [String] = []
        var seen: Set<String> = []
        for (module, name) in imports where seen.insert("\(module).\(name)").inserted {
            guard CapabilityCatalog.modules[module] != nil else {
                refusals.append("\(module).\(name): there is no capability module \"\(module)\" (known: \(CapabilityCatalog.moduleNames))")
                continue
            }
            guard CapabilityGate.available.contains(module) else {
                refusals.append("\(module).\(name): \(module) is not available in this build yet")
                continue
            }
            guard let grant = policy.grants[module] else {
                refusals.append("\(module).\(name): the policy grants nothing of \(module)")
                continue
            }
            if !CapabilityCatalog.policyDefined.contains(module), CapabilityCatalog.function(module, name) == nil {
                refusals.append("\(module).\(name): \(module) has no function \"\(name)\"")
                continue
            }
            guard grant.functions.contains(name) else {
                refusals.append("\(module).\(name): \(module) grants \(grant.functions.sorted().joined(separator: ", ")) only")
                continue
            }
        }
        if !refusals.isEmpty { throw LinkRefusal(refusals: refusals) }
    }
}
