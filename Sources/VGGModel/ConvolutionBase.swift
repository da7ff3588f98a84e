import VGGCommon

/// Which trained convolutions a set of weights holds, whatever file they came in: the SHA-256
/// (lowercase hex) of the first convolution's weights and bias and the last convolution's
/// bias, as float32 little-endian in the order the network reads them. A Keras HDF5 file and
/// its safetensors copy share it; weights trained apart (or random ones) do not. Reading
/// them costs one pass over the last convolution (9.4 MB for VGG16).
public enum ConvolutionBase {
    public static func fingerprint(_ source: some WeightSource) throws(ModelError) -> String {
        let count = source.architecture.convolutions.count
        let first = try source.convolution(0)
        let lastBias = try source.convolution(count - 1).bias
        var hasher = SHA256()
        for values in [first.weight, first.bias, lastBias] {
            hasher.update(FloatCodec.encode(values)[...])
        }
        return Hex.encode(hasher.finalize())
    }
}
