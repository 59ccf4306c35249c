import BigInt

/// Kinds of heap object. `HeapObject.kind` lets the interpreter downcast with
/// `unsafeDowncast` after one integer compare instead of a dynamic cast.
enum ObjectKind: UInt8, Sendable {
    case string, bytes, bigInt, list, tuple, dict, set, range, function, cell, iterator, boundMethod
    /// A test builtin's `module(name, **fields)` (bytecode/SPEC.md, "Test builtins").
    case module
    /// `s.elems()`, `s.codepoints()` and their `_ords` forms: a lazy iterable over a string.
    case stringView
}

/// Base class of everything in a sandbox's heap.
///
/// Objects refer to each other only through `Value.ref` indices, never Swift references, so
/// cycles between Starlark objects are invisible to ARC and dropping the heap's array frees
/// everything at once.
class HeapObject {
    final let kind: ObjectKind
    /// Bytes charged to the memory meter for this object (`MemoryCost`); kept up to date as
    /// mutable objects grow so the collector can give back exactly what was charged.
    final var bytes: Int
    /// Set by the collector's mark phase.
    final var marked = false
    /// Frozen objects reject mutation (Starlark freezes module values after initialisation).
    final var frozen = false

    init(kind: ObjectKind, bytes: Int) {
        self.kind = kind
        self.bytes = bytes
    }

    /// Resets a spare object's state for its new life (`SpareObjects`): it is unmarked
    /// already (the collector found it so), and nothing made from a spare starts frozen.
    final func revive(bytes: Int) {
        self.bytes = bytes
        frozen = false
    }

    /// Calls `visit` with every value this object holds, for the collector and for freezing.
    func forEachChild(_ visit: (Value) -> Void) {}
}

/// Deterministic accounting of heap bytes. These are charges, not malloc sizes: the same on
/// every machine, so the memory limit traps at the same point everywhere.
enum MemoryCost {
    static let header = 32
    static let valueSlot = 16
    static let dictEntry = 48
    static let setEntry = 32
    static let stackSlot = 16
    static let frame = 32

    static func string(_ count: Int) -> Int { header + count }
    static func sequence(_ count: Int) -> Int { header + valueSlot * count }
    static func dict(_ count: Int) -> Int { header + dictEntry * count }
    static func set(_ count: Int) -> Int { header + setEntry * count }
    static func bigInt(_ words: Int) -> Int { header + 8 * words }
}

final class StringObject: HeapObject {
    /// Set when the object is made, or remade from a spare (`SpareObjects`).
    fileprivate(set) var utf8: [UInt8]
    init(_ utf8: [UInt8]) {
        self.utf8 = utf8
        super.init(kind: .string, bytes: MemoryCost.string(utf8.count))
    }
}

extension StringObject {
    /// Makes a spare (dead, swept) string hold `bytes`, in its old storage when that is
    /// unshared and big enough.
    func remake<C: Collection<UInt8>>(holding bytes: C) {
        let n = bytes.count
        if utf8.capacity >= n {
            utf8.removeAll(keepingCapacity: true)
            utf8.append(contentsOf: bytes)
        } else {
            utf8 = Array(bytes)
        }
        revive(bytes: MemoryCost.string(n))
    }

    func remake(taking bytes: [UInt8]) {
        utf8 = bytes
        revive(bytes: MemoryCost.string(bytes.count))
    }

    /// Lets go of large storage before the object waits as a spare.
    func dropStorage() { utf8 = [] }
}

final class BytesObject: HeapObject {
    let data: [UInt8]
    init(_ data: [UInt8]) {
        self.data = data
        super.init(kind: .bytes, bytes: MemoryCost.string(data.count))
    }
}

final class BigIntObject: HeapObject {
    let value: BigInt
    init(_ value: BigInt) {
        self.value = value
        super.init(kind: .bigInt, bytes: MemoryCost.bigInt(value.magnitude.words.count))
    }
}

/// Shared by lists (mutable) and tuples (immutable).
final class ListObject: HeapObject {
    var items: [Value]
    /// Active iterators; mutation while non-zero is an error, as Starlark requires.
    var iterators = 0
    init(_ items: [Value], tuple: Bool = false) {
        self.items = items
        super.init(kind: tuple ? .tuple : .list, bytes: MemoryCost.sequence(items.count))
    }
    override func forEachChild(_ visit: (Value) -> Void) { for v in items { visit(v) } }
}

/// The key of a dict or set entry: the value's identity for hashing and equality, detached
/// from the heap. Strings share their byte storage, so building one does not copy.
enum HashKey: Equatable, Sendable {
    case none
    case bool(Bool)
    /// Ints, and floats with an integral value in Int64 range (Starlark: 1 == 1.0).
    case int(Int64)
    /// Ints outside Int64, and integral floats outside Int64 range.
    case big(BigInt)
    /// Non-integral floats; NaN keys all compare equal here, as in Go's Starlark.
    case float(UInt64)
    case string([UInt8])
    case bytes([UInt8])
    case tuple([HashKey])
    /// Functions, builtins and host functions hash by identity.
    case callable(UInt8, UInt32)
}

