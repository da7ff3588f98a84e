import VGGCommon

/// A uniform sample of up to `capacity` rows of a stream of vectors (reservoir sampling),
/// with their ids and whether each image is ok: what a build trains on and a check queries
/// with, whatever the size of the index, in one pass.
struct VectorReservoir {
    let capacity: Int
    let dimension: Int
    private(set) var ids = [Int64]()
    private(set) var ok = [Bool]()
    /// Row-major, `dimension` floats a row.
    private(set) var vectors = [Float]()
    /// Its random numbers, for the caller to go on drawing from.
    private(set) var random: SplitMix64
    private var seen = 0

    init(capacity: Int, dimension: Int, random: SplitMix64) {
        self.capacity = capacity
        self.dimension = dimension
        self.random = random
        vectors.reserveCapacity(capacity * dimension)
    }

    /// Offers row `row` of a chunk (`vectors` row-major).
    mutating func offer(id: Int64, ok isOK: Bool, row: Int, of chunk: [Float]) {
        seen += 1
        let slot: Int
        if ids.count < capacity {
            slot = ids.count
            ids.append(id)
            ok.append(isOK)
            vectors.append(contentsOf: repeatElement(0, count: dimension))
        } else {
            let pick = Int(random.next() % UInt64(seen))
            guard pick < capacity else { return }
            slot = pick
            ids[slot] = id
            ok[slot] = isOK
        }
        vectors.replaceSubrange((slot * dimension)..<((slot + 1) * dimension), with: chunk[(row * dimension)..<((row + 1) * dimension)])
    }
}
