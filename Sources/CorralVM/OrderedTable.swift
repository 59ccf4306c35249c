/// An insertion-ordered hash table with O(1) removal: the storage of Starlark's dict and set.
///
/// swift-collections' `OrderedDictionary` removes an entry by shifting every later one and
/// re-indexing it (O(n)), which made a loop of `dict.pop` quadratic: 1,000 pops from a
/// 20,000-entry dict took most of the dict benchmark. Here a removal leaves a hole in the entry
/// array; iteration skips holes, and they are squeezed out once they outnumber the live entries,
/// so every operation is amortised O(1) and the table never holds more than twice its entries.
///
/// The table keeps each entry's hash beside it and finds entries through its own index, open
/// addressing with linear probing over slot numbers. An earlier version indexed the entries
/// with a Swift `Dictionary` from key to slot: every key was stored twice, every lookup ran
/// SipHash over the key, and every dict paid for a second hash table. Tables of up to
/// `linearLimit` slots (most dicts: records, keyword arguments) have no index at all; a lookup
/// scans their few hashes.
///
/// Entries are addressed by slot. Slots are stable until a removal compacts the table; the VM
/// refuses removals while an iterator is open (mutation during iteration), so an iterator's
/// slot stays valid for as long as it iterates.
struct OrderedTable<Key: TableKey, Element> {
    typealias Entry = (key: Key, element: Element)
    /// `Element` by another name, for the iterator (where `Element` means its own `Entry`).
    typealias Payload = Element

    /// Entries in insertion order, keys and elements side by side; a nil key marks a removed
    /// entry (a hole). Apart, not as one array of entries: reading an element out of an entry
    /// copied the entry's key too, through generic value witnesses.
    private var slotKeys: [Key?] = []
    private var slotElements: [Element?] = []
    /// `hashes[s]` is the `tableHash` of `slotKeys[s]` (stale for a hole).
    private var hashes: [Int] = []
    /// Open addressing: each cell holds a live slot + 1, or 0 when empty. A power of two at
    /// least twice `slotKeys.count`, or empty while `slotKeys.count <= linearLimit`.
    private var index: [Int32] = []
    private(set) var count = 0
    /// No live entry sits below this slot, so taking the first entry stays O(1) amortised.
    private var start = 0

    /// Up to this many slots a lookup scans the stored hashes instead of probing an index.
    static var linearLimit: Int { 8 }

    init() {}

    init(minimumCapacity n: Int) {
        reserveCapacity(n)
    }

    mutating func reserveCapacity(_ n: Int) {
        slotKeys.reserveCapacity(n)
        slotElements.reserveCapacity(n)
        hashes.reserveCapacity(n)
        if n > Self.linearLimit && index.count < 2 * n { rebuildIndex(forSlots: n) }
    }

    var isEmpty: Bool { count == 0 }

    /// The slot of `key`'s entry.
    func slot(forKey key: Key) -> Int? { find(key, key.tableHash) }

    /// The slot of `key`, whose `tableHash` is `h`. Mutating (it changes nothing) so that a
    /// table held in a class property is read in place: a non-mutating call on such a property
    /// copies the table out first, four retains and releases per lookup.
    @inline(__always) mutating func slot(forKey key: Key, hash h: Int) -> Int? { find(key, h) }

    subscript(key: Key) -> Element? {
        get { find(key, key.tableHash).map { slotElements[$0].unsafelyUnwrapped } }
        set {
            if let newValue { updateValue(newValue, forKey: key) } else { removeValue(forKey: key) }
        }
    }

    /// The element of the live entry in `slot`.
    subscript(slot slot: Int) -> Element {
        get { slotElements[slot].unsafelyUnwrapped }
        set { slotElements[slot] = newValue }
    }

    /// Sets `key`'s element, appending a new entry at the end if the key is new (an existing key
    /// keeps its place, as in Starlark). Returns the old element.
    @discardableResult
    mutating func updateValue(_ element: Element, forKey key: Key) -> Element? {
        var old: Element?
        insertOrUpdate(key, element) {
            old = $0
            $0 = element
        }
        return old
    }

    /// One lookup: an existing entry's element is changed by `update` in place, else `element`
    /// is appended as a new entry. (A lookup and then an insert would hash twice; string keys
    /// hash their bytes every time.)
    mutating func insertOrUpdate(_ key: Key, _ element: @autoclosure () -> Element, update: (inout Element) -> Void) {
        insertOrUpdate(key, hash: key.tableHash, element(), update: update)
    }

    /// `insertOrUpdate` with `key`'s `tableHash` already known (`json.decode` hashes each
    /// distinct key once).
    mutating func insertOrUpdate(_ key: Key, hash h: Int, _ element: @autoclosure () -> Element, update: (inout Element) -> Void) {
        if let s = find(key, h) {
            update(&slotElements[s]!)
        } else {
            append(key, h, element())
        }
    }

    @discardableResult
    mutating func removeValue(forKey key: Key) -> Element? {
        guard let s = find(key, key.tableHash) else { return nil }
        return remove(slot: s).element
    }

