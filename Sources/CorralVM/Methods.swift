// STUB: to be implemented (helper).

/// Every method name the VM knows, across all types; `attr`/`call.attr` names resolve to one
/// of these when a module is validated.
enum MethodName: String, CaseIterable {
    case append
}

/// A builtin method of a particular receiver type.
enum Method {
    case listAppend

    /// The method `name` on `receiver`, if its type has one.
    static func lookup(_ name: MethodName, on sandbox: Sandbox, _ receiver: Value) -> Method? {
        switch name {
        case .append:
            guard case .ref(let slot) = receiver, sandbox.heap.object(slot).kind == .list else { return nil }
            return .listAppend
        }
    }
}

extension Sandbox {
    func invokeMethod(_ method: Method, receiver: Value, _ args: Arguments) throws(Trap) -> Value {
        switch method {
        case .listAppend:
            guard args.positional.count == 1, args.named.isEmpty else {
                throw Trap.runtime("append: got \(args.positional.count) arguments, want 1")
            }
            try listPush(receiver, args.positional[0])
            return .none
        }
    }
}
