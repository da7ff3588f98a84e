/// A row with a score (an exact cosine or an upper bound on one).
struct RankedRow {
    var score: Double
    var row: Int

    /// Whether `self` ranks before `other`: higher score first, then lower row. Callers
    /// order rows by path, so equal scores come out in path order.
    @inline(__always)
    func precedes(_ other: RankedRow) -> Bool {
        score > other.score || (score == other.score && row < other.row)
    }
}

/// The best `capacity` rows seen so far, as a binary heap with the worst kept at the root,
/// so that a new row is compared with the current last place in O(1) and inserted in
/// O(log capacity).
struct RankedHeap {
    let capacity: Int
    private(set) var elements: [RankedRow] = []

    init(capacity: Int) {
        precondition(capacity >= 1, "a heap of the best rows needs room for one")
        self.capacity = capacity
    }

    var isFull: Bool { elements.count == capacity }

    /// The row in last place (only meaningful when the heap is not empty).
    var worst: RankedRow? { elements.first }

    /// Offers a row; it is kept if there is room or it precedes the current last place.
    mutating func offer(_ candidate: RankedRow) {
        if elements.count < capacity {
            elements.append(candidate)
            siftUp(elements.count - 1)
        } else if candidate.precedes(elements[0]) {
            elements[0] = candidate
            siftDown(0)
        }
    }

    /// The kept rows, best first.
    func sortedBestFirst() -> [RankedRow] {
        elements.sorted { $0.precedes($1) }
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            // The root must be the worst: a parent that precedes its child swaps down.
            guard elements[parent].precedes(elements[child]) else { return }
            elements.swapAt(parent, child)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            var worst = parent
            let left = 2 * parent + 1
            let right = left + 1
            if left < elements.count && elements[worst].precedes(elements[left]) { worst = left }
            if right < elements.count && elements[worst].precedes(elements[right]) { worst = right }
            if worst == parent { return }
            elements.swapAt(parent, worst)
            parent = worst
        }
    }
}
