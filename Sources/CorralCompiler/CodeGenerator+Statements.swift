import CorralBytecode

extension CodeGenerator {
    mutating func statements(_ list: [Statement]) throws(CompileError) {
        for s in list {
            // Statements after `return`, `break` or `continue` never run; the bytecode does
            // not allow them in the same block, so they are left out whole.
            if f.isDead { return }
            try statement(s)
        }
    }

    mutating func statement(_ s: Statement) throws(CompileError) {
        f.at(s.position)
        switch s.kind {
        case .expression(let e):
            try expression(e)
            f.emit(.drop)
        case .assign(let target, let value):
            try assign(target, value)
        case .augmentedAssign(let target, let op, let value):
            try augmentedAssign(target, op, value, at: s.position)
        case .def(let name, let fn):
            try function(fn)
            try store(name)
        case .if(let statement):
            try ifStatement(statement)
        case .for(let variables, let iterable, let body):
            try expression(iterable)
            f.at(s.position)
            f.emit(.iterBegin)
            var copy: UInt32?
            if Self.containsReturn(body) {
                copy = f.temporary()
                f.emit(.dup)
                f.emit(.localSet, a: copy!)
            }
            let exit = f.open(.block)
            let top = f.open(.loop)
            f.emit(.iterNext, a: f.label(to: exit))
            try assign(to: variables)
            f.loops.append(.init(breakLevel: exit, continueLevel: top, iteratorLocal: copy))
            try statements(body)
            f.loops.removeLast()
            f.emit(.br, a: f.label(to: top))
            f.close()
            f.close()
            f.emit(.iterEnd)
        case .while(let condition, let body):
            let exit = f.open(.block)
            let top = f.open(.loop)
            try expression(condition)
            f.emit(.brUnless, a: f.label(to: exit))
            f.loops.append(.init(breakLevel: exit, continueLevel: top))
            try statements(body)
            f.loops.removeLast()
            f.emit(.br, a: f.label(to: top))
            f.close()
            f.close()
        case .break:
            guard let loop = f.loops.last else { throw error("break not in a loop", at: s.position) }
            f.emit(.br, a: f.label(to: loop.breakLevel))
        case .continue:
            guard let loop = f.loops.last else { throw error("continue not in a loop", at: s.position) }
            f.emit(.br, a: f.label(to: loop.continueLevel))
        case .pass:
            break
        case .return(let value):
            if let value { try expression(value) } else { f.emit(.constNone) }
            // End the iterators of the loops being left (`iter.end` of one already ended is
            // harmless), through their copies: the originals are in enclosing blocks.
            for loop in f.loops.reversed() {
                guard let copy = loop.iteratorLocal else { continue }
                f.emit(.localGet, a: copy)
                f.emit(.iterEnd)
            }
            f.at(s.position)
            f.emit(.return)
        case .load:
            // Loaded names are bound before the file runs: capability functions are imports,
            // and loaded files ran first (their top levels are called by the start function).
            break
        }
    }

    /// `if`/`else` nests; an `elif` chain stays flat (the bytecode bounds nesting, and Starlark
    /// does not bound elifs): `block; c₁; if; …; br 1; end; c₂; if; …; br 1; end; else…; end`.
    private mutating func ifStatement(_ s: IfStatement) throws(CompileError) {
        if s.branches.count == 1 {
            let branch = s.branches[0]
            try expression(branch.condition)
            f.at(branch.position)
            f.open(.if)
            try statements(branch.body)
            if let otherwise = s.otherwise {
                f.otherwise()
                try statements(otherwise)
            }
            f.close()
            return
        }
        let exit = f.open(.block)
        for branch in s.branches {
            try expression(branch.condition)
            f.at(branch.position)
            f.open(.if)
            try statements(branch.body)
            f.emit(.br, a: f.label(to: exit))
            f.close()
        }
        if let otherwise = s.otherwise { try statements(otherwise) }
        f.close()
    }

    // MARK: assignment

    /// `target = value`.
    private mutating func assign(_ target: Expression, _ value: Expression) throws(CompileError) {
        switch target.kind {
        case .index(let container, let key) where isPlain(container) && isPlain(key):
            // Starlark evaluates the right side first. When the container and key are plain
            // names or literals, evaluating them first reads the same values, and the store
            // needs no temporary: container, key, value, store.
            try expression(container)
            try expression(key)
            try expression(value)
            f.at(target.position)
            f.emit(.indexSet)
        case .tuple(let items), .list(let items):
            // `a, b = b, a` and the like: when the right side is a literal of the same length
            // and the targets are distinct plain names, the values go straight from the stack
            // into the names, without building and unpacking a tuple. All values are computed
            // before any is stored, as Starlark requires.
            if case .tuple(let values) = value.kind, values.count == items.count, let names = distinctNames(items) {
                for v in values { try expression(v) }
                for id in names.reversed() { try store(id) }
                return
            }
            try expression(value)
            try assign(to: target)
        default:
            try expression(value)
            try assign(to: target)
        }
    }

