import CFFI
import CorralHost
import CorralVM
import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The native functions a policy's `native` grant names, bound once: each library opened, each
/// symbol found, each call interface prepared by libffi. Binding happens at link time, so a
/// bad path, a missing symbol or an unsupported signature stops the run before it starts.
///
/// Calls run on a queue of their own, never on Swift's cooperative thread pool, so a slow
/// plugin holds one of its threads rather than the pool's. Native code is trusted by the
/// operator who wrote the policy; the pod's limits are the wall if it misbehaves.
public final class NativePlugins: NativeCalls, @unchecked Sendable {
    // @unchecked: both fields are set once in init and only read afterwards; the library
    // handles are closed in deinit, when no call can be running.
    private let functions: [String: BoundFunction]
    private let libraries: [UnsafeMutableRawPointer]

    private static let queue = DispatchQueue(label: "corral.native", attributes: .concurrent)

    /// Binds every function of `bindings`; library paths that are not absolute are read from
    /// `directory` (the policy's own folder).
    public init(bindings: [String: NativeBinding], directory: String) throws(NativeBindError) {
        var opened: [String: UnsafeMutableRawPointer] = [:]
        var functions: [String: BoundFunction] = [:]
        do throws(NativeBindError) {
            for (name, binding) in bindings.sorted(by: { $0.key < $1.key }) {
                let path = binding.library.hasPrefix("/") ? binding.library : "\(directory)/\(binding.library)"
                let handle: UnsafeMutableRawPointer
                if let h = opened[path] {
                    handle = h
                } else {
                    guard let h = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
                        throw NativeBindError("native.\(name): cannot open \(path): \(String(cString: dlerror()))")
                    }
                    opened[path] = h
                    handle = h
                }
                functions[name] = try BoundFunction(name: name, binding: binding, library: handle)
            }
        } catch {
            for h in opened.values { dlclose(h) }
            throw error
        }
        self.functions = functions
        libraries = Array(opened.values)
    }

    deinit {
        for h in libraries { dlclose(h) }
    }

    public func call(_ function: String, _ arguments: [HostValue]) async throws -> HostValue {
        guard let f = functions[function] else { throw HostError("no native function \(function) is bound") }
        let values = try f.marshal(arguments)
        return try await withCheckedThrowingContinuation { continuation in
            NativePlugins.queue.async {
                continuation.resume(with: Result { try f.invoke(values) })
            }
        }
    }
}

/// An argument converted for C: a number, or a string copied with malloc for the call.
enum NativeArgument: Sendable {
    case int64(Int64), int32(Int32), double(Double), bool(Bool), string(String)
}

/// One bound native function: its symbol and prepared call interface.
final class BoundFunction: @unchecked Sendable {
    // @unchecked: every field is set once in init; `cif` and `argumentTypes` are only read by
    // ffi_call after ffi_prep_cif filled them, so concurrent calls share them safely.
    let name: String
    let signature: NativeSignature
    let symbol: UnsafeMutableRawPointer
    let freeString: UnsafeMutableRawPointer?
    let cif: UnsafeMutablePointer<ffi_cif>
    let argumentTypes: UnsafeMutablePointer<UnsafeMutablePointer<ffi_type>?>

    init(name: String, binding: NativeBinding, library: UnsafeMutableRawPointer) throws(NativeBindError) {
        self.name = name
        switch NativeSignature.parse(binding.signature) {
        case .success(let s): signature = s
        case .failure(let e): throw NativeBindError("native.\(name): \(e.message)")
        }
        guard let sym = dlsym(library, binding.symbol) else {
            throw NativeBindError("native.\(name): no symbol \(binding.symbol) in \(binding.library)")
        }
        symbol = sym
        if signature.result == .string {
            guard let freeName = binding.free else {
                throw NativeBindError("native.\(name): a string result needs \"free\", the function that frees it")
            }
            guard let f = dlsym(library, freeName) else {
                throw NativeBindError("native.\(name): no symbol \(freeName) in \(binding.library)")
            }
            freeString = f
        } else {
            freeString = nil
        }
        cif = .allocate(capacity: 1)
        argumentTypes = .allocate(capacity: max(signature.parameters.count, 1))
        for (i, t) in signature.parameters.enumerated() { argumentTypes[i] = BoundFunction.ffiType(t) }
        // ffi_prep_cif keeps `argumentTypes` and the type descriptors; both outlive the cif.
        let status = ffi_prep_cif(
            cif, FFI_DEFAULT_ABI, UInt32(signature.parameters.count), BoundFunction.ffiType(signature.result), argumentTypes)
        guard status == FFI_OK else {
            cif.deallocate()
            argumentTypes.deallocate()
            throw NativeBindError("native.\(name): libffi cannot prepare \(signature) (status \(status.rawValue))")
        }
    }

