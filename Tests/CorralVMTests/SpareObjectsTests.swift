import Testing

@testable import CorralVM

/// The collector keeps dead strings, lists and tuples as spares (Heap+Spares.swift); an object
/// remade from a spare must be indistinguishable from a new one.
@Suite struct SpareObjectsTests {
    private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test func aDeadStringIsRemadeWithNewContentsUnfrozen() throws {
        let heap = Heap(limit: 1 << 20)
        let old = StringObject(bytes("first"))
        old.frozen = true
        _ = try heap.insert(old)
        heap.sweep()  // nothing marked: the string is dead
        #expect(heap.spares.count == 1)
        #expect(heap.live == 0)

        let made = heap.newString(bytes("second, longer").prefix(6))
        #expect(made === old)
        #expect(made.utf8 == bytes("second"))
        #expect(!made.frozen && !made.marked)
        #expect(made.bytes == MemoryCost.string(6))
        #expect(heap.spares.count == 0 && heap.spares.bytes == 0)

        // No spare left: a fresh object.
        #expect(heap.newString(taking: bytes("x")) !== old)
    }

    @Test func aDeadListComesBackEmptyUnlockedAndOfItsKind() throws {
        let heap = Heap(limit: 1 << 20)
        let list = ListObject([.int(1), .int(2), .int(3)])
        list.frozen = true
        list.iterators = 2  // a trap can leave a dead list locked
        let tuple = ListObject([.int(9)], tuple: true)
        _ = try heap.insert(list)
        _ = try heap.insert(tuple)
        heap.sweep()
        #expect(heap.spares.count == 2)

        let newTuple = heap.newSequence(taking: [.none, .bool(true)], tuple: true)
        #expect(newTuple === tuple)
        #expect(newTuple.kind == .tuple && newTuple.items == [.none, .bool(true)])

        let newList = heap.newSequence(taking: [.int(7)], tuple: false)
        #expect(newList === list)
        #expect(newList.kind == .list && newList.items == [.int(7)])
        #expect(newList.iterators == 0 && !newList.frozen)
        #expect(newList.bytes == MemoryCost.sequence(1))

        // Pairs draw on tuples only.
        #expect(heap.newPair(.int(1), .int(2)).items == [.int(1), .int(2)])
        #expect(heap.spares.count == 0)
    }

    @Test func liveObjectsAreNeverSpares() throws {
        let heap = Heap(limit: 1 << 20)
        let live = try heap.insert(StringObject(bytes("keep")))
        _ = try heap.insert(StringObject(bytes("drop")))
        heap.mark([live])
        heap.sweep()
        #expect(heap.spares.count == 1)
        #expect(heap.newString(bytes("new")) !== heap.object(0))
        guard case .ref(let slot) = live else { Issue.record("not a ref"); return }
        #expect(unsafeDowncast(heap.object(slot), to: StringObject.self).utf8 == bytes("keep"))
    }

    @Test func sparesStayWithinTheirByteLimitAndDropLargeStorage() throws {
        let heap = Heap(limit: 64 << 20)
        let big = StringObject([UInt8](repeating: 65, count: 4096))
        _ = try heap.insert(big)
        let piece = 64
        let count = SpareObjects.byteLimit / MemoryCost.string(piece) + 100
        for _ in 0..<count { _ = try heap.insert(StringObject([UInt8](repeating: 66, count: piece))) }
        heap.sweep()
        #expect(heap.spares.bytes <= SpareObjects.byteLimit)
        #expect(heap.spares.count < count)
        #expect(heap.spares.count > count / 2)
        // The big string is a spare without its 4 KiB of storage.
        #expect(big.utf8.capacity == 0)
        #expect(heap.live == 0)
    }
}
