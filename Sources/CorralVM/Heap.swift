/// The objects of one sandbox, named by slot index, with exact live-byte accounting.
///
/// Memory is checked before anything is built: `Sandbox.reserve(_:)` makes room (collecting
/// garbage if the charge would cross the collection threshold) or traps `out-of-memory`, and
/// only then are objects created and `insert`ed. When the sandbox ends, the heap's slot table
/// goes with it, cycles included, because objects refer to one another by index only.
final class Heap {
    /// The slot table: `objects[i]` is the object in slot i, or nil; `slotCount` slots are in
    /// use (initialized). Kept by hand rather than as an array, so reading, storing and adding
    /// a slot make no uniqueness checks and no generic calls (as a `ContiguousArray`, `insert`
    /// cost about 150 instructions per object).
    private(set) var objects: UnsafeMutablePointer<HeapObject?>
    private(set) var slotCount = 0
    private var slotCapacity = 1024
    var freeSlots: [UInt32] = []
    /// Dead strings, lists and tuples kept for reuse (Heap+Spares.swift).
    var spares = SpareObjects()
    /// Bytes charged for live objects plus the sandbox's stack, frames and globals.
    var live = 0
    var peak = 0
    /// The memory budget in bytes.
    var limit: Int
    /// Collect when a reservation would take `live` past this.
    var threshold: Int
    /// Smallest gap between collections: keeps small programs from collecting at all.
    static let minimumThreshold = 4 << 20
    var collections = 0

    init(limit: Int) {
        self.limit = limit
        self.threshold = min(limit, Heap.minimumThreshold)
        objects = .allocate(capacity: slotCapacity)
    }

    deinit {
        objects.deinitialize(count: slotCount)
        objects.deallocate()
    }

    /// The object in `slot`. Slots reached through values are always occupied: the collector
    /// frees only what no value can reach.
    @inline(__always) func object(_ slot: UInt32) -> HeapObject {
        objects[Int(slot)].unsafelyUnwrapped
    }

    /// Adds a newly built object, charging its bytes. The caller reserved them first; the check
    /// here is a backstop that never collects (a collection now could free values that only
    /// the caller's locals hold).
    func insert(_ object: HeapObject) throws(Trap) -> Value {
        try charge(object.bytes)
        if let slot = freeSlots.popLast() {
            objects[Int(slot)] = object
            return .ref(slot)
        }
        guard slotCount < Int(UInt32.max) else { throw Trap(.outOfMemory, "heap slot space exhausted") }
        if slotCount == slotCapacity { growSlots() }
        (objects + slotCount).initialize(to: object)
        slotCount &+= 1
        return .ref(UInt32(truncatingIfNeeded: slotCount &- 1))
    }

    /// Doubles the slot table, moving the objects over.
    private func growSlots() {
        let bigger = UnsafeMutablePointer<HeapObject?>.allocate(capacity: slotCapacity * 2)
        bigger.moveInitialize(from: objects, count: slotCount)
        objects.deallocate()
        objects = bigger
        slotCapacity *= 2
    }

    /// Charges `bytes` without collecting; traps if the budget would be exceeded.
    @inline(__always) func charge(_ bytes: Int) throws(Trap) {
        let next = live &+ bytes
        guard next <= limit, next >= live else {
            throw Trap(.outOfMemory, "memory limit of \(limit) bytes exceeded (\(live) live, \(bytes) more needed)")
        }
        live = next
        if next > peak { peak = next }
    }

    /// Gives back bytes charged earlier (a shrinking list, a dropped stack segment).
    @inline(__always) func release(_ bytes: Int) {
        live -= bytes
    }

    /// Frees every object whose `marked` is false and clears the marks of the rest.
    func sweep() {
        var freed = 0
        // Freed slots go to a local array (moved out and back), which appends without the
        // exclusivity and uniqueness checks of a property; each object is bound unowned, since a
        // strong binding retained every live object just to read its mark.
        var freedSlots = freeSlots
        freeSlots = []
        var kept = spares
        spares = SpareObjects()
        for i in 0..<slotCount where objects[i] != nil {
            unowned(unsafe) let o = objects[i].unsafelyUnwrapped
            if o.marked {
                o.marked = false
            } else {
                freed &+= o.bytes
                freedSlots.append(UInt32(truncatingIfNeeded: i))
                if !kept.keep(objects + i) { objects[i] = nil }
            }
        }
        freeSlots = freedSlots
        spares = kept
        live -= freed
        collections += 1
        // Next collection when live data doubles, but never later than the limit allows.
        threshold = min(limit, max(live * 2, live + Heap.minimumThreshold))
    }

    /// Marks everything reachable from `roots`, iteratively (deep structures must not
    /// recurse on the native stack).
    func mark(_ roots: [Value]) {
        var work: [UInt32] = []
        // Objects bound unowned: the heap holds them all, and a strong binding retained and
        // released every object reached.
        func push(_ v: Value) {
            guard case .ref(let slot) = v, Int(slot) < slotCount, objects[Int(slot)] != nil else { return }
            unowned(unsafe) let o = object(slot)
            if !o.marked {
                o.marked = true
                work.append(slot)
            }
        }
        for r in roots { push(r) }
        while let slot = work.popLast() {
            unowned(unsafe) let o = object(slot)
            o.forEachChild(push)
        }
    }
}
