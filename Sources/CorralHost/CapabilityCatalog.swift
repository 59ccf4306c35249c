/// The capability modules Corral offers and the functions of each, with their parameter names.
/// Agents reach them with `load("@http", "get")`; the policy parser checks granted names
/// against this list and the gate binds each call's arguments to these names, so that a
/// constraint on `amount` applies whether the agent passed it by position or by name.
public enum CapabilityCatalog {
    public struct Function: Sendable, Equatable {
        public var name: String
        public var parameters: [String]
        /// How many leading parameters are required.
        public var required: Int
    }

    /// Modules whose functions the policy defines (each names a C symbol).
    public static let policyDefined: Set<String> = ["native"]

    public static let modules: [String: [Function]] = [
        "http": [
            Function(name: "get", parameters: ["url", "headers"], required: 1),
            Function(name: "delete", parameters: ["url", "headers"], required: 1),
            Function(name: "post", parameters: ["url", "json", "body", "headers"], required: 1),
            Function(name: "put", parameters: ["url", "json", "body", "headers"], required: 1),
            Function(name: "patch", parameters: ["url", "json", "body", "headers"], required: 1),
        ],
        "kv": [
            Function(name: "get", parameters: ["key", "default"], required: 1),
            Function(name: "put", parameters: ["key", "value"], required: 2),
            Function(name: "delete", parameters: ["key"], required: 1),
            Function(name: "list", parameters: ["prefix"], required: 0),
        ],
        "log": [
            Function(name: "info", parameters: ["message", "fields"], required: 1),
            Function(name: "warn", parameters: ["message", "fields"], required: 1),
            Function(name: "error", parameters: ["message", "fields"], required: 1),
        ],
        "clock": [Function(name: "now", parameters: [], required: 0)],
        "random": [
            Function(name: "int", parameters: ["low", "high"], required: 2),
            Function(name: "float", parameters: [], required: 0),
        ],
        "native": [],
    ]

    /// The function `name` of `module`, if the catalog has it.
    public static func function(_ module: String, _ name: String) -> Function? {
        modules[module]?.first { $0.name == name }
    }

    /// Module names, sorted, for messages.
    public static var moduleNames: String { modules.keys.sorted().joined(separator: ", ") }
}