    /// The targets as identifiers, if every one is a plain name and no two bind the same variable.
    private func distinctNames(_ items: [Expression]) -> [Identifier]? {
        var names: [Identifier] = []
        for item in items {
            guard case .identifier(let id) = item.kind else { return nil }
            names.append(id)
        }
        return Set(names.map { file.bindings[$0.id] }).count == names.count ? names : nil
    }

    /// Pops the value on top of the stack into `target`: a variable, an element, or a (nested)
    /// tuple or list of targets, unpacked.
    mutating func assign(to target: Expression) throws(CompileError) {
        switch target.kind {
        case .identifier(let id):
            try store(id)
        case .tuple(let items), .list(let items):
            f.at(target.position)
            f.emit(.unpack, a: UInt32(items.count))
            // `unpack` leaves the last element on top. Targets are assigned left to right
            // (`for i, a[i] in …` uses the new i); distinct plain names can take the values
            // straight off the stack, last first, with the same result.
            if distinctNames(items) != nil {
                for item in items.reversed() { try assign(to: item) }
            } else {
                let temporaries = items.map { _ in f.temporary() }
                for t in temporaries.reversed() { f.emit(.localSet, a: t) }
                for (item, t) in zip(items, temporaries) {
                    f.emit(.localGet, a: t)
                    try assign(to: item)
                }
            }
        case .index(let container, let key):
            let t = f.temporary()
            f.emit(.localSet, a: t)
            try expression(container)
            try expression(key)
            f.emit(.localGet, a: t)
            f.at(target.position)
            f.emit(.indexSet)
        case .dot(let x, let name):
            // Starlark's own values have no assignable fields, so `attr.set` fails at run time
            // (as in Go, where an application's values may have some).
            let t = f.temporary()
            f.emit(.localSet, a: t)
            try expression(x)
            f.emit(.localGet, a: t)
            f.at(name.position)
            f.emit(.attrSet, a: builder.name(name.name))
        default:
            throw error("cannot assign to this expression", at: target.position)
        }
    }

    /// `target op= value`: the target is read and written once (`a[i] += 1` evaluates `a` and
    /// `i` once). `+=` and `|=` update lists and dicts in place.
    private mutating func augmentedAssign(_ target: Expression, _ op: BinaryOperator, _ value: Expression, at position: SourcePosition) throws(CompileError) {
        let opcode: Opcode
        switch op {
        // `x += 1` cannot extend a list in place (an int is not iterable), so plain `add` says
        // the same and lets the VM fuse `local.get; const.int; add; local.set` into one op.
        case .add: opcode = isIntLiteral(value) ? .add : .addInPlace
        case .bitOr: opcode = .bitOrInPlace
        default: opcode = try binaryOpcode(op, at: position)
        }
        switch target.kind {
        case .identifier(let id):
            try load(id)
            try expression(value)
            f.at(position)
            f.emit(opcode)
            try store(id)
        case .index(let container, let key):
            try expression(container)
            try expression(key)
            f.emit(.dup2)
            f.at(target.position)
            f.emit(.index)
            try expression(value)
            f.at(position)
            f.emit(opcode)
            f.emit(.indexSet)
        case .dot(let x, let name):
            try expression(x)
            f.emit(.dup)
            f.at(name.position)
            f.emit(.attr, a: builder.name(name.name))
            try expression(value)
            f.at(position)
            f.emit(opcode)
            f.at(name.position)
            f.emit(.attrSet, a: builder.name(name.name))
        default:
            throw error("cannot assign to this expression", at: target.position)
        }
    }

    private func isIntLiteral(_ e: Expression) -> Bool {
        if case .int = e.kind { return true }
        return false
    }

    /// Whether `body` has a `return` outside nested functions.
    static func containsReturn(_ body: [Statement]) -> Bool {
        body.contains { s in
            switch s.kind {
            case .return: return true
            case .if(let i): return i.branches.contains { containsReturn($0.body) } || containsReturn(i.otherwise ?? [])
            case .for(_, _, let inner), .while(_, let inner): return containsReturn(inner)
            default: return false
            }
        }
    }

    /// A name or a literal: evaluating it has no effect and reads what the same expression
    /// would read a moment later.
    private func isPlain(_ e: Expression) -> Bool {
        switch e.kind {
        case .identifier, .int, .float, .string, .bytes: return true
        default: return false
        }
    }
}
