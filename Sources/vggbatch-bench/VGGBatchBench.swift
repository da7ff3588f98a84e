import ArgumentParser
import Foundation
import VGGEngine

/// Release-build benchmarks. Each checks its results before timing them and prints
/// medians; figures go into `Benchmarks/README.md` with the machine and date.
@main
struct VGGBatchBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vggbatch-bench",
        abstract: "Benchmarks for vggbatch (run in release builds: swift run -c release vggbatch-bench ...).",
        subcommands: [ImagingBenchmark.self, PrepareCommand.self, ForwardCommand.self, KernelCommand.self, LayersCommand.self, SearchBenchmark.self, QueueBenchmark.self]
    )
}

/// `--isa`: the kernel set a benchmark runs.
struct KernelOptions: ParsableArguments {
    @Option(help: "Instruction set: avx512, avx2, avx512-on-avx2 or portable (default: $VGGBATCH_ISA, else the best this CPU runs).")
    var isa: String?

    func kernels() throws -> KernelSet {
        var environment = ProcessInfo.processInfo.environment
        if let isa { environment[KernelSet.environmentVariable] = isa }
        do throws(EngineError) {
            return try KernelSet.fromEnvironment(environment)
        } catch {
            throw ValidationError(error.description)
        }
    }
}
