import VGGKeras
import VGGModel

/// A weights file of either format vggbatch reads, opened and checked: safetensors
/// (torchvision or timm names) or Keras HDF5, told apart by the file's first bytes.
enum OpenedWeights {
    case safetensors(SafetensorsWeights)
    case keras(KerasWeights)

    static func open(_ path: String) throws(ModelError) -> OpenedWeights {
        KerasWeights.isHDF5(path: path) ? .keras(try KerasWeights(path: path)) : .safetensors(try SafetensorsWeights(path: path))
    }

    var source: any WeightSource {
        switch self {
        case .safetensors(let weights): return weights
        case .keras(let weights): return weights
        }
    }

    var path: String {
        switch self {
        case .safetensors(let weights): return weights.file.path
        case .keras(let weights): return weights.path
        }
    }

    var layout: WeightLayout {
        switch self {
        case .safetensors(let weights): return weights.layout
        case .keras: return .keras
        }
    }

    var architecture: VGGArchitecture { source.architecture }

    /// Parameters in the file.
    var parameterCount: Int {
        switch self {
        case .safetensors(let weights): return weights.architecture.parameterCount
        case .keras(let weights): return weights.parameterCount
        }
    }

    /// (name, type, shape) of every array, in file order for HDF5 and by name for safetensors.
    var tensorTable: [(name: String, dtype: String, shape: [Int])] {
        switch self {
        case .safetensors(let weights):
            return weights.file.tensorNames.compactMap { name in weights.file.tensors[name].map { (name, $0.dtype, $0.shape) } }
        case .keras(let weights):
            return weights.tensors.map { ($0.name, "float", $0.shape) }
        }
    }

    var metadata: [String: String] {
        switch self {
        case .safetensors(let weights): return weights.file.metadata
        case .keras(let weights): return weights.metadata
        }
    }
}
