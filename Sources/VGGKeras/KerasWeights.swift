import VGGCommon
import CHDF5Reader
import Foundation
import VGGModel

/// VGG16 weights in a Keras `save_weights` HDF5 file (the
/// `vgg16_weights_tf_dim_ordering_tf_kernels.h5` of the Keras applications, and its
/// `_notop` variant), converted to the engine's layout as each layer is asked for.
///
/// The file names its layers in the root attribute `layer_names` and each layer's arrays in
/// the layer group's attribute `weight_names` (Keras 2 writes `block1_conv1/kernel:0`, the
/// 2016 Keras 1 files `block1_conv1_W_1:0`; both are read the same way). Layers with
/// weights must be 13 convolutions, then either three Dense layers (fc1, fc2, predictions)
/// or none (`_notop`, whose network ends at pool5 and whose features are pool5 flattened). Convolution kernels are H×W×C×K (HWIO) and become K×C×3×3; Dense
/// kernels are inputs × outputs and become outputs × inputs, fc1's inputs reordered from
/// Keras' H,W,C flatten of pool5 to the engine's C,H,W. The architecture (widths, input
/// size, classes) is read from the shapes.
public final class KerasWeights: WeightSource, @unchecked Sendable {
    public let path: String
    public let architecture: VGGArchitecture
    /// Whether the file has the Dense layers (false for `_notop` files).
    public let hasClassifier: Bool
    /// Every array the loader uses: (dataset path, shape), convolutions first.
    public let tensors: [(name: String, shape: [Int])]
    /// Root attributes describing the writer (`keras_version`, `backend`), when present.
    public let metadata: [String: String]

    private let file: Int64
    private let lock = NSLock()
    private var convolutionPaths: [(kernel: String, bias: String)] = []
    private var densePaths: [(kernel: String, bias: String)] = []

    /// Opens and checks the file: layer structure, shapes and float types, without reading
    /// the weights themselves.
    public init(path: String) throws(ModelError) {
        self.path = path
        var reason = [CChar](repeating: 0, count: 256)
        let handle = vgg_h5_open(path, &reason, reason.count)
        guard handle >= 0 else { throw .invalidFile(path: path, reason: String(decoding: reason.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)) }
        file = handle
        do {
            let fileSize = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
            guard let layerNames = try Self.strings(handle, "/", "layer_names", path: path) else {
                throw ModelError.invalidFile(path: path, reason: "no layer_names attribute: not a Keras weights file")
            }
            var metadata = [String: String]()
            for key in ["keras_version", "backend"] {
                // Descriptive only, and often variable-length (h5py 3 writes `bytes` so), which is not
                // read: such a value is left out rather than refused.
                if let value = (try? Self.strings(handle, "/", key, path: path))??.first { metadata[key] = value }
            }
            self.metadata = metadata
            let layers = try Self.layers(handle, names: layerNames, fileSize: fileSize, path: path)
            let convolutions = layers.prefix { $0.kernel.shape.count == 4 }
            let dense = layers.dropFirst(convolutions.count)
            architecture = try Self.architecture(convolutions: Array(convolutions), dense: Array(dense), layers: layers, path: path)
            hasClassifier = !dense.isEmpty
            convolutionPaths = convolutions.map { ($0.kernel.path, $0.bias.path) }
            densePaths = dense.map { ($0.kernel.path, $0.bias.path) }
            tensors = layers.flatMap { [($0.kernel.path, $0.kernel.shape), ($0.bias.path, $0.bias.shape)] }
        } catch let error as ModelError {
            vgg_h5_close(handle)
            throw error
        } catch {
            vgg_h5_close(handle)
            throw .invalidFile(path: path, reason: "\(error)")
        }
    }

    /// One layer of the file: its kernel and its bias datasets, with their shapes.
    private typealias Layer = (name: String, kernel: (path: String, shape: [Int]), bias: (path: String, shape: [Int]))

