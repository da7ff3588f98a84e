import VGGCommon
import Foundation
import VGGModel

/// A weights file of either format vggbatch reads, opened and checked: safetensors
/// (torchvision or timm names) or Keras HDF5, told apart by the file's first bytes. An HDF5
/// file is used through its converted copy (see `KerasConversion`).
public enum OpenedWeights {
    case safetensors(SafetensorsWeights)
    /// The HDF5 file the user named, and the safetensors copy converted from it.
    case keras(original: String, converted: SafetensorsWeights)

    /// `environment` finds the converter and its cache for an HDF5 file.
    public static func open(_ path: String, environment: [String: String]) throws(ModelError) -> OpenedWeights {
        guard KerasConversionRecord.isHDF5(path: path) else { return .safetensors(try SafetensorsWeights(path: path)) }
        return .keras(original: path, converted: try KerasConversion.converted(path: path, environment: environment))
    }

    /// The safetensors weights the engine reads (for HDF5, the converted copy).
    public var source: SafetensorsWeights {
        switch self {
        case .safetensors(let weights): return weights
        case .keras(_, let converted): return converted
        }
    }

    public var path: String {
        switch self {
        case .safetensors(let weights): return weights.file.path
        case .keras(let original, _): return original
        }
    }

    public var layout: WeightLayout {
        switch self {
        case .safetensors(let weights): return weights.layout
        case .keras: return .keras
        }
    }

    public var architecture: VGGArchitecture { source.architecture }

    /// Parameters in the file.
    public var parameterCount: Int { source.architecture.parameterCount }

    /// (name, type, shape) of every array: by name for safetensors, in file order for HDF5
    /// (as the converter recorded them).
    public var tensorTable: [(name: String, dtype: String, shape: [Int])] {
        let file = source.file
        if case .keras = self, let datasets = KerasConversionRecord.datasets(recordedIn: file) {
            return datasets.sorted { TensorNames.inNetworkOrder($0.name, $1.name) }.map { ($0.name, "float", $0.shape) }
        }
        return file.tensorNames.sorted(by: TensorNames.inNetworkOrder).compactMap { name in file.tensors[name].map { (name, $0.dtype, $0.shape) } }
    }

    /// The file's metadata; for HDF5, its root attributes (`keras_version`, `backend`).
    public var metadata: [String: String] {
        switch self {
        case .safetensors(let weights): return weights.file.metadata
        case .keras(_, let converted): return KerasConversionRecord.attributes(recordedIn: converted.file)
        }
    }
}
