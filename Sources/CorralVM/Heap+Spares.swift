/// Dead strings, lists and tuples kept for reuse, as CPython keeps free lists.
///
/// Each object is a Swift class instance with its storage in a separate array, so making one
/// costs two allocations and freeing it two frees and a chain of runtime calls: about 1,100
/// instructions per split-off string, most of a `split`-heavy loop (Benchmarks/README.md). The
/// collector instead moves dead objects of these kinds here, and the next object of the kind
/// is made from a spare: no allocation for the object, and none for its storage when the new
/// contents fit in the old capacity.
///
/// Spares are invisible to programs and are not charged to the memory meter. They are bounded:
/// every spare was live, and charged, just before the collection that found it dead, so they
/// never hold more than the run was already allowed to use; their storage counted as the meter
/// counts it (`MemoryCost`) stays under `byteLimit`; and large storage is dropped
/// (`stringCapacity`, `sequenceCapacity`).
struct SpareObjects {
    private var strings: [StringObject] = []
    private var lists: [ListObject] = []
    private var tuples: [ListObject] = []
    /// What the spares' storage would be charged, at full capacity.
    private(set) var bytes = 0

    var count: Int { strings.count + lists.count + tuples.count }

    /// The collector's smallest gap: what one collection of a small run frees.
    static let byteLimit = Heap.minimumThreshold
    /// Byte capacity a spare string keeps; larger storage is freed.
    static let stringCapacity = 256
    /// Item capacity a spare list or tuple keeps.
    static let sequenceCapacity = 32

    /// Takes the dead object in `slot` (leaving nil) if it is of a kind kept spare and there is
    /// room; false leaves the slot as it was, for the caller to free.
    mutating func keep(_ slot: UnsafeMutablePointer<HeapObject?>) -> Bool {
        unowned(unsafe) let o = slot.pointee.unsafelyUnwrapped
        switch o.kind {
        case .string:
            let s = unsafeDowncast(o, to: StringObject.self)
            if s.utf8.capacity > Self.stringCapacity { s.dropStorage() }
            guard take(MemoryCost.string(s.utf8.capacity)) else { return false }
            // Moved out of the slot, not copied: no reference counting.
            strings.append(unsafeDowncast(slot.move().unsafelyUnwrapped, to: StringObject.self))
        case .list, .tuple:
            let tuple = o.kind == .tuple
            let l = unsafeDowncast(o, to: ListObject.self)
            if l.items.capacity > Self.sequenceCapacity { l.items = [] } else { l.items.removeAll(keepingCapacity: true) }
            guard take(MemoryCost.sequence(l.items.capacity)) else { return false }
            l.iterators = 0
            let moved = unsafeDowncast(slot.move().unsafelyUnwrapped, to: ListObject.self)
            if tuple { tuples.append(moved) } else { lists.append(moved) }
        default:
            return false
        }
        slot.initialize(to: nil)
        return true
    }

    @inline(__always) mutating func popString() -> StringObject? {
        guard let o = strings.popLast() else { return nil }
        bytes -= MemoryCost.string(o.utf8.capacity)
        return o
    }

    @inline(__always) mutating func popSequence(tuple: Bool) -> ListObject? {
        guard let o = tuple ? tuples.popLast() : lists.popLast() else { return nil }
        bytes -= MemoryCost.sequence(o.items.capacity)
        return o
    }

    /// Counts `cost` against `byteLimit`; false once it would go over.
    private mutating func take(_ cost: Int) -> Bool {
        guard bytes + cost <= Self.byteLimit else { return false }
        bytes += cost
        return true
    }
}

extension Heap {
    /// A string object holding `bytes`, remade from a spare when there is one. The caller has
    /// reserved its bytes and inserts it.
    @inline(__always) func newString<C: Collection<UInt8>>(_ bytes: C) -> StringObject {
        if let o = spares.popString() {
            o.remake(holding: bytes)
            return o
        }
        return StringObject(Array(bytes))
    }

    /// As `newString(_:)`, keeping `bytes`' storage as it is.
    @inline(__always) func newString(taking bytes: [UInt8]) -> StringObject {
        if let o = spares.popString() {
            o.remake(taking: bytes)
            return o
        }
        return StringObject(bytes)
    }

    /// A list or tuple holding `items` (and their storage), remade from a spare when there is
    /// one.
    @inline(__always) func newSequence(taking items: [Value], tuple: Bool) -> ListObject {
        if let o = spares.popSequence(tuple: tuple) {
            o.items = items
            o.revive(bytes: MemoryCost.sequence(items.count))
            return o
        }
        return ListObject(items, tuple: tuple)
    }

    /// A two-element tuple (`enumerate`, `dict.items`), in a spare tuple's storage when there is one.
    func newPair(_ a: Value, _ b: Value) -> ListObject {
        if let o = spares.popSequence(tuple: true) {
            o.items.append(a)
            o.items.append(b)
            o.revive(bytes: MemoryCost.sequence(2))
            return o
        }
        return ListObject([a, b], tuple: true)
    }
}
