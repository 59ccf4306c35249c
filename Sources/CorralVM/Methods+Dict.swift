/// `dict` methods. Removal is O(1) (`OrderedTable`), so `pop` and `popitem` charge only for
/// hashing the key.
extension Sandbox {
    func dictMethod(_ m: MethodName, _ d: DictObject, _ args: Arguments) throws(Trap) -> Value {
        switch m {
        case .get:
            // Positional only, as in Go Starlark.
            if !args.named.isEmpty { throw Trap.runtime("get: unexpected keyword arguments") }
            let a = try args.bind("get", ["key", "default"], required: 1)
            guard let at = try lookupSlot(&d.entries, a[0] ?? .none) else { return a[1] ?? .none }
            return d.entries[slot: at].value
        case .keys, .values:
            try noArguments(args, m.rawValue)
            try useFuel(elements: d.entries.count)
            let values = d.entries.values
            return try makeSequence(m == .keys ? values.map(\.key) : values.map(\.value), tuple: false)
        case .items:
            try noArguments(args, m.rawValue)
            let n = d.entries.count
            try useFuel(elements: n)
            try reserve(try checkedSize(n, unit: MemoryCost.valueSlot + MemoryCost.sequence(2)))
            var items: [Value] = []
            items.reserveCapacity(n)
            for e in d.entries.values { items.append(try heap.insert(heap.newPair(e.key, e.value))) }
            return try heap.insert(ListObject(items))
        case .pop:
            let a = try args.bind("pop", ["key", "default"], required: 1)
            try checkMutable(d, "delete from")
            let k = a[0] ?? .none
            guard let i = d.entries.slot(forKey: try chargedKey(k)) else {
                if let fallback = a[1] { return fallback }
                throw Trap.runtime("pop: missing key \(repr(k, limit: 128))")
            }
            let v = d.entries.remove(slot: i).element.value
            shrink(d, by: MemoryCost.dictEntry)
            return v
        case .popitem:
            try noArguments(args, m.rawValue)
            try checkMutable(d, "delete from")
            guard let first = d.entries.first?.element else { throw Trap.runtime("popitem: empty dict") }
            // Reserve before removing: once removed, the key and value are reachable only
            // from here until the tuple holds them.
            try reserve(MemoryCost.sequence(2))
            d.entries.removeFirst()
            shrink(d, by: MemoryCost.dictEntry)
            return try heap.insert(ListObject([first.key, first.value], tuple: true))
        case .setdefault:
            let a = try args.bind("setdefault", ["key", "default"], required: 1)
            let k = a[0] ?? .none
            let key = try chargedKey(k)
            if let e = d.entries[key] { return e.value }
            try checkMutable(d, "insert into")
            let v = a[1] ?? .none
            try grow(d, by: MemoryCost.dictEntry)
            d.entries[key] = (k, v)
            return v
        case .update:
            try dictUpdate(d, args)
            return .none
        default:
            try noArguments(args, m.rawValue)
            try checkMutable(d, "clear")
            shrink(d, by: MemoryCost.dictEntry * d.entries.count)
            d.entries.removeAll()
            return .none
        }
    }

    /// `d.update([pairs_or_dict], **kwargs)`: everything is hashed and charged first, then the
    /// growth and the keyword-name strings are reserved in one go, then `d` changes.
    private func dictUpdate(_ d: DictObject, _ args: Arguments) throws(Trap) {
        guard args.positional.count <= 1 else {
            throw Trap.runtime("update: got \(args.positional.count) positional arguments, want at most 1")
        }
        try checkMutable(d, "insert into")
        var incoming = OrderedTable<HashKey, (key: Value, value: Value)>()
        if let x = args.positional.first {
            if let other = dictObject(x) {
                incoming = other.entries
                try useFuel(elements: incoming.count)
            } else {
                let items = try elements(of: x, for: "update: argument")
                try useFuel(elements: items.count)
                for (i, item) in items.enumerated() {
                    guard let pair = sequenceObject(item), pair.items.count == 2 else {
                        throw Trap.runtime("update: element #\(i) is not a pair")
                    }
                    let key = try chargedKey(pair.items[0])
                    let v = pair.items[1]
                    incoming.insertOrUpdate(key, (pair.items[0], v)) { $0.value = v }
                }
            }
        }
        try useFuel(elements: args.named.count)
        var added = 0
        for k in incoming.keys where d.entries[k] == nil { added += 1 }
        var names = 0
        for (name, _) in args.named {
            let key = HashKey.string(Array(name.utf8))
            if d.entries[key] == nil && incoming[key] == nil { added += 1 }
            names += MemoryCost.string(name.utf8.count)
        }
        try reserve(MemoryCost.dictEntry * added + names)
        for (name, v) in args.named {
            let utf8 = Array(name.utf8)
            if let at = incoming.slot(forKey: .string(utf8)) {
                incoming[slot: at].value = v
            } else {
                incoming[.string(utf8)] = (try heap.insert(heap.newString(taking: utf8)), v)
            }
        }
        try heap.charge(MemoryCost.dictEntry * added)
        d.bytes += MemoryCost.dictEntry * added
        merge(&d.entries, incoming)
    }
}
