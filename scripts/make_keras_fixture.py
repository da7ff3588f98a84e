#!/usr/bin/env python3
"""Write the Keras HDF5 fixtures of Tests/VGGKerasTests/Fixtures.

    pip install numpy h5py safetensors
    python3 scripts/make_keras_fixture.py

A small network of VGG16's topology (configuration D: 13 convolutions of 4 to 16 channels,
64×64 input so pool5 is 2×2 and the fc6 flatten order matters, 32-wide fc6/fc7, 10
classes) with seeded random weights, written twice:

- tiny-torch.safetensors: torchvision layout (features.N as K×C×3×3, classifier.N as
  out × in, fc6 input flattened C,H,W), with the architecture in the metadata.
- tiny-keras.h5: the same numbers in the layout of Keras `save_weights` files such as
  vgg16_weights_tf_dim_ordering_tf_kernels.h5: root attribute `layer_names`, one group
  per layer with attribute `weight_names`, kernels HWIO, Dense kernels in × out, fc1's
  input flattened H,W,C (Flatten after NHWC pool5). Weight names in Keras 2 form
  (`block1_conv1/kernel:0`, a nested group).
- tiny-keras-notop.h5: the convolution blocks only, as in the `_notop` file, with weight
  names in the form of the 2016 Keras 1 files (`block1_conv1_W_1:0`), to cover both.
- huge-shape.h5: a hostile file of the same layout whose first kernel declares 3×3×3×2^40
  floats (chunked, never written, so the file stays small): the loader must refuse it
  without allocating.

The test loads both forms and requires identical layer weights and network outputs.
"""

from pathlib import Path

import h5py
import numpy as np
from safetensors.numpy import save_file

OUT = Path(__file__).resolve().parent.parent / "Tests" / "VGGKerasTests" / "Fixtures"
WIDTHS = [4, 4, 8, 8, 8, 8, 8, 16, 16, 16, 16, 16, 16]
BLOCKS = [2, 2, 3, 3, 3]
HIDDEN, CLASSES, SIZE = 32, 10, 64


def main():
    rng = np.random.default_rng(7)
    convs = []
    channels = 3
    for width in WIDTHS:
        scale = np.sqrt(2.0 / (channels * 9))
        convs.append((
            (rng.standard_normal((width, channels, 3, 3)) * scale).astype(np.float32),
            (rng.standard_normal(width) * 0.05).astype(np.float32)))
        channels = width
    spatial = SIZE // 32
    fc_inputs = [channels * spatial * spatial, HIDDEN, HIDDEN]
    fc_outputs = [HIDDEN, HIDDEN, CLASSES]
    fcs = [
        ((rng.standard_normal((o, i)) * np.sqrt(2.0 / i)).astype(np.float32), (rng.standard_normal(o) * 0.05).astype(np.float32))
        for i, o in zip(fc_inputs, fc_outputs)
    ]

    tensors = {}
    index = 0
    conv = 0
    for size in BLOCKS:
        for _ in range(size):
            tensors[f"features.{index}.weight"], tensors[f"features.{index}.bias"] = convs[conv]
            conv += 1
            index += 2
        index += 1
    for n, (w, b) in enumerate(fcs):
        tensors[f"classifier.{n * 3}.weight"], tensors[f"classifier.{n * 3}.bias"] = w, b
    architecture = f"D:{','.join(map(str, WIDTHS))}:{HIDDEN}:{CLASSES}:{SIZE}x{SIZE}"
    OUT.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(OUT / "tiny-torch.safetensors"), metadata={"format": "pt", "vggbatch.architecture": architecture})

    keras_layers, top = keras_layers_from_torch(tensors)
    write_keras(OUT / "tiny-keras.h5", [("input_1", [])] + keras_layers + top, legacy=False)
    write_keras(OUT / "tiny-keras-notop.h5", [("input_1", [])] + keras_layers, legacy=True)
    write_keras(OUT / "huge-shape.h5", [("input_1", [])] + keras_layers, legacy=True, huge_first_kernel=True)


def keras_layers_from_torch(tensors):
    """(convolution blocks with pools, flatten + Dense layers) in Keras layout, from
    torchvision-layout arrays (features.N, classifier.N)."""
    conv_keys = sorted((k for k in tensors if k.startswith("features.") and k.endswith(".weight")),
                       key=lambda k: int(k.split(".")[1]))
    convs = [(tensors[k], tensors[k[: -len("weight")] + "bias"]) for k in conv_keys]
    fcs = [(tensors[f"classifier.{n * 3}.weight"], tensors[f"classifier.{n * 3}.bias"]) for n in range(3)]
    channels = convs[-1][0].shape[0]
    hidden = fcs[0][0].shape[0]
    spatial = int(round((fcs[0][0].shape[1] / channels) ** 0.5))
    layers = []
    conv = 0
    for b, size in enumerate(BLOCKS):
        for p in range(size):
            w, bias = convs[conv]
            layers.append((f"block{b + 1}_conv{p + 1}", [np.ascontiguousarray(w.transpose(2, 3, 1, 0)), bias]))
            conv += 1
        layers.append((f"block{b + 1}_pool", []))
    top = [("flatten", [])]
    for n, (name, (w, bias)) in enumerate(zip(["fc1", "fc2", "predictions"], fcs)):
        if n == 0:
            kernel = w.reshape(hidden, channels, spatial, spatial).transpose(2, 3, 1, 0).reshape(spatial * spatial * channels, hidden)
        else:
            kernel = w.T
        top.append((name, [np.ascontiguousarray(kernel), bias]))
    return layers, top


def write_keras(path, layers, legacy, huge_first_kernel=False):
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([name.encode() for name, _ in layers])
        # Fixed-length strings, as the h5py 2 of the published Keras files wrote them (h5py 3
        # would store plain bytes as variable-length strings, which vggbatch does not read).
        f.attrs["backend"] = np.bytes_(b"tensorflow")
        f.attrs["keras_version"] = np.bytes_(b"1.2.2" if legacy else b"2.2.4")
        for name, weights in layers:
            group = f.create_group(name)
            if legacy:
                names = [f"{name}_W_1:0", f"{name}_b_1:0"][: len(weights)]
            else:
                names = [f"{name}/kernel:0", f"{name}/bias:0"][: len(weights)]
            group.attrs["weight_names"] = np.array([n.encode() for n in names], dtype="S")
            for weight_name, value in zip(names, weights):
                if huge_first_kernel and name == "block1_conv1" and value.ndim == 4:
                    group.create_dataset(weight_name, shape=(3, 3, 3, 1 << 40), dtype="f4", chunks=(3, 3, 3, 4))
                else:
                    group.create_dataset(weight_name, data=value)


if __name__ == "__main__":
    main()
