import VGGIndexTypes
import Foundation
import VGGPipeline

/// Ctrl-C (SIGINT), SIGTERM and SIGHUP: the first asks the scan to stop after the batch in
/// flight; a second exits at once (the index stays consistent: it is transactional), after
/// `beforeExit` has recorded the run as interrupted.
final class InterruptHandler: @unchecked Sendable {
    private static let signals = [SIGINT, SIGTERM, SIGHUP]
    private var sources: [DispatchSourceSignal] = []
    private let lock = NSLock()
    private var recordInterruption: (@Sendable () -> Void)?

    init(cancellation: CancellationFlag, onFirst: @escaping () -> Void) {
        // One queue for every signal, so two arriving together are handled in turn.
        let queue = DispatchQueue(label: "vggbatch-signals")
        for signalNumber in Self.signals {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
            source.setEventHandler { [self] in
                // Signals that arrive before the handler runs are merged into one event;
                // `data` says how many there were.
                if cancellation.isCancelled || source.data > 1 {
                    lock.lock()
                    let record = recordInterruption
                    lock.unlock()
                    record?()
                    exit(130)
                }
                cancellation.cancel()
                onFirst()
            }
            source.resume()
            sources.append(source)
        }
    }

    /// What a second signal runs before exiting: records the run as interrupted.
    func setRecorder(_ record: @escaping @Sendable () -> Void) {
        lock.lock()
        recordInterruption = record
        lock.unlock()
    }

    func restore() {
        for source in sources { source.cancel() }
        for signalNumber in Self.signals { signal(signalNumber, SIG_DFL) }
    }
}
