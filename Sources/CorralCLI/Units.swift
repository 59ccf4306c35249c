import ArgumentParser
import CorralHost

/// `--memory` values, in the units of `CorralHost.ByteSize`.
enum ByteSizeOption {
    static func parse(_ text: String) throws -> Int {
        guard let n = ByteSize.parse(text) else { throw ValidationError("invalid size \"\(text)\": \(ByteSize.help)") }
        return n
    }
}

/// `--timeout` values, in the units of `CorralHost.DurationText`.
enum DurationOption {
    static func parse(_ text: String) throws -> Duration {
        guard let d = DurationText.parse(text) else { throw ValidationError("invalid duration \"\(text)\": \(DurationText.help)") }
        return d
    }
}
