import ArgumentParser

/// `--memory` values: plain bytes or a number with KB/MB/GB (powers of 1000) or
/// K/KiB, M/MiB, G/GiB (powers of 1024).
enum ByteSize {
    static func parse(_ text: String) throws -> Int {
        let units: [(String, Int)] = [
            ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("KB", 1_000), ("MB", 1_000_000),
            ("GB", 1_000_000_000), ("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30), ("B", 1),
        ]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            guard let n = Int(number), n >= 0 else { break }
            let (v, o) = n.multipliedReportingOverflow(by: scale)
            guard !o else { break }
            return v
        }
        if let n = Int(text), n >= 0 { return n }
        throw ValidationError("invalid size \"\(text)\": use bytes or a unit such as 64MiB, 512KiB, 1GB")
    }
}

/// `--timeout` values: a number with ms, s, m or h.
enum DurationText {
    static func parse(_ text: String) throws -> Duration {
        let units: [(String, Double)] = [("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            // "ms" also ends in "s": a number followed by "m" is not a number.
            guard let n = Double(number), n.isFinite, n > 0 else { continue }
            let seconds = n * scale
            guard seconds < 1e9 else { break }
            return .nanoseconds(Int64(seconds * 1e9))
        }
        throw ValidationError("invalid duration \"\(text)\": use a positive number with ms, s, m or h, such as 500ms or 2s")
    }
}
