import VGGCommon

/// A published VGG16 weight file vggbatch knows by its checksum.
public struct KnownWeights: Sendable, Equatable {
    /// Short name used on the command line.
    public var name: String
    /// File name in the weights cache.
    public var fileName: String
    /// Exact size in bytes, when published.
    public var bytes: Int?
    /// SHA-256 of the whole file, when published (lowercase hex).
    public var sha256: String?
    /// MD5 of the whole file, when only that is published (Keras files).
    public var md5: String?
    /// Where the file can be downloaded.
    public var url: String
    /// The preprocessing the weights were trained with.
    public var preprocessing: Preprocessing
    /// File format: "safetensors" and "hdf5" (Keras) load; the others are listed so that
    /// a user who has one is told what it is.
    public var format: String
    /// One line on what the file is.
    public var summary: String

    /// The files vggbatch recognises (sizes and checksums as published by their authors).
    public static let all: [KnownWeights] = [
        KnownWeights(
            name: "vgg16.tv_in1k", fileName: "vgg16.tv_in1k.safetensors", bytes: nil,
            sha256: "57b026918159a6bf9faf8405c3a551903768e7138989d9c6224a14227203fad8", md5: nil,
            url: "https://huggingface.co/timm/vgg16.tv_in1k/resolve/main/model.safetensors",
            preprocessing: .torch, format: "safetensors",
            summary: "timm's copy of torchvision's VGG16 (ImageNet top-1 71.59%), BSD-3-Clause"),
        KnownWeights(
            name: "torchvision-vgg16", fileName: "vgg16-397923af.pth", bytes: 553_433_881,
            sha256: "397923af8e79cdbb6a7127f12361acd7a2f83e06b05044ddf496e83de57a5bf0", md5: nil,
            url: "https://download.pytorch.org/models/vgg16-397923af.pth",
            preprocessing: .torch, format: "pytorch-pickle",
            summary: "torchvision VGG16_Weights.IMAGENET1K_V1 (pickle; use the timm safetensors copy instead)"),
        KnownWeights(
            name: "keras-vgg16", fileName: "vgg16_weights_tf_dim_ordering_tf_kernels.h5", bytes: 553_467_096,
            sha256: nil, md5: "64373286793e3c8b2b4e3219cbf3544b",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5",
            preprocessing: .caffe, format: "hdf5",
            summary: "Keras applications VGG16 (ported from the Oxford Caffe release)"),
        KnownWeights(
            name: "keras-vgg16-notop", fileName: "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5", bytes: 58_889_256,
            sha256: nil, md5: "6d6bbae143d832006294945121d1f1fc",
            url: "https://storage.googleapis.com/tensorflow/keras-applications/vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
            preprocessing: .caffe, format: "hdf5",
            summary: "Keras VGG16 convolution blocks only (features up to pool5)"),
        KnownWeights(
            name: "onnx-vgg16-7", fileName: "vgg16-7.onnx", bytes: 553_437_328,
            sha256: "f20805a3ecccaa88647bbab4ad011ff2412a9838485ea844de0fcbce349820b9", md5: nil,
            url: "https://github.com/onnx/models/raw/main/validated/vision/classification/vgg/model/vgg16-7.onnx",
            preprocessing: .torch, format: "onnx",
            summary: "ONNX model zoo VGG16 opset 7 (converted from MXNet; not loadable here)"),
    ]

    /// Whether vggbatch can load this file's format.
    public var isLoadable: Bool { ["safetensors", "hdf5"].contains(format) }

    /// The default download: the only safetensors file among them.
    public static var defaultWeights: KnownWeights { all[0] }

    /// The known file with this SHA-256, if any.
    public static func matching(sha256: String) -> KnownWeights? {
        all.first { $0.sha256 == sha256.lowercased() }
    }

    /// The known file with this name, if any.
    public static func named(_ name: String) -> KnownWeights? {
        all.first { $0.name == name }
    }

    /// What a file's SHA-256 says of it (`weights verify`): a known file; a file named like a
    /// known one whose published SHA-256 it does not have (damaged, or another file under
    /// its name); or not a known file.
    public enum Verdict: Equatable {
        case known(KnownWeights)
        case notAsPublished(KnownWeights)
        case unknown
    }

    public static func verdict(fileName: String, sha256: String) -> Verdict {
        if let known = matching(sha256: sha256) { return .known(known) }
        if let expected = all.first(where: { $0.fileName == fileName && $0.sha256 != nil }) { return .notAsPublished(expected) }
        return .unknown
    }
}
