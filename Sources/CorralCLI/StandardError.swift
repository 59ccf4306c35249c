#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Unbuffered writes to stderr without Foundation.
enum StandardError {
    static func write(_ s: String) {
        var s = s
        s.withUTF8 { buf in
            var rest = UnsafeRawBufferPointer(buf)
            while !rest.isEmpty {
                let n = Glibc.write(2, rest.baseAddress, rest.count)
                if n <= 0 { return }
                rest = UnsafeRawBufferPointer(rebasing: rest[n...])
            }
        }
    }
}