extension HashKey: TableKey {
    /// The hash tag of string keys, which `Sandbox.lookupSlot` hashes without making a key.
    static let stringTag: UInt64 = 6

    /// Strings and bytes hash eight bytes at a time (`TableHash`); equality stays synthesized.
    var tableHash: Int {
        switch self {
        case .none: return TableHash.mix(0, tag: 0)
        case .bool(let b): return TableHash.mix(b ? 1 : 0, tag: 1)
        case .int(let i): return TableHash.mix(UInt64(bitPattern: i), tag: 2)
        case .big(let b): return TableHash.combine(b.words.lazy.map { Int(bitPattern: $0) }, tag: 3)
        case .float(let f): return TableHash.mix(f, tag: 5)
        case .string(let s): return TableHash.bytes(s, tag: HashKey.stringTag)
        case .bytes(let s): return TableHash.bytes(s, tag: 7)
        case .tuple(let t): return TableHash.combine(t.lazy.map(\.tableHash), tag: 8)
        case .callable(let kind, let id): return TableHash.mix(UInt64(kind) << 32 | UInt64(id), tag: 9)
        }
    }
}

final class DictObject: HeapObject {
    var entries: OrderedTable<HashKey, (key: Value, value: Value)>
    var iterators = 0
    init(_ entries: OrderedTable<HashKey, (key: Value, value: Value)> = [:]) {
        self.entries = entries
        super.init(kind: .dict, bytes: MemoryCost.dict(entries.count))
    }
    override func forEachChild(_ visit: (Value) -> Void) {
        for e in entries.values {
            visit(e.key)
            visit(e.value)
        }
    }
}

final class SetObject: HeapObject {
    var elements: OrderedTable<HashKey, Value>
    var iterators = 0
    init(_ elements: OrderedTable<HashKey, Value> = [:]) {
        self.elements = elements
        super.init(kind: .set, bytes: MemoryCost.set(elements.count))
    }
    override func forEachChild(_ visit: (Value) -> Void) { for v in elements.values { visit(v) } }
}

/// `range(start, stop, step)`: constant size however long it is. Callers must ensure
/// `stop - start` fits in Int64 (the `range` builtin and range slicing do), so `count` cannot
/// overflow.
final class RangeObject: HeapObject {
    let start: Int64, stop: Int64, step: Int64
    init(start: Int64, stop: Int64, step: Int64) {
        self.start = start
        self.stop = stop
        self.step = step
        super.init(kind: .range, bytes: MemoryCost.header + 24)
    }
    /// Number of elements; ranges are built so that this fits in Int64.
    var count: Int64 {
        if step > 0 { return start >= stop ? 0 : (stop - start - 1) / step + 1 }
        return start <= stop ? 0 : (start - stop - 1) / (-step) + 1
    }
    func element(_ i: Int64) -> Int64 { start + i * step }
}

/// A function value with defaults or captured cells (`func.make`).
final class FunctionObject: HeapObject {
    let function: UInt32
    /// One per parameter that has a default, in parameter order.
    let defaults: [Value]
    /// Captured cells, read by `free.get`.
    let cells: [Value]
    init(function: UInt32, defaults: [Value], cells: [Value]) {
        self.function = function
        self.defaults = defaults
        self.cells = cells
        super.init(kind: .function, bytes: MemoryCost.sequence(defaults.count + cells.count) + 16)
    }
    override func forEachChild(_ visit: (Value) -> Void) {
        for v in defaults { visit(v) }
        for v in cells { visit(v) }
    }
}

/// A variable shared between a function and the closures it makes.
final class CellObject: HeapObject {
    var value: Value
    init(_ value: Value) {
        self.value = value
        super.init(kind: .cell, bytes: MemoryCost.sequence(1))
    }
    override func forEachChild(_ visit: (Value) -> Void) { visit(value) }
}

/// The state of a `for` loop. Holds the sequence so it stays alive, and keeps it locked
/// against mutation until `iter.end`, so iterating by position is safe for every kind.
final class IteratorObject: HeapObject {
    let sequence: Value
    var position: Int64 = 0
    var released = false
    /// What `iter.next` walks without looking the sequence up again: the list or tuple
    /// itself, or a range's first element, step and length (no division per step). The
    /// iterator keeps the sequence reachable through `sequence`, so these never dangle.
    let list: ListObject?
    let rangeStart: Int64, rangeStep: Int64, rangeCount: Int64
    init(sequence: Value, object: HeapObject? = nil) {
        self.sequence = sequence
        var list: ListObject?
        var start: Int64 = 0, step: Int64 = 0, count: Int64 = 0
        if let object {
            switch object.kind {
            case .list, .tuple: list = unsafeDowncast(object, to: ListObject.self)
            case .range:
                let r = unsafeDowncast(object, to: RangeObject.self)
                (start, step, count) = (r.start, r.step, r.count)
            default: break
            }
        }
        self.list = list
        (rangeStart, rangeStep, rangeCount) = (start, step, count)
        super.init(kind: .iterator, bytes: MemoryCost.sequence(2))
    }
    override func forEachChild(_ visit: (Value) -> Void) { visit(sequence) }

