#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs compiler work on a thread of its own with a stack of `CompileLimits.stackBytes`.
///
/// The parser and the tree walkers recurse once per nesting level, and the nesting limit makes
/// that finite, but the stack it takes depends on frame sizes (a debug build needs several MB
/// for the deepest accepted program) while the caller's thread may have as little as 512 KiB
/// (a Swift concurrency or Dispatch thread on Darwin). Running on a thread whose stack we size
/// ourselves makes "never overflows the native stack" hold whatever thread compiles, as rustc
/// does. The stack is reserved address space; only the pages used are ever touched.
enum CompilerStack {
    /// Calls `body` on the compiler's thread and returns its result. If no thread can be made,
    /// `body` runs on the caller's thread.
    static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) -> T {
        let job = Job(body)
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setstacksize(&attributes, CompileLimits.stackBytes)
        // Unsafe: the job is retained here and released by the thread; the thread is joined
        // before this returns, so the result is written before it is read.
        let context = Unmanaged.passRetained(job as JobBase).toOpaque()
        #if canImport(Glibc)
        var thread = pthread_t()
        let started = pthread_create(&thread, &attributes, { Unmanaged<JobBase>.fromOpaque($0!).takeRetainedValue().run(); return nil }, context)
        #else
        var thread: pthread_t?
        let started = pthread_create(&thread, &attributes, { Unmanaged<JobBase>.fromOpaque($0).takeRetainedValue().run(); return nil }, context)
        #endif
        guard started == 0 else {
            Unmanaged<JobBase>.fromOpaque(context).release()
            return body()
        }
        #if canImport(Glibc)
        pthread_join(thread, nil)
        #else
        pthread_join(thread!, nil)
        #endif
        return job.result!
    }

    class JobBase: @unchecked Sendable {
        func run() {}
    }

    final class Job<T: Sendable>: JobBase, @unchecked Sendable {
        let body: @Sendable () -> T
        var result: T?
        init(_ body: @escaping @Sendable () -> T) { self.body = body }
        override func run() { result = body() }
    }
}
