import VGGIndexTypes
import VGGCommon
import ArgumentParser
import Foundation
import VGGEngine
import VGGInference
import VGGModel
import VGGQuery

extension VGGBatch {
    /// `vggbatch bench`: engine-only throughput at full VGG16 size.
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure engine throughput on random input at full VGG16 size.",
            discussion: """
                Runs one warm-up batch, checks the outputs are finite and that a lone image \
                gives bit-identical results to the same image inside the batch, then times \
                --iterations batches and reports the median, with the instruction set the kernels \
                use (--isa, or $VGGBATCH_ISA, else the fastest this CPU runs). --json prints \
                {"images_per_second", "ms_per_image", "gflops", "batch_size", "threads", \
                "instruction_set", "cpu", "precision", "peak_rss_bytes"}. --precision chooses the arithmetic \
                (auto: bf16 where the CPU has AVX512_BF16, else f32). Use a release build (swift build -c release).
                """)

        @Option(help: ArgumentHelp("VGG16 weights (safetensors); default: the usual weights search.", valueName: "path"))
        var weights: String?

        @Flag(help: "Use seeded random weights instead of a file (same speed as real weights).")
        var randomWeights = false

        @Option(parsing: .unconditional, help: "Seed for --random-weights.")
        var seed: UInt64 = 1

        @OptionGroup var engine: EngineArguments

        @Option(parsing: .unconditional, help: "Timed batches after the warm-up.")
        var iterations = 5

        @Flag(help: "Print one JSON object.")
        var json = false

        @Flag(help: "Also report each layer's mean time per image and GFLOP/s.")
        var layers = false

        @Option(help: "Instruction set of the kernels: avx512-bf16, avx512, avx2, avx512-on-avx2 or portable (default: $VGGBATCH_ISA, else the fastest this CPU runs).")
        var isa: String?

        func validate() throws {
            if randomWeights && weights != nil { throw ValidationError("Give --weights or --random-weights, not both.") }
            if let isa, KernelSet.InstructionSet(rawValue: isa.lowercased()) == nil {
                let known = KernelSet.InstructionSet.allCases.map(\.rawValue).joined(separator: ", ")
                throw ValidationError("--isa \(isa): expected one of \(known).")
            }
            if !(1...10_000).contains(iterations) { throw ValidationError("--iterations must be 1...10000, got \(iterations).") }
        }

        func run() throws {
            let options = try engine.options(isa: isa)
            let network: VGGNetwork
            if randomWeights {
                do throws(ModelError) {
                    network = try VGGNetwork(source: RandomWeights(architecture: .vgg16, seed: seed), options: options)
                } catch {
                    throw CommandFailure(error.reason)
                }
            } else {
                network = try ModelOptions.load(WeightsRequest(path: weights), engine: options).network
            }
            let result: EngineBenchmark.Result
            do throws(InferenceError) {
                result = try EngineBenchmark(network: network, batch: engine.batchSize, iterations: iterations).run()
            } catch {
                throw error.failure
            }
            if json {
                var fields = [
                    ("images_per_second", "\(result.imagesPerSecond)"), ("ms_per_image", "\(result.millisecondsPerImage)"),
                    ("gflops", "\(result.gflops)"), ("batch_size", "\(engine.batchSize)"), ("threads", "\(engine.threadCount)"),
                    ("instruction_set", JSONText.string(options.kernels.instructionSet.rawValue)), ("cpu", JSONText.string(CPU.name)),
                    ("precision", JSONText.string(options.precision.rawValue)),
                    ("peak_rss_bytes", "\(result.peakResidentBytes)"),
                ]
                if layers {
                    fields.append(("layers", JSONText.array(result.layers.map {
                        JSONText.object([("name", JSONText.string($0.name)), ("ms_per_image", "\($0.millisecondsPerImage)"), ("gflops", "\($0.gflops)")])
                    })))
                }
                print(JSONText.object(fields))
            } else {
                print("kernels: \(options.kernels) on \(CPU.name.isEmpty ? "this CPU" : CPU.name); precision \(options.precision.rawValue)")
                if layers {
                    for layer in result.layers {
                        print(String(format: "  %-8@ %8.2f ms/image %8.1f GFLOP/s", layer.name as NSString, layer.millisecondsPerImage, layer.gflops))
                    }
                }
                print(String(
                    format: "batch %d, %d threads: %.2f images/s, %.1f ms/image, %.1f GFLOP/s, peak RSS %.0f MB (median of %d)",
                    engine.batchSize, engine.threadCount, result.imagesPerSecond, result.millisecondsPerImage, result.gflops,
                    Double(result.peakResidentBytes) / 1e6, iterations))
            }
        }
    }
}
