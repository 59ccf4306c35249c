/// `set` methods. Methods that take iterables read each argument whole, charge one fuel per
/// element read (plus hashing it), and build or grow the set only after everything is hashed,
/// so an error leaves the receiver unchanged. Removal is O(1) (`OrderedTable`) and charges only
/// for hashing.
extension Sandbox {
    func setMethod(_ m: MethodName, _ s: SetObject, _ args: Arguments) throws(Trap) -> Value {
        switch m {
        case .add:
            let a = try args.bind("add", ["x"], required: 1)
            try checkMutable(s, "insert into")
            let x = a[0] ?? .none
            let key = try prefixed("add") { () throws(Trap) in try chargedKey(x) }
            if s.elements[key] == nil {
                try grow(s, by: MemoryCost.setEntry)
                s.elements[key] = x
            }
            return .none
        case .remove, .discard:
            let a = try args.bind(m.rawValue, ["x"], required: 1)
            try checkMutable(s, "delete from")
            let x = a[0] ?? .none
            let key = try prefixed(m.rawValue) { () throws(Trap) in try chargedKey(x) }
            guard let i = s.elements.slot(forKey: key) else {
                if m == .discard { return .none }
                throw Trap.runtime("remove: element \(repr(x, limit: 128)) not found")
            }
            s.elements.remove(slot: i)
            shrink(s, by: MemoryCost.setEntry)
            return .none
        case .pop:
            try noArguments(args, "pop")
            try checkMutable(s, "delete from")
            guard let first = s.elements.first?.element else { throw Trap.runtime("pop: empty set") }
            s.elements.removeFirst()
            shrink(s, by: MemoryCost.setEntry)
            return first
        case .clear:
            try noArguments(args, "clear")
            if s.elements.isEmpty { return .none }
            try checkMutable(s, "clear")
            shrink(s, by: MemoryCost.setEntry * s.elements.count)
            s.elements.removeAll()
            return .none
        case .union, .update:
            if !args.named.isEmpty { throw Trap.runtime("\(m.rawValue): unexpected keyword arguments") }
            if m == .update { try checkMutable(s, "insert into") }
            var out = m == .union ? s.elements : [:]
            if m == .union { try useFuel(elements: out.count) }
            for (i, x) in args.positional.enumerated() {
                for (k, v) in try hashedElements(x, m.rawValue, parameter: i + 1) where out[k] == nil && (m == .union || s.elements[k] == nil) {
                    out[k] = v
                }
            }
            if m == .union {
                try reserve(MemoryCost.set(out.count))
                return try heap.insert(SetObject(out))
            }
            try grow(s, by: MemoryCost.setEntry * out.count)
            for (k, v) in out { s.elements[k] = v }
            return .none
        case .intersection, .intersectionUpdate, .difference, .differenceUpdate:
            try args.noNamed(m.rawValue)
            let inPlace = m == .intersectionUpdate || m == .differenceUpdate
            let keep = m == .intersection || m == .intersectionUpdate
            if inPlace { try checkMutable(s, "delete from") }
            var out = s.elements
            try useFuel(elements: out.count)
            for (i, x) in args.positional.enumerated() {
                let other = try hashedElements(x, m.rawValue, parameter: i + 1)
                if keep {
                    out = out.filter { other[$0.key] != nil }
                } else {
                    for k in other.keys { out[k] = nil }
                }
                try useFuel(elements: out.count)
            }
            if inPlace {
                shrink(s, by: MemoryCost.setEntry * (s.elements.count - out.count))
                s.elements = out
                return .none
            }
            try reserve(MemoryCost.set(out.count))
            return try heap.insert(SetObject(out))
        case .symmetricDifference, .symmetricDifferenceUpdate:
            try args.noNamed(m.rawValue)
            guard args.positional.count == 1 else {
                throw Trap.runtime("\(m.rawValue): got \(args.positional.count) arguments, want 1")
            }
            let inPlace = m == .symmetricDifferenceUpdate
            if inPlace { try checkMutable(s, "insert into") }
            let other = try hashedElements(args.positional[0], m.rawValue, parameter: 1)
            try useFuel(elements: s.elements.count)
            var out = OrderedTable<HashKey, Value>()
            for (k, v) in s.elements where other[k] == nil { out[k] = v }
            for (k, v) in other where s.elements[k] == nil { out[k] = v }
            if inPlace {
                let delta = (out.count - s.elements.count) * MemoryCost.setEntry
                if delta > 0 { try grow(s, by: delta) } else { shrink(s, by: -delta) }
                s.elements = out
                return .none
            }
            try reserve(MemoryCost.set(out.count))
            return try heap.insert(SetObject(out))
        default:
            // issubset, issuperset, isdisjoint
            let a = try args.bind(m.rawValue, ["other"], required: 1)
            let other = try hashedElements(a[0] ?? .none, m.rawValue, parameter: 1)
            try useFuel(elements: s.elements.count)
            switch m {
            case .issubset: return .bool(s.elements.keys.allSatisfy { other[$0] != nil })
            case .issuperset: return .bool(other.keys.allSatisfy { s.elements[$0] != nil })
            default: return .bool(!s.elements.keys.contains { other[$0] != nil })
            }
        }
    }

    /// The distinct elements of iterable `x` (argument `parameter` of `function`), hashed:
    /// one fuel per element plus hashing.
    private func hashedElements(_ x: Value, _ function: String, parameter: Int) throws(Trap) -> OrderedTable<HashKey, Value> {
        if let o = setObject(x) {
            try useFuel(elements: o.elements.count)
            return o.elements
        }
        guard isIterable(x) else {
            throw Trap.runtime("\(function): for parameter \(parameter): got \(typeName(x)), want iterable")
        }
        let items = try elements(of: x, for: function)
        try useFuel(elements: items.count)
        var out = OrderedTable<HashKey, Value>()
        for item in items {
            let k = try prefixed(function) { () throws(Trap) in try chargedKey(item) }
            if out[k] == nil { out[k] = item }
        }
        return out
    }

    /// Runs `body`, prefixing a runtime error's message with `function: ` as Go Starlark does
    /// for errors from inside a builtin (`add: unhashable type: list`).
    func prefixed<T>(_ function: String, _ body: () throws(Trap) -> T) throws(Trap) -> T {
        do throws(Trap) {
            return try body()
        } catch {
            guard error.reason == .runtimeError else { throw error }
            throw Trap.runtime("\(function): \(error.message)")
        }
    }
}
