/// A trap's backtrace as printed: one line per frame, except that a run of identical frames
/// (runaway recursion) shows its first three and then how many more there were, as Python
/// does, so a stack overflow at depth 10,000 is a few lines rather than 10,000.
enum BacktraceLines {
    static let shownOfARun = 3

    static func lines(_ frames: [String]) -> [String] {
        var out: [String] = []
        var i = 0
        while i < frames.count {
            var j = i
            while j < frames.count && frames[j] == frames[i] { j += 1 }
            let run = j - i
            out.append(contentsOf: repeatElement(frames[i], count: min(run, shownOfARun)))
            if run > shownOfARun { out.append("  … \(run - shownOfARun) more calls of the same frame") }
            i = j
        }
        return out
    }
}
