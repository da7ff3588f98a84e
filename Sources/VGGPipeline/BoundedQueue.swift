import VGGIndexTypes
import Foundation

/// A first-in first-out queue of fixed capacity shared by pipeline stages: `put` blocks
/// while it is full (back-pressure keeps memory flat however large the tree), `take`
/// blocks while it is empty, and `close` wakes everyone once producers are done.
final class BoundedQueue<Element> {
    private let condition = NSCondition()
    private var items: [Element] = []
    private var head = 0
    private let capacity: Int
    private var closed = false

    init(capacity: Int) {
        precondition(capacity > 0, "a queue needs room for one item")
        self.capacity = capacity
    }

    /// Appends `item`, waiting for room. Returns false (dropping the item) once closed.
    @discardableResult
    func put(_ item: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count - head >= capacity && !closed { condition.wait() }
        if closed { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    /// The oldest item, waiting for one; nil once the queue is closed and drained.
    func take() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while head == items.count && !closed { condition.wait() }
        return popLocked()
    }

    /// The oldest item if one is there now, else nil without waiting.
    func poll() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        return popLocked()
    }

    /// Waits until an item is available or the queue is closed; true if an item is there.
    func waitForItem(timeout: TimeInterval) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while head == items.count && !closed {
            if !condition.wait(until: deadline) { break }
        }
        return head < items.count
    }

    /// No more items will be put; waiting takers drain what is left, then get nil.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    var isClosedAndEmpty: Bool {
        condition.lock()
        defer { condition.unlock() }
        return closed && head == items.count
    }

    private func popLocked() -> Element? {
        guard head < items.count else { return nil }
        let item = items[head]
        head += 1
        if head > 64 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        condition.broadcast()
        return item
    }
}
