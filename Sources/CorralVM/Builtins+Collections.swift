/// Builtins that make or consume collections. Each charges one fuel per element it touches
/// (sorting n·⌈log2 n⌉ more), reserves everything it builds in one go, then builds it.
extension Sandbox {
    /// `list(x)` and `tuple(x)`; no argument makes an empty one.
    func builtinSequence(_ args: Arguments, tuple: Bool) throws(Trap) -> Value {
        let name = tuple ? "tuple" : "list"
        let a = try args.bind(name, ["x"], required: 0)
        guard let x = a[0] else { return try makeSequence([], tuple: tuple) }
        if tuple, kind(x) == .tuple { return x }
        let items = try elements(of: x, for: "\(name): argument")
        try useFuel(elements: items.count)
        return try makeSequence(items, tuple: tuple)
    }

    /// `dict(pairs_or_dict=None, **kwargs)`: entries from a dict or from an iterable of
    /// two-element sequences, then the keyword arguments, later ones winning.
    func builtinDict(_ args: Arguments) throws(Trap) -> Value {
        guard args.positional.count <= 1 else {
            throw Trap.runtime("dict: got \(args.positional.count) positional arguments, want at most 1")
        }
        var entries = OrderedTable<HashKey, (key: Value, value: Value)>()
        if let x = args.positional.first {
            if let d = dictObject(x) {
                try useFuel(elements: d.entries.count)
                entries = d.entries
            } else {
                let items = try elements(of: x, for: "dict: argument")
                try useFuel(elements: items.count)
                for (i, item) in items.enumerated() {
                    guard let pair = sequenceObject(item) else {
                        throw Trap.runtime("dict: element #\(i) is not iterable (\(typeName(item)))")
                    }
                    guard pair.items.count == 2 else {
                        throw Trap.runtime("dict: element #\(i) has length \(pair.items.count), want 2")
                    }
                    let k = pair.items[0]
                    let key = try chargedKey(k)
                    let v = pair.items[1]
                    entries.insertOrUpdate(key, (k, v)) { $0.value = v }
                }
            }
        }
        // Keyword names become new string keys: reserve for them and the dict together, so
        // no collection runs between making the strings and storing them in the dict.
        var bytes = MemoryCost.dict(entries.count + args.named.count)
        for (name, _) in args.named { bytes += MemoryCost.string(name.utf8.count) }
        try useFuel(elements: args.named.count)
        try reserve(bytes)
        // The copy of `dict(d, k = v)` is made once, at its final size: copying and then
        // growing rehashed every key twice.
        if !args.named.isEmpty { entries.reserveCapacity(entries.count + args.named.count) }
        for (name, v) in args.named {
            let utf8 = Array(name.utf8)
            if let at = entries.slot(forKey: .string(utf8)) {
                entries[slot: at].value = v
            } else {
                entries[.string(utf8)] = (try heap.insert(heap.newString(taking: utf8)), v)
            }
        }
        return try heap.insert(DictObject(entries))
    }

    /// `set(x)`: the distinct elements of an iterable, in first-seen order.
    func builtinSet(_ args: Arguments) throws(Trap) -> Value {
        let a = try args.bind("set", ["x"], required: 0)
        var elements = OrderedTable<HashKey, Value>()
        if let x = a[0] {
            let items = try self.elements(of: x, for: "set: argument")
            try useFuel(elements: items.count)
            for item in items {
                let k = try chargedKey(item)
                if elements[k] == nil { elements[k] = item }
            }
        }
        try reserve(MemoryCost.set(elements.count))
        return try heap.insert(SetObject(elements))
    }

    /// `range(stop)`, `range(start, stop[, step])`: constant size, however long. Bounds whose
    /// distance does not fit in 64 bits are refused so the length is always computable.
    func builtinRange(_ args: Arguments) throws(Trap) -> Value {
        try args.noNamed("range")
        var ints: [Int64] = []
        for v in args.positional {
            switch number(v) {
            case .int(let i)?: ints.append(i)
            case .big?: throw Trap.runtime("range: \(shortIntText(number(v)?.bigInt ?? 0)) out of range (want value in signed 64-bit range)")
            default: throw Trap.runtime("range: got \(typeName(v)), want int")
            }
        }
        let start: Int64, stop: Int64, step: Int64
        switch ints.count {
        case 1: (start, stop, step) = (0, ints[0], 1)
        case 2: (start, stop, step) = (ints[0], ints[1], 1)
        case 3: (start, stop, step) = (ints[0], ints[1], ints[2])
        default: throw Trap.runtime("range: got \(ints.count) arguments, want 1 to 3")
        }
        guard step != 0 else { throw Trap.runtime("range: step argument must not be zero") }
        guard step != .min, !stop.subtractingReportingOverflow(start).overflow,
            !start.subtractingReportingOverflow(stop).overflow
        else {
            throw Trap.runtime("range: too large (the distance between start and stop must fit in 64 bits)")
        }
        try reserve(MemoryCost.header + 24)
        return try heap.insert(RangeObject(start: start, stop: stop, step: step))
    }

