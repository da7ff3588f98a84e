import VGGCommon

/// Weights and bias of one layer, in PyTorch's layout: convolution K×C×3×3, linear out × in.
public struct LayerWeights: Sendable, Equatable {
    public var weight: [Float]
    public var bias: [Float]

    public init(weight: [Float], bias: [Float]) {
        self.weight = weight
        self.bias = bias
    }
}

/// Hands out one layer's weights at a time, so an engine can pack layer by layer and never
/// hold a second full copy of a 553 MB model.
public protocol WeightSource {
    /// The architecture the weights are for.
    var architecture: VGGArchitecture { get }
    /// Weights of convolution `index` (0-based, in order) as K×C×3×3 and K.
    func convolution(_ index: Int) throws(ModelError) -> LayerWeights
    /// Weights of fully connected layer `index` (0 = fc6) as outputs × inputs and outputs.
    func fullyConnected(_ index: Int) throws(ModelError) -> LayerWeights
    /// Called after a layer's weights were packed; a file-backed source may drop its pages.
    func release(convolution index: Int)
    func release(fullyConnected index: Int)
}

extension WeightSource {
    public func release(convolution index: Int) {}
    public func release(fullyConnected index: Int) {}
}

/// Weights held in memory (tests, small models).
public struct InMemoryWeights: WeightSource, Sendable {
    public var architecture: VGGArchitecture
    public var convolutions: [LayerWeights]
    public var fullyConnectedLayers: [LayerWeights]

    public init(architecture: VGGArchitecture, convolutions: [LayerWeights], fullyConnected: [LayerWeights]) {
        self.architecture = architecture
        self.convolutions = convolutions
        self.fullyConnectedLayers = fullyConnected
    }

    public func convolution(_ index: Int) throws(ModelError) -> LayerWeights { convolutions[index] }
    public func fullyConnected(_ index: Int) throws(ModelError) -> LayerWeights { fullyConnectedLayers[index] }
}
