#!/usr/bin/env python3
"""Write the safetensors goldens that the engine, model and imaging tests compare against.

Reference values come from ONNX Runtime (CPU, one thread, graph optimisations off so every
node runs as written) evaluating small ONNX graphs built here with onnx.helper (opset 17,
float32), and every graph's output is cross-checked against a float64 NumPy evaluation
before it is written. All tensors are float32, activations NCHW, conv weights OIHW
(K x C x R x S), linear weights out x in as in PyTorch.

Tests/VGGEngineTests/Fixtures/ (and a README.md listing them):
  conv-13to5-9x7.safetensors     input [2,13,9,7], weight [5,13,3,3], bias [5],
                                 output (3x3 conv, stride 1, pad 1, + bias), output_relu
  conv-3to16-17x18.safetensors   the same names: input [1,3,17,18], weight [16,3,3,3]
  conv-16to13-6x5.safetensors    the same names: input [3,16,6,5], weight [13,16,3,3]
  maxpool-9x7.safetensors        input [2,13,9,7], output [2,13,4,3] (2x2, stride 2, floor)
  linear-37to29.safetensors      input [3,37], weight [29,37], bias [29], output [3,29]
  softmax-3x29.safetensors       input [3,29] (random, large up to 100, all equal), output
  tiny-vgg.safetensors           a VGG16-shaped network with few channels, torchvision names
  tiny-vgg-timm.safetensors      the same values under timm's names (fc6, fc7 as convs)
  tiny-vgg-io.safetensors        input [3,3,64,48], pool5 [3,16,2,1], fc7 [3,24] (after
                                 ReLU), logits [3,10], probabilities [3,10]
Tests/VGGModelTests/Fixtures/dtypes.safetensors
                                 f32, f16, bf16 (written by hand: NumPy has no bfloat16)
                                 and bf16_expected, 7 values each
Tests/VGGImagingTests/Fixtures/golden/
  preprocess-chelsea-torch-squash.safetensors        tensor [3,224,224]
  preprocess-rocket-caffe-center-crop.safetensors    tensor [3,224,224]

The tiny VGG has VGG16's topology (configuration D: 13 convs with ReLU in five blocks,
each block ending in a 2x2 max pool, then fc6, fc7, fc8) with channels 4,4 | 8,8 |
8,8,8 | 16,16,16 | 16,16,16, a 64x48 input (so pool5 is 16x2x1 and fc6 has 32 inputs),
fc6 32->24, fc7 24->24, fc8 24->10. It omits torchvision's AdaptiveAvgPool2d((7, 7)),
which is the identity for VGG16's 224x224 input (pool5 is already 7x7) and is not part of
the engine; here it would not be the identity, so it is left out rather than emulated.
Flattening is in C, H, W order, as torchvision's and timm's fc6 weights expect.

Run from the repository root:

    pip install onnxruntime onnx numpy safetensors pillow
    python3 scripts/make_engine_goldens.py

Files are written by a small safetensors writer here (the safetensors package's
save_file orders its metadata differently on every run) and read back with the
safetensors package to check them. Every random draw comes from np.random.default_rng
with a fixed seed per file, so a re-run writes identical bytes (with the same ONNX
Runtime, Pillow and CPU; a different SIMD path in ONNX Runtime could change the last bits
of a golden, which the tests' tolerances absorb). The outputs are committed; the Swift
tests read them and never need Python.
"""

import json
import struct
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import PIL
from onnx import TensorProto, helper, numpy_helper
from PIL import Image, ImageOps
from safetensors import deserialize, safe_open
from safetensors.numpy import load_file

REPO = Path(__file__).resolve().parent.parent
ENGINE_FIXTURES = REPO / "Tests" / "VGGEngineTests" / "Fixtures"
MODEL_FIXTURES = REPO / "Tests" / "VGGModelTests" / "Fixtures"
IMAGING_GOLDEN = REPO / "Tests" / "VGGImagingTests" / "Fixtures" / "golden"
SAMPLES = REPO / "samples"