    /// `min`/`max` of an iterable or of several arguments; the first of equal extremes wins.
    func builtinMinMax(_ args: Arguments, max: Bool) throws(Trap) -> Value {
        // A key function other than None never gets here: the call runs the prelude instead
        // (`Sandbox.callPrelude`).
        let items = try minMaxItems(args, max ? "max" : "min")
        var best = items[0]
        try useFuel(elements: items.count)
        for item in items.dropFirst() {
            let c = try order(item, best, "<", depth: 0)
            if max ? c > 0 : c < 0 { best = item }
        }
        return best
    }

    /// The items `min`/`max` choose from: the one iterable argument, or all the arguments;
    /// never empty. Shared with the key-function path so both read the same.
    func minMaxItems(_ args: Arguments, _ name: String) throws(Trap) -> [Value] {
        if let other = args.named.first(where: { $0.name != "key" }) {
            throw Trap.runtime("\(name): unexpected keyword argument \"\(other.name)\"")
        }
        let items: [Value]
        switch args.positional.count {
        case 0: throw Trap.runtime("\(name) requires at least one positional argument")
        case 1:
            let x = args.positional[0]
            guard isIterable(x) else { throw Trap.runtime("\(name): \(typeName(x)) value is not iterable") }
            items = try elements(of: x, for: "\(name): argument")
        default: items = args.positional
        }
        guard !items.isEmpty else { throw Trap.runtime("\(name): argument is an empty sequence") }
        return items
    }

    /// `sorted(x, reverse=False)`: a new list, by a stable bottom-up merge sort (its
    /// comparison sequence, hence its fuel, depends only on the input). Fuel: n·⌈log2 n⌉ up
    /// front, plus what comparing strings or sequences costs.
    func builtinSorted(_ args: Arguments) throws(Trap) -> Value {
        let a = try args.bind("sorted", ["iterable", "key", "reverse"], required: 1)
        // A key function other than None runs the prelude instead (`Sandbox.callPrelude`).
        if let key = a[1] {
            // Go's sorted declares key callable, so an explicit None is refused (min/max allow it).
            if key == .none { throw Trap.runtime("sorted: for parameter key: got NoneType, want callable") }
            throw Trap.runtime("sorted: a key function reached the native builtin")
        }
        let reverse = truth(a[2] ?? .bool(false))
        var items = try elements(of: a[0] ?? .none, for: "sorted: for parameter iterable")
        let n = items.count
        let log = n <= 1 ? 0 : Int.bitWidth - (n - 1).leadingZeroBitCount
        try useFuel(elements: n + n * log)
        try reserve(MemoryCost.sequence(n))
        try mergeSort(&items, reverse: reverse)
        return try heap.insert(ListObject(items))
    }

    private func mergeSort(_ a: inout [Value], reverse: Bool) throws(Trap) {
        guard a.count > 1 else { return }
        if a.allSatisfy({ if case .int = $0 { true } else { false } }) {
            // Ordering two ints charges nothing, so sorting the plain numbers with the same
            // merge (same comparisons, same stability) is the same sort without `order` calls.
            var ints = a.map { v -> Int64 in if case .int(let i) = v { i } else { 0 } }
            Sandbox.bottomUpMergeSort(&ints) { r, l in reverse ? r > l : r < l }
            a = ints.map { .int($0) }
            return
        }
        if try sortDecoratedIntKeys(&a, reverse: reverse) { return }
        try Sandbox.bottomUpMergeSort(&a) { (r: Value, l: Value) throws(Trap) -> Bool in
            let c = try order(r, l, "<", depth: 0)
            return reverse ? c > 0 : c < 0
        }
    }

