/// Sizes and durations as people write them, shared by the command line (`--memory 64MiB`,
/// `--timeout 2s`) and policies (`memory: 16MiB`, `timeout: 500ms`).
public enum ByteSize {
    /// Plain bytes, or a number with KB/MB/GB (powers of 1000) or K/KiB, M/MiB, G/GiB (powers
    /// of 1024); nil for anything else, negative or too large.
    public static func parse(_ text: String) -> Int? {
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
        return nil
    }

    public static let help = "use bytes or a unit such as 64MiB, 512KiB, 1GB"
}

extension Duration {
    /// The duration in milliseconds, for reports and the store.
    public var milliseconds: Double {
        let c = components
        return Double(c.seconds) * 1e3 + Double(c.attoseconds) / 1e15
    }
}

public enum DurationText {
    /// A positive number with ms, s, m or h; nil for anything else.
    public static func parse(_ text: String) -> Duration? {
        let units: [(String, Double)] = [("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            // "ms" also ends in "s": a number followed by "m" is not a number.
            guard let n = Double(number), n.isFinite, n > 0 else { continue }
            let seconds = n * scale
            guard seconds < 1e9 else { break }
            return .nanoseconds(Int64(seconds * 1e9))
        }
        return nil
    }

    public static let help = "use a positive number with ms, s, m or h, such as 500ms or 2s"
}
