/// Every method name the VM knows, across all types; `attr`/`call.attr` names resolve to one
/// of these when a module is validated.
enum MethodName: String, CaseIterable {
    // list (some shared with dict and set)
    case append, extend, insert, pop, remove, clear, index
    // dict
    case get, keys, values, items, setdefault, update, popitem
    // set
    case add, discard, union
    // string
    case join, split, strip, lstrip, rstrip, startswith, endswith, find, replace, upper, lower
}

/// A builtin method of a particular receiver type. The raw value is `type.name`, which is
/// also how a bound method prints.
enum Method: String {
    case listAppend = "list.append", listExtend = "list.extend", listInsert = "list.insert"
    case listPop = "list.pop", listRemove = "list.remove", listClear = "list.clear", listIndex = "list.index"
    case dictGet = "dict.get", dictKeys = "dict.keys", dictValues = "dict.values", dictItems = "dict.items"
    case dictPop = "dict.pop", dictPopitem = "dict.popitem", dictSetdefault = "dict.setdefault"
    case dictUpdate = "dict.update", dictClear = "dict.clear"
    case setAdd = "set.add", setRemove = "set.remove", setDiscard = "set.discard", setUnion = "set.union"
    case setClear = "set.clear"
    case stringJoin = "string.join", stringSplit = "string.split", stringStrip = "string.strip"
    case stringLstrip = "string.lstrip", stringRstrip = "string.rstrip", stringStartswith = "string.startswith"
    case stringEndswith = "string.endswith", stringFind = "string.find", stringReplace = "string.replace"
    case stringUpper = "string.upper", stringLower = "string.lower"

    /// The method's name without its type (`append`).
    var name: String { String(rawValue.split(separator: ".").last ?? "") }

    /// The method `name` on `receiver`, if its type has one.
    static func lookup(_ name: MethodName, on sandbox: Sandbox, _ receiver: Value) -> Method? {
        guard let kind = sandbox.kind(receiver) else { return nil }
        return method(name, kind: kind)
    }

    /// A plain switch, not a string lookup: `call.attr` resolves a method on every call.
    private static func method(_ name: MethodName, kind: ObjectKind) -> Method? {
        switch kind {
        case .list:
            switch name {
            case .append: return .listAppend
            case .extend: return .listExtend
            case .insert: return .listInsert
            case .pop: return .listPop
            case .remove: return .listRemove
            case .clear: return .listClear
            case .index: return .listIndex
            default: return nil
            }
        case .dict:
            switch name {
            case .get: return .dictGet
            case .keys: return .dictKeys
            case .values: return .dictValues
            case .items: return .dictItems
            case .pop: return .dictPop
            case .popitem: return .dictPopitem
            case .setdefault: return .dictSetdefault
            case .update: return .dictUpdate
            case .clear: return .dictClear
            default: return nil
            }
        case .set:
            switch name {
            case .add: return .setAdd
            case .remove: return .setRemove
            case .discard: return .setDiscard
            case .union: return .setUnion
            case .clear: return .setClear
            default: return nil
            }
        case .string:
            switch name {
            case .join: return .stringJoin
            case .split: return .stringSplit
            case .strip: return .stringStrip
            case .lstrip: return .stringLstrip
            case .rstrip: return .stringRstrip
            case .startswith: return .stringStartswith
            case .endswith: return .stringEndswith
            case .find: return .stringFind
            case .replace: return .stringReplace
            case .upper: return .stringUpper
            case .lower: return .stringLower
            default: return nil
            }
        default:
            return nil
        }
    }
}

/// Method calls. Each method charges fuel per element or per 8 bytes it touches before
/// mutating anything, reserves the memory it builds or grows by, and (for mutators) checks
/// that the receiver is neither frozen nor being iterated.
extension Sandbox {
    func invokeMethod(_ method: Method, receiver: Value, _ args: Arguments) throws(Trap) -> Value {
        try atomicFuel { () throws(Trap) -> Value in
            switch method {
            case .listAppend, .listExtend, .listInsert, .listPop, .listRemove, .listClear, .listIndex:
                guard let l = listObject(receiver) else { throw wrongReceiver(method, receiver) }
                return try listMethod(method, l, args)
            case .dictGet, .dictKeys, .dictValues, .dictItems, .dictPop, .dictPopitem, .dictSetdefault, .dictUpdate,
                .dictClear:
                guard let d = dictObject(receiver) else { throw wrongReceiver(method, receiver) }
                return try dictMethod(method, d, args)
            case .setAdd, .setRemove, .setDiscard, .setUnion, .setClear:
                guard let s = setObject(receiver) else { throw wrongReceiver(method, receiver) }
                return try setMethod(method, s, args)
            case .stringJoin, .stringSplit, .stringStrip, .stringLstrip, .stringRstrip, .stringStartswith,
                .stringEndswith, .stringFind, .stringReplace, .stringUpper, .stringLower:
                guard let s = stringBytes(receiver) else { throw wrongReceiver(method, receiver) }
                return try stringMethod(method, s, args)
            }
        }
    }

    private func wrongReceiver(_ method: Method, _ receiver: Value) -> Trap {
        Trap.runtime("\(method.rawValue) called on \(typeName(receiver))")
    }
}
