import ArgumentParser

/// Release-build benchmarks. Each checks its results before timing them and prints
/// medians; figures go into `Benchmarks/README.md` with the machine and date.
@main
struct VGGBatchBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vggbatch-bench",
        abstract: "Benchmarks for vggbatch (run in release builds: swift run -c release vggbatch-bench ...).",
        subcommands: [ImagingBenchmark.self, ForwardCommand.self, KernelCommand.self, LayersCommand.self, SearchBenchmark.self]
    )
}