    /// Removes the live entry in `slot`.
    @discardableResult
    mutating func remove(slot s: Int) -> Entry {
        let entry = (slotKeys[s]!, slotElements[s]!)
        if !index.isEmpty { unindex(s) }
        slotKeys[s] = nil
        slotElements[s] = nil
        count -= 1
        if count == 0 {
            removeAll()
        } else if slotKeys.count - count > Swift.max(count, 8) {
            compact()
        } else if s == start {
            start = nextSlot(from: s + 1) ?? slotKeys.count
        }
        return entry
    }

    var first: Entry? { nextSlot(from: start).map { (slotKeys[$0]!, slotElements[$0]!) } }

    @discardableResult
    mutating func removeFirst() -> Entry {
        remove(slot: nextSlot(from: start)!)
    }

    mutating func removeAll() {
        slotKeys = []
        slotElements = []
        hashes = []
        index = []
        count = 0
        start = 0
    }

    /// The first live slot at or after `slot`: how iterators walk the table.
    func nextSlot(from slot: Int) -> Int? {
        var s = Swift.max(slot, start)
        while s < slotKeys.count {
            if Self.isLive(slotKeys[s]) { return s }
            s += 1
        }
        return nil
    }

    /// The entries `isIncluded` keeps, in order, in a table without holes.
    func filter(_ isIncluded: (Entry) throws -> Bool) rethrows -> OrderedTable {
        var out = OrderedTable(minimumCapacity: count)
        for s in start..<slotKeys.count {
            guard let key = slotKeys[s] else { continue }
            let e = (key: key, element: slotElements[s]!)
            guard try isIncluded(e) else { continue }
            out.append(e.key, hashes[s], e.element)
        }
        return out
    }

    // MARK: the index

    /// Whether a slot holds an entry: a tag test (`key != nil` copied the key through generic
    /// value witnesses to compare it, and destroyed the copy).
    @inline(__always) private static func isLive(_ slot: Key?) -> Bool {
        switch slot {
        case .some: return true
        case .none: return false
        }
    }

    /// The slot holding `key`, whose hash is `h`.
    @inline(__always) private func find(_ key: Key, _ h: Int) -> Int? {
        slot(hash: h) { $0 == key }
    }

    /// The slot whose key has hash `h` and satisfies `matches`: a lookup by something that is
    /// not a `Key` yet (a string's bytes), so none has to be built. The keys are compared in
    /// place, through the raw buffers.
    @inline(__always) func slot(hash h: Int, matching matches: (Key) -> Bool) -> Int? {
        hashes.withUnsafeBufferPointer { hashes in
            slotKeys.withUnsafeBufferPointer { slotKeys in
                if index.isEmpty {
                    var s = start
                    while s < hashes.count {
                        if hashes[s] == h, Self.isLive(slotKeys[s]), matches(slotKeys[s].unsafelyUnwrapped) { return s }
                        s &+= 1
                    }
                    return nil
                }
                return index.withUnsafeBufferPointer { index in
                    let mask = index.count &- 1
                    var i = h & mask
                    while true {
                        let cell = Int(index[i])
                        if cell == 0 { return nil }
                        let s = cell &- 1
                        if hashes[s] == h, matches(slotKeys[s].unsafelyUnwrapped) { return s }
                        i = (i &+ 1) & mask
                    }
                }
            }
        }
    }

    /// Adds `key`, which the caller found absent with `slot(hash:matching:)`, at the end.
    mutating func insertNew(_ key: Key, hash h: Int, _ element: Element) {
        append(key, h, element)
    }

    /// Adds a new key (the caller checked it is absent) at the end.
    private mutating func append(_ key: Key, _ h: Int, _ element: Element) {
        let s = slotKeys.count
        slotKeys.append(key)
        slotElements.append(element)
        hashes.append(h)
        count += 1
        if index.isEmpty {
            if slotKeys.count > Self.linearLimit { rebuildIndex(forSlots: slotKeys.count) }
        } else if 2 * slotKeys.count > index.count {
            rebuildIndex(forSlots: slotKeys.count)
        } else {
            place(s, h)
        }
    }

    /// Makes an index for at least `n` slots (none while that is within `linearLimit`) and
    /// enters every live entry.
    private mutating func rebuildIndex(forSlots n: Int) {
        let n = Swift.max(n, slotKeys.count)
        guard n > Self.linearLimit else {
            index = []
            return
        }
        var size = 16
        while size < 2 * n { size <<= 1 }
        index = [Int32](repeating: 0, count: size)
        for s in start..<slotKeys.count where Self.isLive(slotKeys[s]) { place(s, hashes[s]) }
    }

    /// Enters slot `s` (hash `h`) in the first free cell of its probe sequence. Slot numbers
    /// fit in Int32: the memory meter stops a table long before 2^31 entries.
    private mutating func place(_ s: Int, _ h: Int) {
        let mask = index.count &- 1
        var i = h & mask
        while index[i] != 0 { i = (i &+ 1) & mask }
        index[i] = Int32(truncatingIfNeeded: s &+ 1)
    }

