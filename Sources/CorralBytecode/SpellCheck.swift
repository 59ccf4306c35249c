/// "Did you mean …?" for undefined names (the compiler) and missing fields (the VM): the candidate closest to `name` by edit distance,
/// ignoring case and underscores, if it is within half the name's length (as in the Go
/// implementation), ties going to the alphabetically first.
public func nearestName(to name: String, in candidates: some Sequence<String>) -> String? {
    func fold(_ s: String) -> [Character] { s.lowercased().filter { $0 != "_" } }
    let x = fold(name)
    var best: String?
    var bestDistance = (x.count + 1) / 2
    for candidate in Set(candidates).sorted() where candidate != name {
        let d = editDistance(x, fold(candidate), limit: bestDistance)
        if d < bestDistance {
            bestDistance = d
            best = candidate
        }
    }
    return best
}

/// Levenshtein distance, or anything ≥ `limit` once it is known to reach it.
public func editDistance(_ a: [Character], _ b: [Character], limit: Int) -> Int {
    if abs(a.count - b.count) >= limit { return limit }
    var previous = Array(0...b.count)
    var current = previous
    for i in 1...max(a.count, 1) where !a.isEmpty {
        current[0] = i
        var rowMin = current[0]
        for j in stride(from: 1, through: b.count, by: 1) {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            rowMin = min(rowMin, current[j])
        }
        if rowMin >= limit { return limit }
        swap(&previous, &current)
    }
    return a.isEmpty ? b.count : previous[b.count]
}
