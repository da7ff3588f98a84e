import CVGGKernels
import Foundation

/// The kernels of one instruction set, chosen at run time from what the CPU supports.
///
/// The innermost loops (GEMM microkernels, Winograd transforms, packing, half widening, the
/// search's dot products) are C functions compiled once per instruction set with clang
/// target attributes (`CVGGKernels`); everything else is Swift built for the baseline, so a
/// CPU never meets an instruction it lacks. Layouts follow the set's widths: channel blocks
/// of `lanes`, GEMM tiles of `mr` × `nr`, so weights packed for one set are only run by it.
public struct KernelSet: @unchecked Sendable, Equatable, CustomStringConvertible {
    public enum InstructionSet: String, Sendable, CaseIterable {
        /// AVX-512 F/BW/VL/DQ with AVX512_BF16: the `avx512` kernels, and bfloat16 GEMMs on
        /// the CPU's own bfloat16 dot products (Zen 4 and later, Cooper Lake, Sapphire Rapids).
        case avx512BF16 = "avx512-bf16"
        /// AVX-512 F/BW/VL/DQ: 16-float vectors, 14 × 32 tiles in 32 zmm registers.
        case avx512
        /// AVX2 with FMA and F16C: 8-float vectors, 6 × 16 tiles.
        case avx2
        /// The AVX-512 code compiled for AVX2 (each 512-bit operation split in two): never
        /// chosen by default; it lets a machine without AVX-512 test the wide kernels.
        case avx512OnAVX2 = "avx512-on-avx2"
        /// The baseline of the architecture (SSE2 on x86-64, NEON on arm64): 4-float vectors,
        /// 6 × 8 tiles. Slow, correct everywhere.
        case portable
    }

    /// The environment variable that forces a set: `avx512-bf16`, `avx512`, `avx2`,
    /// `avx512-on-avx2` or `portable` (as `ONEDNN_MAX_CPU_ISA` does for oneDNN).
    public static let environmentVariable = "VGGBATCH_ISA"

    public let instructionSet: InstructionSet
    /// Safe: the tables are static constants of the C library.
    let table: UnsafePointer<vgg_kernels>

    /// Floats per vector: the channel block of the Winograd layout.
    public var lanes: Int { Int(table.pointee.lanes) }
    /// Rows of the GEMM register tile.
    public var mr: Int { Int(table.pointee.mr) }
    /// Columns of the GEMM register tile (B micro-panels are this wide).
    public var nr: Int { Int(table.pointee.nr) }

    /// The set, or nil when this CPU (or its operating system) cannot run it.
    public init?(_ instructionSet: InstructionSet) {
        let table: UnsafePointer<vgg_kernels>?
        switch instructionSet {
        case .avx512BF16: table = vgg_kernels_avx512_bf16()
        case .avx512: table = vgg_kernels_avx512()
        case .avx2: table = vgg_kernels_avx2()
        case .avx512OnAVX2: table = vgg_kernels_avx512_on_avx2()
        case .portable: table = vgg_kernels_portable()
        }
        guard let table else { return nil }
        self.instructionSet = instructionSet
        self.table = table
    }

    /// Every set this CPU can run, fastest first (the AVX-512-on-AVX2 test build last).
    public static var available: [KernelSet] {
        [.avx512BF16, .avx512, .avx2, .portable, .avx512OnAVX2].compactMap { KernelSet($0) }
    }

    /// Whether the bfloat16 kernels use the CPU's own bfloat16 dot products; elsewhere they
    /// widen each value to float (the same answers to the last bit of a sum, at float speed).
    public var hasNativeBF16: Bool { table.pointee.bf16_native != 0 }

    /// The fastest set this CPU can run.
    public static let best: KernelSet = {
        guard let best = available.first else { preconditionFailure("the portable kernels are always available") }
        return best
    }()

    /// The set `VGGBATCH_ISA` names, or the best one when it is unset or empty.
    public static func fromEnvironment(_ environment: [String: String]) throws(EngineError) -> KernelSet {
        guard let name = environment[environmentVariable], !name.isEmpty else { return best }
        guard let wanted = InstructionSet(rawValue: name.lowercased()) else {
            throw .unknownInstructionSet(name: name, known: InstructionSet.allCases.map(\.rawValue))
        }
        guard let set = KernelSet(wanted) else {
            throw .unsupportedInstructionSet(name: wanted.rawValue, cpu: CPU.name, available: available.map(\.instructionSet.rawValue))
        }
        return set
    }

    /// What `EngineOptions` uses unless told: the set `VGGBATCH_ISA` names (when this CPU
    /// can run it), else the best one.
    public static let `default`: KernelSet = (try? fromEnvironment(ProcessInfo.processInfo.environment)) ?? best

    /// "avx512 (16 lanes, 14×32 GEMM tiles)".
    public var description: String { "\(instructionSet.rawValue) (\(lanes) lanes, \(mr)×\(nr) GEMM tiles)" }
}

/// The processor the program runs on.
public enum CPU {
    /// Its brand string ("" where the architecture has none).
    public static var name: String { String(cString: vgg_cpu_name()) }
}

/// Why the engine cannot run as asked.
public enum EngineError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `VGGBATCH_ISA` (or `--isa`) names no instruction set.
    case unknownInstructionSet(name: String, known: [String])
    /// The instruction set exists, but this CPU or its operating system cannot run it.
    case unsupportedInstructionSet(name: String, cpu: String, available: [String])

    public var description: String {
        switch self {
        case .unknownInstructionSet(let name, let known):
            return "unknown instruction set \"\(name)\" (\(KernelSet.environmentVariable) takes \(known.joined(separator: ", ")))"
        case .unsupportedInstructionSet(let name, let cpu, let available):
            return "this CPU (\(cpu.isEmpty ? "unknown" : cpu)) cannot run the \(name) kernels; it can run \(available.joined(separator: ", "))"
        }
    }
}