    /// Whether `step` decides this iterator (a list, tuple or range).
    var walksCache: Bool { list != nil || rangeStep != 0 }

    /// The next element of a list, tuple or range, advancing; nil at the end or for any other
    /// sequence. The run loop's `iter.next` and `Sandbox.iterNext` share it.
    @inline(__always) func step() -> Value? {
        let i = position
        let next: Value
        if rangeStep != 0 {
            guard i < rangeCount else { return nil }
            next = .int(rangeStart &+ i &* rangeStep)
        } else if let list, i < list.items.count {
            next = list.items[Int(i)]
        } else {
            return nil
        }
        position = i &+ 1
        return next
    }
}

/// What `s.elems()`, `s.codepoints()`, `s.elem_ords()` and `s.codepoint_ords()` return: an
/// iterable (not a list, and without `len` or indexing, as in Go Starlark) over the string's
/// bytes or code points, as one-element strings or their numbers. Iterating it builds one
/// element at a time; `list(view)` and other consumers materialise it.
final class StringViewObject: HeapObject {
    let string: Value
    let codepoints: Bool
    let ords: Bool
    /// The elements as a list once something asked for all of them (`list(view)`): the view
    /// holds it so the new element strings stay reachable while the caller uses them.
    var materialized: Value?
    init(string: Value, codepoints: Bool, ords: Bool) {
        self.string = string
        self.codepoints = codepoints
        self.ords = ords
        super.init(kind: .stringView, bytes: MemoryCost.sequence(2))
    }
    override func forEachChild(_ visit: (Value) -> Void) {
        visit(string)
        if let materialized { visit(materialized) }
    }

    var typeName: String { codepoints ? "codepoints" : "elems" }
    /// The method that made it, for `repr`: `"abc".elems()`.
    var methodName: String { (codepoints ? "codepoint" : "elem") + (ords ? "_ords" : "s") }
}

/// `x.name` for a builtin method, when it is not called at once (`call.attr` avoids this).
final class BoundMethodObject: HeapObject {
    let receiver: Value
    let method: Method
    init(receiver: Value, method: Method) {
        self.receiver = receiver
        self.method = method
        super.init(kind: .boundMethod, bytes: MemoryCost.sequence(2))
    }
    override func forEachChild(_ visit: (Value) -> Void) { visit(receiver) }
}

/// `module(name, **fields)`, a test builtin: a named bag of fields read with `.name`, as Go's
/// `starlarkstruct.Module` (`assert.eq` in the Go test files). Immutable once made.
final class ModuleObject: HeapObject {
    /// The test values with named fields that the Go test driver (eval_test.go) predeclares,
    /// besides `module`: `struct(**fields)` (starlarkstruct) and `hasfields()`, the one value
    /// whose fields a program can assign (`attr.set`).
    enum Flavor {
        case module, structure, hasFields

        var typeName: String {
            switch self {
            case .module: return "module"
            case .structure: return "struct"
            case .hasFields: return "hasfields"
            }
        }
    }

    let flavor: Flavor
    let name: String
    /// Fields in sorted name order (as Go lists a module's attribute names).
    private(set) var fields: [(name: String, value: Value)]
    init(name: String, fields: [(name: String, value: Value)], flavor: Flavor = .module) {
        self.flavor = flavor
        self.name = name
        self.fields = fields.sorted { $0.name < $1.name }
        var bytes = MemoryCost.sequence(fields.count) + MemoryCost.string(name.utf8.count)
        for f in fields { bytes += MemoryCost.string(f.name.utf8.count) }
        super.init(kind: .module, bytes: bytes)
    }
    func field(_ name: String) -> Value? { fields.first { $0.name == name }?.value }

    /// Sets a field, keeping the names sorted; returns whether the name is new.
    func setField(_ name: String, _ value: Value) -> Bool {
        if let i = fields.firstIndex(where: { $0.name == name }) {
            fields[i].value = value
            return false
        }
        let at = fields.firstIndex { $0.name > name } ?? fields.count
        fields.insert((name, value), at: at)
        return true
    }
    override func forEachChild(_ visit: (Value) -> Void) { for f in fields { visit(f.value) } }
}
