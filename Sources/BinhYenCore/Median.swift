/// The middle of a list of whole numbers (the mean of the two middle ones when their count is
/// even, rounded down), or nil for an empty list.
public func median(_ values: [Int]) -> Int? {
    guard !values.isEmpty else { return nil }
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}