    /// A stable bottom-up merge sort. `takeRight(r, l)` says whether the head of the right run
    /// goes before the head of the left one; the comparisons made depend only on the length and
    /// the answers, so the fuel that `takeRight` charges is the same on every machine.
    @inline(__always)
    static func bottomUpMergeSort<T, E: Error>(_ a: inout [T], takeRight: (T, T) throws(E) -> Bool) throws(E) {
        let n = a.count
        guard n > 1 else { return }
        var buffer = a
        // The passes alternate between the two arrays through their raw buffers: indexing the
        // arrays themselves checked uniqueness and retained their storage on every element.
        let sortedIntoBuffer = try a.withUnsafeMutableBufferPointer { (pa) throws(E) -> Bool in
            try buffer.withUnsafeMutableBufferPointer { (pb) throws(E) -> Bool in
                var src = pa, dst = pb, intoBuffer = false
                var width = 1
                while width < n {
                    var lo = 0
                    while lo < n {
                        let mid = Swift.min(lo &+ width, n), hi = Swift.min(lo &+ 2 &* width, n)
                        var l = lo, r = mid, k = lo
                        while l < mid && r < hi {
                            if try takeRight(src[r], src[l]) {
                                dst[k] = src[r]
                                r &+= 1
                            } else {
                                dst[k] = src[l]
                                l &+= 1
                            }
                            k &+= 1
                        }
                        while l < mid { dst[k] = src[l]; l &+= 1; k &+= 1 }
                        while r < hi { dst[k] = src[r]; r &+= 1; k &+= 1 }
                        lo = hi
                    }
                    swap(&src, &dst)
                    intoBuffer.toggle()
                    width &*= 2
                }
                return intoBuffer
            }
        }
        if sortedIntoBuffer { a = buffer }
    }

    /// `reversed(x)`: a new list of the elements in reverse order.
    func builtinReversed(_ args: Arguments) throws(Trap) -> Value {
        let a = try args.bind("reversed", ["sequence"], required: 1)
        let items = try elements(of: a[0] ?? .none, for: "reversed: argument")
        try useFuel(elements: items.count)
        return try makeSequence(items.reversed(), tuple: false)
    }

    /// `enumerate(x, start=0)`: a list of `(index, element)` tuples.
    func builtinEnumerate(_ args: Arguments) throws(Trap) -> Value {
        let a = try args.bind("enumerate", ["iterable", "start"], required: 1)
        var start: Int64 = 0
        if let s = a[1] {
            guard case .int(let i) = s else { throw Trap.runtime("enumerate: start must be an int, not \(typeName(s))") }
            start = i
        }
        let items = try elements(of: a[0] ?? .none, for: "enumerate: argument")
        guard !start.addingReportingOverflow(Int64(items.count)).overflow else {
            throw Trap.runtime("enumerate: start \(start) is too large")
        }
        try useFuel(elements: items.count)
        try reserve(try checkedSize(items.count, unit: MemoryCost.valueSlot + MemoryCost.sequence(2)))
        var tuples: [Value] = []
        tuples.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            tuples.append(try heap.insert(heap.newPair(.int(start + Int64(i)), item)))
        }
        return try heap.insert(ListObject(tuples))
    }

    /// `zip(a, b, …)`: a list of tuples, as long as the shortest argument.
    func builtinZip(_ args: Arguments) throws(Trap) -> Value {
        try args.noNamed("zip")
        var columns: [[Value]] = []
        for (i, x) in args.positional.enumerated() {
            guard isIterable(x) else { throw Trap.runtime("zip: argument #\(i + 1) is not iterable: \(typeName(x))") }
            columns.append(try elements(of: x, for: "zip: argument #\(i + 1)"))
        }
        let n = columns.map(\.count).min() ?? 0
        let k = columns.count
        try useFuel(elements: n * Swift.max(k, 1))
        try reserve(try checkedSize(n, unit: MemoryCost.valueSlot + MemoryCost.sequence(k)))
        var tuples: [Value] = []
        tuples.reserveCapacity(n)
        for i in 0..<n {
            tuples.append(try heap.insert(ListObject(columns.map { $0[i] }, tuple: true)))
        }
        return try heap.insert(ListObject(tuples))
    }

    /// `any(x)` / `all(x)`: stop at the first element that decides; fuel per element looked at.
    func builtinAnyAll(_ args: Arguments, all: Bool) throws(Trap) -> Value {
        let name = all ? "all" : "any"
        let a = try args.bind(name, ["iterable"], required: 1)
        for item in try elements(of: a[0] ?? .none, for: "\(name): argument") {
            try useFuel(elements: 1)
            if truth(item) != all { return .bool(!all) }
        }
        return .bool(all)
    }
}
