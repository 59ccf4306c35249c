import CorralBytecode

extension CodeGenerator {
    /// Pushes the value of `e`.
    mutating func expression(_ e: Expression) throws(CompileError) {
        switch e.kind {
        case .identifier(let id):
            try load(id)
        case .int(.int(let v)):
            f.emit(.constInt, int: v)
        case .int(.big(let magnitude)):
            f.emit(.const, a: builder.constant(.bigInt(negative: false, magnitude: magnitude)))
        case .float(let d):
            f.emit(.const, a: builder.constant(.float(d)))
        case .string(let s):
            f.emit(.const, a: builder.constant(.string(s)))
        case .bytes(let b):
            f.emit(.const, a: builder.constant(.bytes(b)))
        case .list(let items):
            for item in items { try expression(item) }
            f.at(e.position)
            f.emit(.listNew, a: UInt32(items.count))
        case .tuple(let items):
            for item in items { try expression(item) }
            f.at(e.position)
            f.emit(.tupleNew, a: UInt32(items.count))
        case .dict(let entries):
            for entry in entries {
                try expression(entry.key)
                try expression(entry.value)
            }
            f.at(e.position)
            f.emit(.dictNew, a: UInt32(entries.count))
        case .comprehension(let c):
            try comprehension(c, at: e.position)
        case .unary(let op, let operand):
            try expression(operand)
            f.at(e.position)
            switch op {
            case .plus: f.emit(.pos)
            case .minus: f.emit(.neg)
            case .invert: f.emit(.bitNot)
            case .not: f.emit(.not)
            }
        case .binary(let first, let terms):
            try binary(first, terms)
        case .conditional(let condition, let then, let otherwise):
            try expression(condition)
            f.open(.if, result: true)
            try expression(then)
            f.otherwise()
            try expression(otherwise)
            f.close()
        case .call(let callee, let arguments):
            try call(callee, arguments, at: e.position)
        case .dot(let x, let name):
            try expression(x)
            f.at(name.position)
            f.emit(.attr, a: builder.name(name.name))
        case .index(let x, let key):
            try expression(x)
            try expression(key)
            f.at(e.position)
            f.emit(.index)
        case .slice(let x, let start, let end, let step):
            try expression(x)
            for part in [start, end, step] {
                if let part { try expression(part) } else { f.emit(.constNone) }
            }
            f.at(e.position)
            f.emit(.slice)
        case .lambda(let fn):
            try function(fn)
        }
    }

    /// A run of one precedence level. `and`/`or` short-circuit in one block whatever the run's
    /// length: `block result; x; dup; br_if 0; drop; y; dup; br_if 0; drop; z; end` is
    /// `(x or y) or z`.
    private mutating func binary(_ first: Expression, _ terms: [BinaryTerm]) throws(CompileError) {
        if let op = terms.first?.op, op == .or || op == .and {
            let exit = f.open(.block, result: true)
            try expression(first)
            for term in terms {
                f.emit(.dup)
                f.emit(term.op == .or ? .brIf : .brUnless, a: f.label(to: exit))
                f.emit(.drop)
                try expression(term.operand)
            }
            f.close()
            return
        }
        try expression(first)
        for term in terms {
            try expression(term.operand)
            f.at(term.position)
            f.emit(try binaryOpcode(term.op, at: term.position))
        }
    }

    func binaryOpcode(_ op: BinaryOperator, at position: SourcePosition) throws(CompileError) -> Opcode {
        switch op {
        case .add: return .add
        case .subtract: return .sub
        case .multiply: return .mul
        case .divide: return .div
        case .floorDivide: return .floorDiv
        case .modulo: return .mod
        case .bitOr: return .bitOr
        case .bitXor: return .bitXor
        case .bitAnd: return .bitAnd
        case .shiftLeft: return .shl
        case .shiftRight: return .shr
        case .equal: return .eq
        case .notEqual: return .ne
        case .less: return .lt
        case .greater: return .gt
        case .lessEqual: return .le
        case .greaterEqual: return .ge
        case .in: return .in
        case .notIn: return .notIn
        case .and, .or: throw error("internal: \(op.rawValue) has no opcode", at: position)
        }
    }

    /// A call; `x.name(…)` is one `call.attr` (no bound method is made). Arguments go on the
    /// stack in the order the call instruction reads them: positional, named, `*`, `**`.
    private mutating func call(_ callee: Expression, _ arguments: [Argument], at position: SourcePosition) throws(CompileError) {
        var method: UInt32?
        if case .dot(let receiver, let name) = callee.kind {
            try expression(receiver)
            method = builder.name(name.name)
        } else {
            try expression(callee)
        }
        var positional: UInt32 = 0
        var named: UInt32 = 0
        var flags: UInt32 = 0
        for a in arguments {
            if case .positional(let value) = a.kind {
                try expression(value)
                positional += 1
            }
        }
        for a in arguments {
            if case .named(let name, let value) = a.kind {
                f.emit(.const, a: builder.name(name.name))
                try expression(value)
                named += 1
            }
        }
        for a in arguments {
            if case .star(let value) = a.kind {
                try expression(value)
                flags |= Instruction.callVarargs
            }
        }
        for a in arguments {
            if case .starStar(let value) = a.kind {
                try expression(value)
                flags |= Instruction.callKwargs
            }
        }
        f.at(position)
        if let method {
            f.emit(.callAttr, a: positional, b: named, c: flags, name: method)
        } else {
            f.emit(.call, a: positional, b: named, c: flags)
        }
    }

    /// `[body for … if …]` / `{k: v for …}`: the result lives in a hidden local while one loop
    /// per `for` clause (and one `if` per condition) fills it.
    private mutating func comprehension(_ c: Comprehension, at position: SourcePosition) throws(CompileError) {
        let result = f.temporary()
        f.at(position)
        if case .dict = c.body { f.emit(.dictNew, a: 0) } else { f.emit(.listNew, a: 0) }
        f.emit(.localSet, a: result)
        try clauses(c, from: 0, into: result)
        f.emit(.localGet, a: result)
    }

    private mutating func clauses(_ c: Comprehension, from i: Int, into result: UInt32) throws(CompileError) {
        guard i < c.clauses.count else {
            f.emit(.localGet, a: result)
            switch c.body {
            case .list(let value):
                try expression(value)
                f.emit(.listPush)
            case .dict(let key, let value):
                try expression(key)
                try expression(value)
                f.emit(.indexSet)
            }
            return
        }
        switch c.clauses[i] {
        case .for(let variables, let iterable, let position):
            try expression(iterable)
            f.at(position)
            f.emit(.iterBegin)
            let exit = f.open(.block)
            let top = f.open(.loop)
            f.emit(.iterNext, a: f.label(to: exit))
            try assign(to: variables)
            try clauses(c, from: i + 1, into: result)
            f.emit(.br, a: f.label(to: top))
            f.close()
            f.close()
            f.emit(.iterEnd)
        case .if(let condition, let position):
            try expression(condition)
            f.at(position)
            f.open(.if)
            try clauses(c, from: i + 1, into: result)
            f.close()
        }
    }
}