GENERATOR = "scripts/make_engine_goldens.py"
OPSET = 17
IR_VERSION = 8  # the IR version that introduced opset 17

# torchvision's VGG16 feature indices of the 13 convs (ReLU at +1, pools in between).
CONV_INDICES = [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28]
TINY_PLAN = [4, 4, "M", 8, 8, "M", 8, 8, 8, "M", 16, 16, 16, "M", 16, 16, 16, "M"]
TINY_INPUT = (3, 64, 48)  # C, H, W
TINY_FC = (24, 24, 10)  # fc6, fc7, fc8 outputs

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)

written = []  # (path, {name: shape}, what) for the summary and the README


# MARK: - ONNX helpers


def run_graph(nodes, feeds, outputs, initializers=()):
    """Evaluates nodes on feeds (name -> float32 array) with ONNX Runtime, no optimisations.

    outputs names the graph outputs to return, in order.
    """
    graph = helper.make_graph(
        nodes, "golden",
        [helper.make_tensor_value_info(name, TensorProto.FLOAT, list(value.shape))
         for name, value in feeds.items()],
        [helper.make_tensor_value_info(name, TensorProto.FLOAT, None) for name in outputs],
        initializer=[numpy_helper.from_array(np.ascontiguousarray(value), name)
                     for name, value in initializers])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name=GENERATOR)
    model.ir_version = IR_VERSION
    # The checker wants every graph output typed with a shape: take it from inference.
    model = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    onnx.checker.check_model(model, full_check=True)
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(model.SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    results = session.run(outputs, feeds)
    return [np.ascontiguousarray(r, dtype=np.float32) for r in results]


def conv_node(x, w, b, y):
    return helper.make_node("Conv", [x, w, b], [y], kernel_shape=[3, 3],
                            pads=[1, 1, 1, 1], strides=[1, 1])


def pool_node(x, y):
    return helper.make_node("MaxPool", [x], [y], kernel_shape=[2, 2], strides=[2, 2],
                            ceil_mode=0)


def gemm_node(x, w, b, y):
    return helper.make_node("Gemm", [x, w, b], [y], transB=1)


# MARK: - float64 NumPy references (only to check ONNX Runtime's answers)


def ref_conv3x3(x, w, b):
    x, w = x.astype(np.float64), w.astype(np.float64)
    n, _, h, wd = x.shape
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    out = np.zeros((n, w.shape[0], h, wd)) + b.astype(np.float64)[None, :, None, None]
    for r in range(3):
        for s in range(3):
            out += np.einsum("kc,ncyx->nkyx", w[:, :, r, s], padded[:, :, r:r + h, s:s + wd])
    return out


def ref_maxpool2x2(x):
    n, c, h, w = x.shape
    x = x[:, :, :h // 2 * 2, :w // 2 * 2].astype(np.float64)
    return x.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


def ref_linear(x, w, b):
    return x.astype(np.float64) @ w.astype(np.float64).T + b.astype(np.float64)


def ref_softmax(x):
    x = x.astype(np.float64)
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def check(name, actual, reference, rel_tol):
    """Asserts ONNX Runtime agrees with the float64 reference; returns the relative error."""
    scale = max(1.0, float(np.abs(reference).max()))
    err = float(np.abs(actual.astype(np.float64) - reference).max()) / scale
    if not err <= rel_tol:
        raise SystemExit(f"{name}: ONNX Runtime differs from the float64 reference "
                         f"by {err:.3g} (relative), more than {rel_tol:g}")
    return err


# MARK: - writing


def metadata(what):
    return {"generator": GENERATOR, "format": "1", "what": what}


def write_safetensors(path, tensors, metadata):
    """Writes a safetensors file from (name, dtype string, shape, raw little-endian bytes).

    safetensors.numpy.save_file is not used because it writes the metadata keys in a
    different order on every run (a Rust HashMap), so its files are never byte-identical.
    Data is laid out as that library does it (wider dtypes first, then by name), so each
    tensor starts at a multiple of its element size; the JSON header is padded with spaces
    to a multiple of 8 bytes.
    """
    width = {"F32": 4, "F16": 2, "BF16": 2}
    ordered = sorted(tensors, key=lambda t: (-width[t[1]], t[0]))
    header, offset = {"__metadata__": metadata}, 0
    for name, dtype, shape, data in ordered:
        assert len(data) == width[dtype] * int(np.prod(shape, dtype=np.int64))
        header[name] = {"dtype": dtype, "shape": list(shape),
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(t[3] for t in ordered))


def save(path, tensors, what):
    """Writes float32 tensors with the standard metadata and reads them back to check."""
    tensors = {name: np.ascontiguousarray(value, dtype="<f4") for name, value in tensors.items()}
    write_safetensors(path, [(name, "F32", value.shape, value.tobytes())
                             for name, value in tensors.items()], metadata(what))
    reread = load_file(str(path))
    assert reread.keys() == tensors.keys(), path
    assert all(np.array_equal(reread[k], v) for k, v in tensors.items()), path
    with safe_open(str(path), "numpy") as opened:
        assert opened.metadata() == metadata(what), path
    written.append((path, {k: list(v.shape) for k, v in tensors.items()}, what))


def he_normal(rng, shape):
    fan_in = int(np.prod(shape[1:]))
    return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)


def uniform(rng, shape, low, high):
    return rng.uniform(low, high, size=shape).astype(np.float32)


# MARK: - a) to f): single operators


def conv_golden(filename, seed, input_shape, out_channels):
    rng = np.random.default_rng(seed)
    n, c, h, w = input_shape
    x = uniform(rng, input_shape, -1.0, 1.0)
    weight = he_normal(rng, (out_channels, c, 3, 3))
    bias = uniform(rng, (out_channels,), -0.1, 0.1)
    output, output_relu = run_graph(
        [conv_node("input", "weight", "bias", "output"),
         helper.make_node("Relu", ["output"], ["output_relu"])],
        {"input": x, "weight": weight, "bias": bias}, ["output", "output_relu"])
    ref = ref_conv3x3(x, weight, bias)
    err = check(filename, output, ref, 1e-5)
    check(filename + " relu", output_relu, np.maximum(ref, 0), 1e-5)
    assert output.shape == (n, out_channels, h, w)
    save(ENGINE_FIXTURES / filename,
         {"input": x, "weight": weight, "bias": bias, "output": output, "output_relu": output_relu},
         f"3x3 conv, stride 1, pad 1, + bias, NCHW/OIHW: input {list(x.shape)} "
         f"-> output {list(output.shape)}; output_relu = max(output, 0)")
    return err


def maxpool_golden(seed):
    rng = np.random.default_rng(seed)
    x = uniform(rng, (2, 13, 9, 7), -1.0, 1.0)
    (output,) = run_graph([pool_node("input", "output")], {"input": x}, ["output"])
    err = check("maxpool", output, ref_maxpool2x2(x), 0.0)
    save(ENGINE_FIXTURES / "maxpool-9x7.safetensors", {"input": x, "output": output},
         "2x2 max pool, stride 2, no padding, floor (last row and column dropped): "
         "[2,13,9,7] -> [2,13,4,3]")
    return err


def linear_golden(seed):
    rng = np.random.default_rng(seed)
    x = uniform(rng, (3, 37), -1.0, 1.0)
    weight = he_normal(rng, (29, 37))
    bias = uniform(rng, (29,), -0.1, 0.1)
    (output,) = run_graph([gemm_node("input", "weight", "bias", "output")],
                          {"input": x, "weight": weight, "bias": bias}, ["output"])
    err = check("linear", output, ref_linear(x, weight, bias), 1e-5)
    save(ENGINE_FIXTURES / "linear-37to29.safetensors",
         {"input": x, "weight": weight, "bias": bias, "output": output},
         "linear layer, weight out x in (PyTorch layout): output = input @ weight.T + bias")
    return err


def softmax_golden(seed):
    rng = np.random.default_rng(seed)
    x = np.empty((3, 29), dtype=np.float32)
    x[0] = uniform(rng, (29,), -5.0, 5.0)
    # exp(100) overflows float32 (max ~3.4e38 = exp(88.7)): this row catches a softmax
    # that does not subtract the row maximum first.
    x[1] = uniform(rng, (29,), 20.0, 100.0)
    x[1, 7] = 100.0
    x[2] = 3.0  # all equal: every probability is 1/29
    (output,) = run_graph([helper.make_node("Softmax", ["input"], ["output"], axis=1)],
                          {"input": x}, ["output"])
    err = check("softmax", output, ref_softmax(x), 1e-6)
    save(ENGINE_FIXTURES / "softmax-3x29.safetensors", {"input": x, "output": output},
         "softmax over axis 1 of [3,29]: row 0 in (-5,5), row 1 in (20,100] "
         "(exp overflows float32 without max subtraction), row 2 all equal")
    return err


# MARK: - g) tiny VGG


def tiny_vgg_weights(rng):
    """torchvision-named weights of the tiny VGG, in layer order."""
    weights = {}
    in_channels = TINY_INPUT[0]
    convs = [v for v in TINY_PLAN if v != "M"]
    assert len(convs) == len(CONV_INDICES)
    for index, out_channels in zip(CONV_INDICES, convs):
        weights[f"features.{index}.weight"] = he_normal(rng, (out_channels, in_channels, 3, 3))
        weights[f"features.{index}.bias"] = uniform(rng, (out_channels,), -0.1, 0.1)
        in_channels = out_channels
    h, w = TINY_INPUT[1] // 32, TINY_INPUT[2] // 32
    in_features = in_channels * h * w
    for index, out_features in zip((0, 3, 6), TINY_FC):
        weights[f"classifier.{index}.weight"] = he_normal(rng, (out_features, in_features))
        weights[f"classifier.{index}.bias"] = uniform(rng, (out_features,), -0.1, 0.1)
        in_features = out_features
    return weights


def timm_names(weights):
    """The same values under timm's vgg16 names: fc6 and fc7 stored as convolutions."""
    last_conv = weights[f"features.{CONV_INDICES[-1]}.weight"]
    pool5 = (last_conv.shape[0], TINY_INPUT[1] // 32, TINY_INPUT[2] // 32)
    timm = {k: v for k, v in weights.items() if k.startswith("features.")}
    fc6 = weights["classifier.0.weight"]
    timm["pre_logits.fc1.weight"] = fc6.reshape(fc6.shape[0], *pool5)
    timm["pre_logits.fc1.bias"] = weights["classifier.0.bias"]
    fc7 = weights["classifier.3.weight"]
    timm["pre_logits.fc2.weight"] = fc7.reshape(*fc7.shape, 1, 1)
    timm["pre_logits.fc2.bias"] = weights["classifier.3.bias"]
    timm["head.fc.weight"] = weights["classifier.6.weight"]
    timm["head.fc.bias"] = weights["classifier.6.bias"]
    return timm


def tiny_vgg_graph(weights):
    nodes, current, index = [], "input", 0
    for layer in TINY_PLAN:
        if layer == "M":
            pool = f"features.{index}"
            nodes.append(pool_node(current, pool))
            current, index = pool, index + 1
        else:
            conv, relu = f"features.{index}", f"features.{index + 1}"
            nodes.append(conv_node(current, f"{conv}.weight", f"{conv}.bias", conv))
            nodes.append(helper.make_node("Relu", [conv], [relu]))
            current, index = relu, index + 2
    nodes.append(helper.make_node("Identity", [current], ["pool5"]))
    nodes.append(helper.make_node("Flatten", ["pool5"], ["flat"], axis=1))
    nodes.append(gemm_node("flat", "classifier.0.weight", "classifier.0.bias", "fc6_linear"))
    nodes.append(helper.make_node("Relu", ["fc6_linear"], ["fc6"]))
    nodes.append(gemm_node("fc6", "classifier.3.weight", "classifier.3.bias", "fc7_linear"))
    nodes.append(helper.make_node("Relu", ["fc7_linear"], ["fc7"]))
    nodes.append(gemm_node("fc7", "classifier.6.weight", "classifier.6.bias", "logits"))
    nodes.append(helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1))
    return nodes


def ref_tiny_vgg(x, weights):
    a, index = x.astype(np.float64), 0
    for layer in TINY_PLAN:
        if layer == "M":
            a, index = ref_maxpool2x2(a), index + 1
        else:
            a = np.maximum(ref_conv3x3(a, weights[f"features.{index}.weight"],
                                       weights[f"features.{index}.bias"]), 0)
            index += 2
    pool5 = a
    a = a.reshape(a.shape[0], -1)
    def linear(x, index):
        return ref_linear(x, weights[f"classifier.{index}.weight"],
                          weights[f"classifier.{index}.bias"])

    fc6 = np.maximum(linear(a, 0), 0)
    fc7 = np.maximum(linear(fc6, 3), 0)
    logits = linear(fc7, 6)
    return pool5, fc7, logits, ref_softmax(logits)


def tiny_vgg_golden(seed):
    rng = np.random.default_rng(seed)
    weights = tiny_vgg_weights(rng)
    # Like a normalised photo: roughly zero mean, unit variance, bounded.
    x = np.clip(rng.standard_normal((3, *TINY_INPUT)), -2.5, 2.5).astype(np.float32)
    outputs = ["pool5", "fc7", "logits", "probabilities"]
    results = run_graph(tiny_vgg_graph(weights), {"input": x}, outputs,
                        initializers=weights.items())
    errors = [check(f"tiny-vgg {name}", got, ref, 1e-4)
              for name, got, ref in zip(outputs, results, ref_tiny_vgg(x, weights))]
    io = dict(zip(outputs, results))
    # A golden whose features are all zero would test nothing.
    assert (io["fc7"] > 0).mean() > 0.25 and io["probabilities"].max(axis=1).min() < 0.99, io

    plan = ",".join(str(v) for v in TINY_PLAN)
    topology = (f"tiny VGG16 (configuration D topology, convs {plan}, fc 32-24-24-10, "
                "no adaptive average pool)")
    save(ENGINE_FIXTURES / "tiny-vgg.safetensors", weights,
         f"{topology} weights under torchvision names, OIHW, out x in")
    save(ENGINE_FIXTURES / "tiny-vgg-timm.safetensors", timm_names(weights),
         f"{topology} weights under timm names: pre_logits.fc1 [24,16,2,1] and "
         "pre_logits.fc2 [24,24,1,1] are fc6 and fc7 as convolutions")
    save(ENGINE_FIXTURES / "tiny-vgg-io.safetensors", {"input": x, **io},
         f"{topology} on 3 images 3x64x48: pool5, fc7 after ReLU, logits, softmax probabilities")
    # Every layer's output, for the activations `explain` keeps: each convolution after its
    # ReLU, each pool, fc6 and fc7 after their ReLU, the logits (ONNX Runtime's intermediate
    # values, as graph outputs).
    layers, index = [], 0
    for layer in TINY_PLAN:
        layers.append(f"features.{index}" if layer == "M" else f"features.{index + 1}")
        index += 1 if layer == "M" else 2
    layers += ["fc6", "fc7", "logits"]
    values = run_graph(tiny_vgg_graph(weights), {"input": x}, layers, initializers=weights.items())
    save(ENGINE_FIXTURES / "tiny-vgg-layers.safetensors", {f"layer{i:02d}": v for i, v in enumerate(values)},
         f"{topology} on the same 3 images: every layer's output in network order (layer00 = conv1_1 "
         "after its ReLU ... layer17 = pool5, layer18 = fc6, layer19 = fc7, both after ReLU, layer20 = logits)")
    return max(errors)


# MARK: - h) dtypes


def bf16_bits(values):
    """bfloat16 bit patterns of float32 values that bfloat16 represents exactly."""
    bits = np.asarray(values, dtype=np.float32).view(np.uint32)
    assert np.all(bits & 0xFFFF == 0), "every value must be exact in bfloat16"
    return (bits >> 16).astype("<u2")


def dtypes_golden():
    f32 = np.array([1.0, -2.0, 65504.0, 2.0 ** -24, np.inf, 0.333251953125, 0.0], dtype=np.float32)
    f16 = f32.astype("<f2")
    assert np.array_equal(f16.astype(np.float32), f32), "every value must be exact in float16"
    bf16_values = np.array([1.0, -2.0, 65280.0, 2.0 ** -24, np.inf, 0.33203125, 0.0],
                           dtype=np.float32)
    what = ("the same 7 values as F32 and F16 (1, -2, 65504, 2^-24, inf, 0.333251953125, 0), "
            "BF16 of 1, -2, 65280, 2^-24, inf, 0.33203125, 0 and those BF16 values as F32")
    path = MODEL_FIXTURES / "dtypes.safetensors"
    write_safetensors(path, [
        ("f32", "F32", [7], f32.astype("<f4").tobytes()),
        ("f16", "F16", [7], f16.tobytes()),
        ("bf16", "BF16", [7], bf16_bits(bf16_values).tobytes()),
        ("bf16_expected", "F32", [7], bf16_values.astype("<f4").tobytes()),
    ], metadata(what))

    # Read it back through the safetensors library's own parser (NumPy has no bfloat16).
    parsed = {name: info for name, info in deserialize(path.read_bytes())}
    assert np.array_equal(np.frombuffer(bytes(parsed["f32"]["data"]), "<f4"), f32)
    assert np.array_equal(np.frombuffer(bytes(parsed["f16"]["data"]), "<f2"), f16)
    bf16 = np.frombuffer(bytes(parsed["bf16"]["data"]), "<u2").astype(np.uint32) << 16
    assert np.array_equal(bf16.view(np.float32), bf16_values)
    assert {name: info["dtype"] for name, info in parsed.items()} == {
        "f32": "F32", "f16": "F16", "bf16": "BF16", "bf16_expected": "F32"}
    written.append((path, {"f32": [7], "f16": [7], "bf16": [7], "bf16_expected": [7]}, what))


# MARK: - i) preprocessing


def load_rgb(path):
    """Pillow's RGB pixels of path, upright (a no-op for these samples, stored upright)."""
    with Image.open(path) as opened:
        return ImageOps.exif_transpose(opened).convert("RGB")


def torch_squash_tensor(path):
    """torchvision-style input: resize((224, 224), BILINEAR), ToTensor, Normalize; CHW."""
    img = load_rgb(path).resize((224, 224), Image.BILINEAR)
    x = np.asarray(img, dtype=np.uint8).astype(np.float32).transpose(2, 0, 1)
    # ToTensor: float32 / 255; Normalize: (x - mean) / std with float32 mean and std.
    x = x / np.float32(255)
    mean = np.array(IMAGENET_MEAN, dtype=np.float32)[:, None, None]
    std = np.array(IMAGENET_STD, dtype=np.float32)[:, None, None]
    return np.ascontiguousarray((x - mean) / std, dtype=np.float32)


def caffe_center_crop_tensor(path):
    """Short side 256, centre 224 crop (Pillow BILINEAR), then Keras' caffe preprocessing."""
    img = load_rgb(path)
    width, height = img.size
    if width <= height:
        size = (256, int(256 * height / width))
    else:
        size = (int(256 * width / height), 256)
    img = img.resize(size, Image.BILINEAR)
    top = int(round((size[1] - 224) / 2))
    left = int(round((size[0] - 224) / 2))
    img = img.crop((left, top, left + 224, top + 224))
    bgr = np.asarray(img, dtype=np.uint8)[:, :, ::-1].astype(np.float32).transpose(2, 0, 1)
    mean = np.array(CAFFE_MEAN_BGR, dtype=np.float32)[:, None, None]
    return np.ascontiguousarray(bgr - mean, dtype=np.float32), size, (left, top)


def preprocessing_goldens():
    chelsea = torch_squash_tensor(SAMPLES / "skimage-chelsea.png")
    save(IMAGING_GOLDEN / "preprocess-chelsea-torch-squash.safetensors", {"tensor": chelsea},
         f"samples/skimage-chelsea.png, Pillow {PIL.__version__} RGB resize((224,224), "
         "BILINEAR), torch preset: planes R,G,B, (v/255 - mean)/std in float32, "
         "mean (0.485,0.456,0.406), std (0.229,0.224,0.225)")
    rocket, size, (left, top) = caffe_center_crop_tensor(SAMPLES / "skimage-rocket.jpg")
    save(IMAGING_GOLDEN / "preprocess-rocket-caffe-center-crop.safetensors", {"tensor": rocket},
         f"samples/skimage-rocket.jpg decoded by Pillow {PIL.__version__}, BILINEAR resize to "
         f"{size[0]}x{size[1]}, crop 224x224 at left {left} top {top}, caffe preset: "
         "planes B,G,R, v - (103.939,116.779,123.68) on 0-255")


# MARK: - main


def write_engine_readme():
    rows = []
    for path, shapes, what in written:
        if path.parent != ENGINE_FIXTURES:
            continue
        names = ", ".join(f"`{name}` {shape}" for name, shape in shapes.items())
        rows.append(f"| `{path.name}` | {what} | {names} |")
    text = f"""# Engine goldens

Generated by `scripts/make_engine_goldens.py` (ONNX Runtime {ort.__version__}, ONNX opset
{OPSET}, graph optimisations off, one thread; every output cross-checked against a float64
NumPy evaluation). Do not edit by hand; re-run the script (see its docstring).

All tensors are float32: activations NCHW, conv weights OIHW (K x C x R x S), linear
weights out x in. Each file's safetensors metadata repeats its one-line description.
The tiny VGG omits VGG16's adaptive average pool, the identity at 224x224.

| File | What | Tensors |
|---|---|---|
""" + "\n".join(rows) + "\n"
    (ENGINE_FIXTURES / "README.md").write_text(text)


def main():
    errors = {
        "conv-13to5-9x7": conv_golden("conv-13to5-9x7.safetensors", 1, (2, 13, 9, 7), 5),
        "conv-3to16-17x18": conv_golden("conv-3to16-17x18.safetensors", 2, (1, 3, 17, 18), 16),
        "conv-16to13-6x5": conv_golden("conv-16to13-6x5.safetensors", 3, (3, 16, 6, 5), 13),
        "maxpool-9x7": maxpool_golden(4),
        "linear-37to29": linear_golden(5),
        "softmax-3x29": softmax_golden(6),
        "tiny-vgg": tiny_vgg_golden(7),
    }
    dtypes_golden()
    preprocessing_goldens()
    write_engine_readme()

    print(f"ONNX Runtime {ort.__version__}, onnx {onnx.__version__}, NumPy {np.__version__}, "
          f"Pillow {PIL.__version__}")
    print("largest ONNX Runtime vs float64 difference (relative to max(1, |reference|)):")
    for name, err in errors.items():
        print(f"  {name:18} {err:.2e}")
    for path, shapes, _ in written:
        listing = ", ".join(f"{name} {shape}" for name, shape in shapes.items())
        print(f"{path.relative_to(REPO)} ({path.stat().st_size} bytes): {listing}")


if __name__ == "__main__":
    main()