    deinit {
        cif.deallocate()
        argumentTypes.deallocate()
    }

    static func ffiType(_ t: NativeSignature.CType) -> UnsafeMutablePointer<ffi_type> {
        switch t {
        case .int64: return corral_ffi_sint64()
        case .int32: return corral_ffi_sint32()
        case .double: return corral_ffi_double()
        case .bool: return corral_ffi_uint8()
        case .string: return corral_ffi_pointer()
        case .void: return corral_ffi_void()
        }
    }

    /// The agent's arguments checked against the signature and converted.
    func marshal(_ arguments: [HostValue]) throws(HostError) -> [NativeArgument] {
        guard arguments.count == signature.parameters.count else {
            throw HostError("takes \(signature.parameters.count) arguments (\(signature)), got \(arguments.count)")
        }
        var out: [NativeArgument] = []
        for (i, (t, v)) in zip(signature.parameters, arguments).enumerated() {
            switch (t, v) {
            case (.int64, .int(let n)):
                guard let x = Int64(exactly: n) else { throw HostError("argument \(i + 1) does not fit in int64") }
                out.append(.int64(x))
            case (.int32, .int(let n)):
                guard let x = Int32(exactly: n) else { throw HostError("argument \(i + 1) does not fit in int32") }
                out.append(.int32(x))
            case (.double, .float(let d)): out.append(.double(d))
            case (.double, .int(let n)): out.append(.double(Double(n)))
            case (.bool, .bool(let b)): out.append(.bool(b))
            case (.string, .string(let s)):
                guard !s.utf8.contains(0) else { throw HostError("argument \(i + 1) contains a NUL byte") }
                out.append(.string(s))
            default:
                throw HostError("argument \(i + 1) must be \(t.rawValue) (\(signature))")
            }
        }
        return out
    }

    /// Calls the function. Each argument's storage is allocated here and freed after the call,
    /// so the pointers libffi reads stay valid for exactly as long as the call.
    func invoke(_ arguments: [NativeArgument]) throws -> HostValue {
        let n = arguments.count
        let storage = UnsafeMutableRawPointer.allocate(byteCount: max(n, 1) * 8, alignment: 8)
        let pointers = UnsafeMutablePointer<UnsafeMutableRawPointer?>.allocate(capacity: max(n, 1))
        var strings: [UnsafeMutablePointer<CChar>] = []
        defer {
            for s in strings { free(s) }
            pointers.deallocate()
            storage.deallocate()
        }
        for (i, a) in arguments.enumerated() {
            let slot = storage + 8 * i
            switch a {
            case .int64(let x): slot.storeBytes(of: x, as: Int64.self)
            case .int32(let x): slot.storeBytes(of: x, as: Int32.self)
            case .double(let x): slot.storeBytes(of: x, as: Double.self)
            case .bool(let x): slot.storeBytes(of: x ? 1 : 0, as: UInt8.self)
            case .string(let s):
                guard let copy = strdup(s) else { throw HostError("out of memory copying a string argument") }
                strings.append(copy)
                slot.storeBytes(of: UnsafeRawPointer(copy), as: UnsafeRawPointer.self)
            }
            pointers[i] = slot
        }
        // libffi writes at least a full register (ffi_arg) for small integer results.
        var result: (UInt64, UInt64) = (0, 0)
        let fn = unsafeBitCast(symbol, to: (@convention(c) () -> Void).self)
        withUnsafeMutableBytes(of: &result) { r in
            ffi_call(cif, fn, r.baseAddress, pointers)
        }
        return try withUnsafeBytes(of: &result) { r throws -> HostValue in
            switch signature.result {
            case .void: return .none
            case .int64: return .int(Int(r.load(as: Int64.self)))
            case .int32: return .int(Int(Int32(truncatingIfNeeded: r.load(as: Int64.self))))
            case .double: return .float(r.load(as: Double.self))
            case .bool: return .bool(r.load(as: UInt8.self) != 0)
            case .string:
                guard let p = r.load(as: UnsafeMutablePointer<CChar>?.self) else { throw HostError("the plugin returned no string") }
                let text = String(cString: p)
                // The plugin allocated it; its own free function gives it back.
                let release = unsafeBitCast(freeString!, to: (@convention(c) (UnsafeMutablePointer<CChar>?) -> Void).self)
                release(p)
                return .string(text)
            }
        }
    }
}
