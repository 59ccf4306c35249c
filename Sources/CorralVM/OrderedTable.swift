/// An insertion-ordered hash table with O(1) removal: the storage of Starlark's dict and set.
///
/// swift-collections' `OrderedDictionary` removes an entry by shifting every later one and
/// re-indexing it (O(n)), which made a loop of `dict.pop` quadratic: 1,000 pops from a
/// 20,000-entry dict took most of the dict benchmark. Here a removal leaves a hole in the entry
/// array; iteration skips holes, and they are squeezed out once they outnumber the live entries,
/// so every operation is amortised O(1) and the table never holds more than twice its entries.
///
/// Entries are addressed by slot. Slots are stable until a removal compacts the table; the VM
/// refuses removals while an iterator is open (mutation during iteration), so an iterator's
/// slot stays valid for as long as it iterates.
struct OrderedTable<Key: Hashable, Element> {
    typealias Entry = (key: Key, element: Element)

    private var slots: [Entry?] = []
    private var positions: [Key: Int] = [:]
    private(set) var count = 0
    /// No live entry sits below this slot, so taking the first entry stays O(1) amortised.
    private var start = 0

    init() {}

    init(minimumCapacity n: Int) {
        reserveCapacity(n)
    }

    mutating func reserveCapacity(_ n: Int) {
        slots.reserveCapacity(n)
        positions.reserveCapacity(n)
    }

    var isEmpty: Bool { count == 0 }

    /// The slot of `key`'s entry.
    func slot(forKey key: Key) -> Int? { positions[key] }

    subscript(key: Key) -> Element? {
        get { positions[key].map { slots[$0]!.element } }
        set {
            if let newValue { updateValue(newValue, forKey: key) } else { removeValue(forKey: key) }
        }
    }

    /// The element of the live entry in `slot`.
    subscript(slot slot: Int) -> Element {
        get { slots[slot]!.element }
        set { slots[slot]!.element = newValue }
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

    /// One hash lookup: an existing entry's element is changed by `update` in place, else
    /// `element` is appended as a new entry. (A lookup and then an insert would hash twice;
    /// string keys hash their bytes every time.)
    mutating func insertOrUpdate(_ key: Key, _ element: @autoclosure () -> Element, update: (inout Element) -> Void) {
        let next = slots.count
        var slot = next
        Self.read(&positions[key, default: next], into: &slot)
        if slot == next {
            slots.append((key, element()))
            count += 1
        } else {
            update(&slots[slot]!.element)
        }
    }

    /// Reads through the dictionary's `_modify` accessor, which inserts the default in the
    /// same lookup when the key is missing.
    private static func read(_ position: inout Int, into slot: inout Int) { slot = position }

    @discardableResult
    mutating func removeValue(forKey key: Key) -> Element? {
        guard let s = positions[key] else { return nil }
        return remove(slot: s).element
    }

    /// Removes the live entry in `slot`.
    @discardableResult
    mutating func remove(slot s: Int) -> Entry {
        let entry = slots[s]!
        positions[entry.key] = nil
        slots[s] = nil
        count -= 1
        if count == 0 {
            removeAll()
        } else if slots.count - count > Swift.max(count, 8) {
            compact()
        } else if s == start {
            start = nextSlot(from: s + 1) ?? slots.count
        }
        return entry
    }

    var first: Entry? { nextSlot(from: start).map { slots[$0]! } }

    @discardableResult
    mutating func removeFirst() -> Entry {
        remove(slot: nextSlot(from: start)!)
    }

    mutating func removeAll() {
        slots = []
        positions = [:]
        count = 0
        start = 0
    }

    /// The first live slot at or after `slot`: how iterators walk the table.
    func nextSlot(from slot: Int) -> Int? {
        var s = Swift.max(slot, start)
        while s < slots.count {
            if slots[s] != nil { return s }
            s += 1
        }
        return nil
    }

    /// The entries `isIncluded` keeps, in order, in a table without holes.
    func filter(_ isIncluded: (Entry) throws -> Bool) rethrows -> OrderedTable {
        var out = OrderedTable(minimumCapacity: count)
        for e in self where try isIncluded(e) { out.updateValue(e.element, forKey: e.key) }
        return out
    }

    /// Drops the holes; every live entry's slot changes.
    private mutating func compact() {
        var live: [Entry?] = []
        live.reserveCapacity(count)
        for case let e? in slots {
            positions[e.key] = live.count
            live.append(e)
        }
        slots = live
        start = 0
    }
}

extension OrderedTable: Sequence {
    /// The live entries in insertion order.
    struct Iterator: IteratorProtocol {
        fileprivate let slots: [Entry?]
        fileprivate var at: Int
        mutating func next() -> Entry? {
            while at < slots.count {
                defer { at += 1 }
                if let e = slots[at] { return e }
            }
            return nil
        }
    }

    func makeIterator() -> Iterator { Iterator(slots: slots, at: start) }

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
