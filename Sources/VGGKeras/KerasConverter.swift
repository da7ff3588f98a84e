import VGGModel

/// Converts Keras HDF5 weights into a torchvision-layout safetensors file that records its
/// source (`KerasConversionRecord`). It calls libhdf5, so `vggbatch` runs it only in a
/// process of its own, `vggbatch-keras-convert`.
public enum KerasConverter {
    /// Reads every array of the HDF5 file at `path`, checks it, and writes the converted file
    /// to `output` through a temporary name. `sha256` is the HDF5 file's, recorded.
    public static func convert(path: String, sha256: String, output: String) throws(ModelError) {
        let keras = try KerasWeights(path: path)
        let metadata = KerasConversionRecord.metadata(
            architecture: keras.architecture, sourceSHA256: sha256,
            datasets: keras.tensors.map { KerasConversionRecord.Dataset(name: $0.name, shape: $0.shape) }, attributes: keras.metadata)
        try SafetensorsWriter.writeTorchvision(keras, metadata: metadata, to: output)
    }
}
