/// The commonest calls of agent code, served straight from the stack: `xs.append(x)`,
/// `d.get(k)`, `d.get(k, default)` and `len(x)`.
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
        default:
            return false
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
