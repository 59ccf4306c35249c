/// The commonest calls of agent code, served straight from the stack: `xs.append(x)`,
/// `xs.pop()`, `d.get(k)`, `d.get(k, default)`, `len(x)`, and the string methods of
/// `fastStringMethod` in their usual positional forms.
///
/// The general path copies the arguments into an `Arguments` value, binds them by name and
/// dispatches on the method or builtin, about 400 instructions before any work (callgrind,
/// Benchmarks/README.md). Each fast path here applies only to a positional call it can finish
/// itself, with the same checks, errors and fuel as the general path; anything else (another
/// receiver type, a wrong argument count, an error to report) returns false and is left to the
/// general path, which then does and says exactly what it always did.
extension Sandbox {
    /// A method call on `receiverSlot` finished here: the result is in `receiverSlot`.
    @inline(__always) func fastMethodCall(_ name: MethodName, receiverSlot: Int, shape: CallShape) throws(Trap) -> Bool {
        guard shape.isPositionalOnly else { return false }
        let receiver = stack[receiverSlot]
        switch name {
        case .append where shape.positional == 1:
            guard let l = listObject(receiver) else { return false }
            try append(stack[receiverSlot + 1], to: l)
            finishCall(.none, at: receiverSlot)
            return true
        case .get where shape.positional == 1 || shape.positional == 2:
            guard let d = dictObject(receiver) else { return false }
            let key = stack[receiverSlot + 1]
            let fallback = shape.positional == 2 ? stack[receiverSlot + 2] : .none
            // `atomicFuel`, as `invokeMethod` runs every method.
            let r = try atomicFuel { () throws(Trap) -> Value in
                guard let at = try lookupSlot(&d.entries, key) else { return fallback }
                return d.entries[slot: at].value
            }
            finishCall(r, at: receiverSlot)
            return true
        case .pop where shape.positional == 0:
            guard let l = listObject(receiver) else { return false }
            finishCall(try atomicFuel { () throws(Trap) -> Value in try pop(from: l, at: .int(-1)) }, at: receiverSlot)
            return true
        default:
            // The string methods of agent code, in their usual positional forms.
            guard let s = stringBytes(receiver),
                let r = try fastStringMethod(name, s, receiverSlot: receiverSlot, arguments: shape.positional)
            else { return false }
            finishCall(r, at: receiverSlot)
            return true
        }
    }

    /// A string method call of one of the forms below, or nil for anything else. Each calls
    /// the work the general path calls once it has bound the same arguments, under
    /// `atomicFuel` as `invokeMethod` runs every method.
    @inline(__always) private func fastStringMethod(_ name: MethodName, _ s: [UInt8], receiverSlot: Int, arguments: Int) throws(Trap) -> Value? {
        let first = arguments >= 1 ? stack[receiverSlot + 1] : .none
        switch (name, arguments) {
        case (.lower, 0), (.upper, 0), (.capitalize, 0), (.title, 0):
            return try atomicFuel { () throws(Trap) -> Value in try changeCaseMethod(s, name) }
        case (.strip, 0), (.lstrip, 0), (.rstrip, 0):
            return try atomicFuel { () throws(Trap) -> Value in try strip(s, name, chars: nil) }
        case (.split, 0), (.split, 1), (.rsplit, 0), (.rsplit, 1):
            return try atomicFuel { () throws(Trap) -> Value in
                try split(s, separator: arguments == 1 ? first : nil, maxsplit: -1, reverse: name == .rsplit)
            }
        case (.startswith, 1), (.endswith, 1):
            return try atomicFuel { () throws(Trap) -> Value in try startsOrEndsWith(s[...], first, suffix: name == .endswith) }
        case (.find, 1), (.rfind, 1), (.index, 1), (.rindex, 1), (.count, 1):
            guard let sub = stringBytes(first) else { return nil }
            return try atomicFuel { () throws(Trap) -> Value in try find(sub, in: s, from: 0, to: s.count, name) }
        case (.replace, 2):
            guard let old = stringBytes(first), let new = stringBytes(stack[receiverSlot + 2]) else { return nil }
            return try atomicFuel { () throws(Trap) -> Value in try replace(old, with: new, in: s, limit: Int.max) }
        case (.join, 1):
            return try atomicFuel { () throws(Trap) -> Value in try join(s, first) }
        default:
            return nil
        }
    }

    /// A builtin call at `calleeSlot` finished here: the result is in `calleeSlot`.
    @inline(__always) func fastBuiltinCall(_ builtin: Builtin, calleeSlot: Int, shape: CallShape) -> Bool {
        guard builtin == .len, shape.isPositionalOnly, shape.positional == 1 else { return false }
        // `builtinLen` without its error: a value with no length takes the general path.
        guard let n = length(of: stack[calleeSlot + 1]) else { return false }
        finishCall(.int(n), at: calleeSlot)
        return true
    }

    @inline(__always) private func finishCall(_ result: Value, at slot: Int) {
        stack[slot] = result
        sp = slot + 1
    }
}
