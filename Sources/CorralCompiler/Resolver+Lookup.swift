import CorralBytecode

/// Resolving uses once every block is complete.
extension Resolver {
    /// Resolves every recorded use, then fixes local/cell now that captures are known.
    mutating func finish() -> (ResolvedFile?, [CompileError]) {
        for (id, block) in uses where provisional[id.id] == nil {
            if let found = lookup(id.name, in: block, at: id.position) {
                provisional[id.id] = found
            } else {
                var hint = ""
                if let near = nearestName(to: id.name, in: visibleNames(from: block)) { hint = " (did you mean \(near)?)" }
                error("undefined: \(id.name)\(hint)", at: id.position)
            }
        }
        for f in scopes.indices where scopes[f].freeVariables.count > CompileLimits.freeVariables {
            error("\(scopes[f].name) captures too many variables (the limit is \(CompileLimits.freeVariables))", at: scopes[f].position)
        }
        guard errors.isEmpty else {
            let sorted = errors.enumerated().sorted { a, b in
                (a.element.line, a.element.column, a.offset) < (b.element.line, b.element.column, b.offset)
            }.map(\.element)
            return (nil, sorted)
        }
        var bindings: [Binding] = []
        bindings.reserveCapacity(provisional.count)
        for p in provisional {
            switch p {
            case .local(let f, let slot)?: bindings.append(scopes[f].locals[slot].isCell ? .cell(slot) : .local(slot))
            case .free(let i)?: bindings.append(.free(i))
            case .global(let i)?: bindings.append(.global(i))
            case .loaded(let i)?: bindings.append(.loaded(i))
            case .predeclared(let name)?: bindings.append(.predeclared(name))
            case .universal(let name)?: bindings.append(.universal(name))
            // An id the parser handed out but no node kept (none today); never looked up.
            case nil: bindings.append(.universal(""))
            }
        }
        let toplevelScope = scopes.removeLast()
        return (
            ResolvedFile(
                syntax: file, bindings: bindings, functions: scopes, toplevel: toplevelScope, globals: globals, loads: loads,
                loadedNames: loadedNames),
            []
        )
    }

    /// What `name` means in `block`. Crossing out of a function body turns an outer local into
    /// a cell and adds a free variable to every function in between.
    mutating func lookup(_ name: String, in block: Int, at position: SourcePosition) -> Provisional? {
        let b = blocks[block]
        if b.isModule { return moduleLookup(name) }
        if let slot = b.bindings[name] { return .local(function: b.function, slot: slot) }
        guard let parent = b.parent else { return nil }
        guard b.isFunctionBody else { return lookup(name, in: parent, at: position) }
        let f = b.function
        if let i = freeByName[f][name] { return .free(i) }
        guard let outer = lookup(name, in: parent, at: position) else { return nil }
        let free: FunctionScope.FreeVariable
        switch outer {
        case .local(let g, let slot):
            scopes[g].locals[slot].isCell = true
            free = .init(name: name, outer: .cell(slot), position: scopes[g].locals[slot].position)
        case .free(let j):
            let g = blocks[parent].function
            free = .init(name: name, outer: .free(j), position: scopes[g].freeVariables[j].position)
        case .global, .loaded, .predeclared, .universal:
            return outer
        }
        freeByName[f][name] = scopes[f].freeVariables.count
        scopes[f].freeVariables.append(free)
        return .free(scopes[f].freeVariables.count - 1)
    }

    func moduleLookup(_ name: String) -> Provisional? {
        if let i = loadedIndex[name] { return .loaded(i) }
        if let i = globalIndex[name] { return .global(i) }
        if predeclared.contains(name) { return .predeclared(name) }
        if Universe.names.contains(name) { return .universal(name) }
        return nil
    }

    /// Every name a use in `block` could have meant, for "did you mean".
    func visibleNames(from block: Int) -> [String] {
        var names: [String] = []
        var b: Int? = block
        while let i = b {
            names.append(contentsOf: blocks[i].bindings.keys)
            b = blocks[i].parent
        }
        names.append(contentsOf: loadedIndex.keys)
        names.append(contentsOf: globalIndex.keys)
        names.append(contentsOf: predeclared)
        names.append(contentsOf: Universe.names)
        return names
    }
}