    /// The layers that hold weights, each checked: one kernel and one bias, float arrays no
    /// larger than the file.
    private static func layers(_ handle: Int64, names: [String], fileSize: Int, path: String) throws -> [Layer] {
    var layers = [Layer]()
    for layer in names {
            guard let weightNames = try Self.strings(handle, "/" + layer, "weight_names", path: path) else {
                throw ModelError.invalidFile(path: path, reason: "layer \(layer) has no weight_names attribute")
            }
            if weightNames.isEmpty { continue }
            var kernel: (String, [Int])?
            var bias: (String, [Int])?
            for weight in weightNames {
                let datasetPath = "/" + layer + "/" + weight
                guard let shape = Self.shape(handle, datasetPath) else { throw ModelError.missingTensor(path: path, tensor: datasetPath) }
                // Keras writes weights uncompressed, so no array can be larger than the file; checking
                // that bounds every allocation and keeps the shape arithmetic below from overflowing.
                guard let bytes = TensorSize.bytes(shape: shape, elementSize: 4), bytes <= fileSize else {
                    throw ModelError.invalidFile(
                        path: path, reason: "\(datasetPath) declares shape \(shape), more than the \(fileSize)-byte file holds")
                }
                guard vgg_h5_dataset_is_float(handle, datasetPath) == 1 else {
                    throw ModelError.unsupportedDType(path: path, tensor: datasetPath, dtype: "not floating point")
                }
                if shape.count == 1 { bias = (datasetPath, shape) } else { kernel = (datasetPath, shape) }
            }
            guard let kernel, let bias, weightNames.count == 2 else {
                throw ModelError.invalidFile(path: path, reason: "layer \(layer) does not hold one kernel and one bias")
            }
            layers.append((layer, kernel, bias))
        }
        return layers
    }

    /// The VGG16 the layers make, checked layer by layer.
    private static func architecture(convolutions: [Layer], dense: [Layer], layers: [Layer], path: String) throws -> VGGArchitecture {
        guard convolutions.count == 13, dense.isEmpty || dense.count == 3, dense.allSatisfy({ $0.kernel.shape.count == 2 }) else {
            throw ModelError.invalidFile(
                path: path, reason: "expected 13 convolutions and 3 or 0 Dense layers (VGG16), found layers \(layers.map(\.name).joined(separator: ", "))")
        }
        var widths = [Int]()
        var channels = 3
        for layer in convolutions {
            let shape = layer.kernel.shape
            guard shape[0] == 3, shape[1] == 3, shape[2] == channels, layer.bias.shape == [shape[3]] else {
                throw ModelError.shapeMismatch(
                    path: path, tensor: layer.kernel.path, expected: [3, 3, channels, layer.bias.shape.first ?? 0], actual: shape)
            }
            widths.append(shape[3])
            channels = shape[3]
        }
        if !dense.isEmpty {
            let shapes = dense.map(\.kernel.shape)
            let hidden = shapes[0][1]
            let classes = shapes[2][1]
            let cells = shapes[0][0] / channels
            let side = Int(Double(cells).squareRoot().rounded())
            guard shapes[0][0] == channels * side * side, side >= 1, shapes[1] == [hidden, hidden], shapes[2][0] == hidden,
                zip(dense, [hidden, hidden, classes]).allSatisfy({ $0.bias.shape == [$1] })
            else {
                throw ModelError.invalidFile(
                    path: path, reason: "Dense shapes \(shapes) do not fit a VGG16 classifier on \(channels)-channel pool5")
            }
            return VGGArchitecture.configurationD(
                convolutionChannels: widths, hiddenWidth: hidden, classes: classes, inputHeight: side * 32, inputWidth: side * 32)
        } else {
            // Without a classifier the input size is free; the usual one is used.
            return VGGArchitecture.convolutionsOnly(convolutionChannels: widths, inputHeight: 224, inputWidth: 224)
        }
    }

    deinit { vgg_h5_close(file) }

    public var parameterCount: Int { tensors.reduce(0) { $0 + $1.shape.reduce(1, *) } }

