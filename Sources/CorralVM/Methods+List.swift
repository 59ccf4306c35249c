/// `list` methods. Mutators check frozen/iterating first, charge fuel for the elements they
/// compare or shift, reserve what they grow by, then mutate.
extension Sandbox {
    func listMethod(_ m: MethodName, _ l: ListObject, _ args: Arguments) throws(Trap) -> Value {
        switch m {
        case .append:
            // The hottest method: skip the general binder for the usual one positional argument.
            guard args.positional.count == 1, args.named.isEmpty else {
                _ = try args.bind("append", ["x"], required: 1)
                throw Trap.runtime("append: got \(args.positional.count + args.named.count) arguments, want 1")
            }
            try append(args.positional[0], to: l)
            return .none
        case .extend:
            let a = try args.bind("extend", ["iterable"], required: 1)
            try extend(l, with: a[0] ?? .none, verb: "extend")
            return .none
        case .insert:
            let a = try args.bind("insert", ["index", "x"], required: 2)
            try checkMutable(l, "insert into")
            let n = l.items.count
            // Python's rule: out-of-range positions clamp to the ends.
            var i: Int
            switch number(a[0] ?? .none) {
            case .int(let v)?: i = v < 0 ? max(Int(v) + n, 0) : min(Int(v), n)
            case .big(let b)?: i = b.sign == .minus ? 0 : n
            default: throw Trap.runtime("insert: for parameter index: got \(typeName(a[0] ?? .none)), want int")
            }
            try useFuel(elements: n - i + 1)
            try grow(l, by: MemoryCost.valueSlot)
            l.items.insert(a[1] ?? .none, at: i)
            return .none
        case .pop:
            let a = try args.bind("pop", ["index"], required: 0)
            return try pop(from: l, at: a[0] ?? .int(-1))
        case .remove:
            let a = try args.bind("remove", ["x"], required: 1)
            try checkMutable(l, "remove from")
            guard let i = try position(of: a[0] ?? .none, in: l.items, from: 0, to: l.items.count) else {
                throw Trap.runtime("remove: element not found")
            }
            try useFuel(elements: l.items.count - i)
            l.items.remove(at: i)
            shrink(l, by: MemoryCost.valueSlot)
            return .none
        case .clear:
            try args.noNamed("clear")
            guard args.positional.isEmpty else { throw Trap.runtime("clear: got \(args.positional.count) arguments, want 0") }
            try checkMutable(l, "clear")
            shrink(l, by: MemoryCost.valueSlot * l.items.count)
            l.items.removeAll()
            return .none
        default:
            let a = try args.bind("index", ["x", "start", "end"], required: 1)
            let n = l.items.count
            let lo = try clampedIndex(a[1], count: n, absent: 0, "index")
            let hi = try clampedIndex(a[2], count: n, absent: n, "index")
            guard let i = try position(of: a[0] ?? .none, in: l.items, from: lo, to: hi) else {
                throw Trap.runtime("index: value not in list")
            }
            return .int(Int64(i))
        }
    }

    /// The first position of `x` in `items[from..<to]` by Starlark equality, fuel per element.
    private func position(of x: Value, in items: [Value], from: Int, to: Int) throws(Trap) -> Int? {
        var i = from
        while i < to {
            try useFuel(elements: 1)
            if try equalValues(items[i], x, depth: 0) { return i }
            i += 1
        }
        return nil
    }

    /// A start/end argument as slices read it: negative from the end, clamped to `0...count`.
    func clampedIndex(_ v: Value?, count: Int, absent: Int, _ function: String) throws(Trap) -> Int {
        guard let v, v != .none else { return absent }
        switch number(v) {
        case .int(let i)?: return i < 0 ? max(Int(i) + count, 0) : min(Int(i), count)
        case .big(let b)?: return b.sign == .minus ? 0 : count
        default: throw Trap.runtime("\(function): index must be an int or None, not \(typeName(v))")
        }
    }
}

extension Sandbox {
    /// `l.pop(index)` once the argument is known (-1 when absent), for the method and its fast
    /// call.
    func pop(from l: ListObject, at index: Value) throws(Trap) -> Value {
        try checkMutable(l, "pop from")
        guard !l.items.isEmpty else { throw Trap.runtime("pop: empty list") }
        let i = try elementIndex(index, count: l.items.count, "list")
        try useFuel(elements: l.items.count - i)
        let v = l.items.remove(at: i)
        shrink(l, by: MemoryCost.valueSlot)
        return v
    }
}
