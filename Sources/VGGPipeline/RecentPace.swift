/// The pace of a scan over its last half minute to minute of progress reports: images through
/// the network and files done per second, and the time left at that pace. What the live lines
/// show: the average since the start hides an idle worker, and a rescan that flew through its
/// unchanged files before the first new one would promise the rest at that speed.
public struct RecentPace: Sendable {
    private var reports: [(seconds: Double, inferred: Int, done: Int)] = []

    public init() {}

    /// Notes a report; returns the pace over the reports of the last 30 to 60 seconds (the
    /// whole run until there are 30 seconds of them).
    public mutating func note(_ p: ScanProgress) -> (imagesPerSecond: Double, filesPerSecond: Double) {
        reports.append((p.seconds, p.inferred, p.done))
        while let first = reports.first, p.seconds - first.seconds > 60 { reports.removeFirst() }
        let since = reports.last { p.seconds - $0.seconds >= 30 } ?? (seconds: 0, inferred: 0, done: 0)
        guard p.seconds > since.seconds else { return (0, 0) }
        let span = p.seconds - since.seconds
        return (Double(p.inferred - since.inferred) / span, Double(p.done - since.done) / span)
    }

    /// Seconds until every file found is done at `filesPerSecond`; nil while the walk goes on
    /// or nothing is being done.
    public static func secondsLeft(_ p: ScanProgress, filesPerSecond: Double) -> Double? {
        guard p.walkFinished, filesPerSecond > 0 else { return nil }
        return Double(max(0, p.discovered - p.done)) / filesPerSecond
    }
}