    /// Convolution `index` as K×C×3×3 (from H×W×C×K).
    public func convolution(_ index: Int) throws(ModelError) -> LayerWeights {
        let layer = architecture.convolutions[index]
        let (k, c) = (layer.outputChannels, layer.inputChannels)
        let kernel = try read(convolutionPaths[index].kernel, count: 9 * c * k)
        var weight = [Float](repeating: 0, count: kernel.count)
        for r in 0..<3 {
            for s in 0..<3 {
                for ci in 0..<c {
                    let source = ((r * 3 + s) * c + ci) * k
                    for ko in 0..<k { weight[((ko * c + ci) * 3 + r) * 3 + s] = kernel[source + ko] }
                }
            }
        }
        return LayerWeights(weight: weight, bias: try read(convolutionPaths[index].bias, count: k))
    }

    /// Dense layer `index` (0 = fc6) as outputs × inputs, fc6's inputs in C,H,W order.
    public func fullyConnected(_ index: Int) throws(ModelError) -> LayerWeights {
        guard hasClassifier else {
            throw .invalidFile(path: path, reason: "a _notop file has no fully connected layers")
        }
        let layer = architecture.fullyConnected[index]
        let (outputs, inputs) = (layer.outputs, layer.inputs)
        let kernel = try read(densePaths[index].kernel, count: inputs * outputs)
        var weight = [Float](repeating: 0, count: kernel.count)
        if index == 0 {
            let pool5 = architecture.pool5Shape
            let (channels, height, width) = (pool5.channels, pool5.height, pool5.width)
            for h in 0..<height {
                for w in 0..<width {
                    for c in 0..<channels {
                        let keras = ((h * width + w) * channels + c) * outputs
                        let engine = (c * height + h) * width + w
                        for o in 0..<outputs { weight[o * inputs + engine] = kernel[keras + o] }
                    }
                }
            }
        } else {
            for i in 0..<inputs {
                for o in 0..<outputs { weight[o * inputs + i] = kernel[i * outputs + o] }
            }
        }
        return LayerWeights(weight: weight, bias: try read(densePaths[index].bias, count: outputs))
    }

    private func read(_ datasetPath: String, count: Int) throws(ModelError) -> [Float] {
        var values = [Float](repeating: 0, count: count)
        lock.lock()
        let status = values.withUnsafeMutableBufferPointer { vgg_h5_read_floats(file, datasetPath, $0.baseAddress, UInt64(count)) }
        lock.unlock()
        guard status == 0 else { throw .unreadable(path: path, reason: "cannot read \(datasetPath) (damaged or truncated file)") }
        let bad = values.reduce(0) { $0 + ($1.isFinite ? 0 : 1) }
        if bad > 0 { throw .nonFinite(path: path, tensor: datasetPath, count: bad) }
        return values
    }

    /// The string attribute `name` of `object`, or nil when it is missing or unreadable;
    /// throws for variable-length strings, which are refused unread (see the C shim).
    private static func strings(_ file: Int64, _ object: String, _ name: String, path: String) throws(ModelError) -> [String]? {
        var buffer = [CChar](repeating: 0, count: 1 << 16)
        let count = vgg_h5_string_attribute(file, object, name, &buffer, buffer.count)
        if count == -2 {
            throw .invalidFile(
                path: path, reason: "attribute \(name) of \(object) holds variable-length strings; Keras writes fixed-length ones")
        }
        guard count >= 0 else { return nil }
        var result = [String]()
        var start = 0
        for _ in 0..<count {
            let end = buffer[start...].firstIndex(of: 0) ?? buffer.count
            result.append(String(decoding: buffer[start..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self))
            start = end + 1
        }
        return result
    }

    private static func shape(_ file: Int64, _ datasetPath: String) -> [Int]? {
        var dims = [UInt64](repeating: 0, count: 8)
        let rank = vgg_h5_dataset_shape(file, datasetPath, &dims)
        guard rank >= 0 else { return nil }
        return dims.prefix(Int(rank)).map { Int(clamping: $0) }
    }

    /// Whether the file at `path` starts with the HDF5 signature.
    public static func isHDF5(path: String) -> Bool { KerasConversionRecord.isHDF5(path: path) }
}