    /// Takes slot `s` out of the index by backward shifting: later cells of its probe run
    /// move into the gap when their home lies at or before it, so no tombstones build up.
    private mutating func unindex(_ s: Int) {
        let mask = index.count &- 1
        var gap = hashes[s] & mask
        while Int(index[gap]) != s &+ 1 { gap = (gap &+ 1) & mask }
        var j = (gap &+ 1) & mask
        while index[j] != 0 {
            let home = hashes[Int(index[j]) &- 1] & mask
            // The entry at j may move back to the gap if the gap lies within [home, j).
            if (j &- home) & mask >= (j &- gap) & mask {
                index[gap] = index[j]
                gap = j
            }
            j = (j &+ 1) & mask
        }
        index[gap] = 0
    }

    /// Drops the holes; every live entry's slot changes.
    private mutating func compact() {
        var liveKeys: [Key?] = []
        var liveElements: [Element?] = []
        var liveHashes: [Int] = []
        liveKeys.reserveCapacity(count)
        liveElements.reserveCapacity(count)
        liveHashes.reserveCapacity(count)
        for s in start..<slotKeys.count where Self.isLive(slotKeys[s]) {
            liveKeys.append(slotKeys[s])
            liveElements.append(slotElements[s])
            liveHashes.append(hashes[s])
        }
        slotKeys = liveKeys
        slotElements = liveElements
        hashes = liveHashes
        start = 0
        rebuildIndex(forSlots: slotKeys.count)
    }
}

extension OrderedTable: Sequence {
    /// The live entries in insertion order.
    struct Iterator: IteratorProtocol {
        fileprivate let keys: [Key?]
        fileprivate let elements: [Payload?]
        fileprivate var at: Int
        mutating func next() -> Entry? {
            while at < keys.count {
                defer { at += 1 }
                if let key = keys[at] { return (key, elements[at]!) }
            }
            return nil
        }
    }

    func makeIterator() -> Iterator { Iterator(keys: slotKeys, elements: slotElements, at: start) }

    var underestimatedCount: Int { count }

    var keys: LazyMapSequence<Self, Key> { lazy.map(\.key) }
    var values: LazyMapSequence<Self, Element> { lazy.map(\.element) }
}

extension OrderedTable: ExpressibleByDictionaryLiteral {
    init(dictionaryLiteral pairs: (Key, Element)...) {
        self.init(minimumCapacity: pairs.count)
        for (k, v) in pairs { updateValue(v, forKey: k) }
    }
}

/// A key that hashes itself for `OrderedTable`.
///
/// Hashes are never observable from Starlark (dicts iterate in insertion order and fuel does
/// not depend on them), so they only have to be fast and hard to collide on purpose: they mix
/// in a seed drawn once per process, so an agent cannot precompute keys that pile up in one
/// probe run.
protocol TableKey: Equatable {
    var tableHash: Int { get }
}

/// The hash functions behind `tableHash`: multiply-and-fold mixing (as in wyhash) with a
/// per-process random seed.
enum TableHash {
    static let seed = UInt64.random(in: .min ... .max)
    static let k0: UInt64 = 0xA076_1D64_78BD_642F
    static let k1: UInt64 = 0xE703_7ED1_A0B4_28DB
    static let k2: UInt64 = 0x8EBC_6AF0_9C88_C6E3

    /// The 128-bit product of `a` and `b`, folded to 64 bits.
    @inline(__always) static func fold(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let p = a.multipliedFullWidth(by: b)
        return p.high ^ p.low
    }

    /// A hash of one 64-bit word; `tag` keeps different kinds of key apart.
    @inline(__always) static func mix(_ x: UInt64, tag: UInt64) -> Int {
        Int(truncatingIfNeeded: fold(x ^ seed ^ k2, tag ^ k0))
    }

    /// A hash of a byte string, eight bytes at a time.
    static func bytes(_ bytes: [UInt8], tag: UInt64) -> Int {
        bytes.withUnsafeBytes { p in
            var h = seed ^ fold(UInt64(p.count) ^ k2, tag ^ k0)
            var i = 0
            while i &+ 8 <= p.count {
                h = fold(h ^ p.loadUnaligned(fromByteOffset: i, as: UInt64.self), k1)
                i &+= 8
            }
            if i < p.count {
                var w: UInt64 = 0
                var shift: UInt64 = 0
                while i < p.count {
                    w |= UInt64(p[i]) << shift
                    shift &+= 8
                    i &+= 1
                }
                h = fold(h ^ w, k1)
            }
            return Int(truncatingIfNeeded: fold(h, k2))
        }
    }

    /// A hash of a sequence of hashes (tuple keys).
    static func combine(_ hashes: some Sequence<Int>, tag: UInt64) -> Int {
        var h = seed ^ tag
        for x in hashes { h = fold(h ^ UInt64(bitPattern: Int64(x)), k1) }
        return Int(truncatingIfNeeded: fold(h, k2))
    }
}
