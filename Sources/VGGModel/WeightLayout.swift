import VGGCommon

/// How the tensors in a weight file are named, which also says how its inputs were
/// preprocessed in training.
public enum WeightLayout: String, Sendable, Codable, CaseIterable {
    /// torchvision `vgg16`: `features.N.*`, `classifier.{0,3,6}.*`.
    case torchvision
    /// timm `vgg16.*`: `features.N.*`, `pre_logits.fc1` (fc6 as a 7×7 convolution),
    /// `pre_logits.fc2` (fc7 as a 1×1 convolution), `head.fc`.
    case timm
    /// Keras `save_weights` HDF5 (`vgg16_weights_tf_dim_ordering_tf_kernels.h5`):
    /// `block1_conv1`…`block5_conv3`, `fc1`, `fc2`, `predictions`; ported from the Oxford
    /// Caffe release, so trained on Caffe-style input.
    case keras

    /// The preprocessing these weights were trained with.
    public var preprocessing: Preprocessing { self == .keras ? .caffe : .torch }
}
