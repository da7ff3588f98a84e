#!/usr/bin/env python3
"""`vggbatch explain`'s layer table against Keras 3 and torchinfo, number for number.

    pip install keras torchinfo torch      # KERAS_BACKEND=torch: no TensorFlow needed
    swift build && python3 scripts/explain_reference.py [--vggbatch .build/debug/vggbatch]

Keras: `keras.applications.VGG16(weights=None)`: every layer's output shape and parameter
count, and the total, against `vggbatch explain --layout keras --json` (Keras's layer
names are the file names there). torchinfo: torchvision's `vgg16()` (rebuilt module for
module from torch.nn when no torchvision wheel matches the installed torch): every
layer's parameters and multiply-adds, which torchinfo counts with one more per output for
the bias (the table's `multiply_adds_with_bias`), against `vggbatch explain --json`.
Exits 1 on any difference, printing each; 0 with a one-line summary.
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
os.environ.setdefault("KERAS_BACKEND", "torch")


def explain(binary, *arguments):
    output = subprocess.run([binary, "explain", "--json", *arguments], check=True, capture_output=True, text=True).stdout
    return json.loads(output)


def keras_rows():
    import keras

    model = keras.applications.VGG16(weights=None)
    rows = {}
    for layer in model.layers:
        shape = tuple(layer.output.shape[1:])
        rows[layer.name] = (shape, layer.count_params())
    return rows, model.count_params()


def torchvision_vgg16():
    try:
        from torchvision.models import vgg16
        return vgg16(), "torchvision"
    except Exception:  # no torchvision, or one built for another torch
        import torch
        from torch import nn

        layers, channels = [], 3
        for width in [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]:
            if width == "M":
                layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            else:
                layers += [nn.Conv2d(channels, width, kernel_size=3, padding=1), nn.ReLU(inplace=True)]
                channels = width

        class VGG(nn.Module):  # torchvision.models.vgg.VGG's modules, in its order
            def __init__(self):
                super().__init__()
                self.features = nn.Sequential(*layers)
                self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
                self.classifier = nn.Sequential(
                    nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(), nn.Linear(4096, 4096), nn.ReLU(True),
                    nn.Dropout(), nn.Linear(4096, 1000))

            def forward(self, x):
                return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))

        return VGG(), "torchvision's definition rebuilt from torch.nn"


def torchinfo_rows():
    import torchinfo

    model, origin = torchvision_vgg16()
    summary = torchinfo.summary(model, input_size=(1, 3, 224, 224), verbose=0, col_names=("output_size", "num_params", "mult_adds"))
    rows = {}
    for info in summary.summary_list:
        if info.depth == 2 and info.class_name in ("Conv2d", "Linear", "MaxPool2d"):
            parent = info.parent_info.var_name if info.parent_info else ""
            rows[f"{parent}.{info.var_name}"] = (info.num_params, info.macs, tuple(info.output_size[1:]))
    return rows, summary.total_params, summary.total_mult_adds, origin


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vggbatch", default=str(REPO / ".build" / "debug" / "vggbatch"))
    arguments = parser.parse_args()
    problems = []

    table = explain(arguments.vggbatch, "--layout", "keras")
    keras, keras_total = keras_rows()
    for row in table["layers"]:
        name = row["file_name"] if row["kind"] != "fully-connected" else row["file_name"]
        if name not in keras:
            problems.append(f"keras: no layer {name}")
            continue
        shape, params = keras[name]
        output = row["output"]
        ours = (output["height"], output["width"], output["channels"]) if row["kind"] != "fully-connected" else (output["channels"],)
        if tuple(shape) != ours or params != row["weights"] + row["biases"]:
            problems.append(f"keras {name}: {shape} {params} against ours {ours} {row['weights'] + row['biases']}")
    if keras_total != table["totals"]["parameters"]:
        problems.append(f"keras total {keras_total} against ours {table['totals']['parameters']}")

    table = explain(arguments.vggbatch)
    torch_rows, torch_params, torch_macs, origin = torchinfo_rows()
    for row in table["layers"]:
        name = row["file_name"]
        if name not in torch_rows:
            problems.append(f"torchinfo: no module {name}")
            continue
        params, macs, shape = torch_rows[name]
        output = row["output"]
        ours = (output["channels"], output["height"], output["width"]) if row["kind"] != "fully-connected" else (output["channels"],)
        if params != row["weights"] + row["biases"] or macs != row["multiply_adds_with_bias"] or tuple(shape) != ours:
            problems.append(f"torchinfo {name}: {params} {macs} {shape} against ours {row['weights'] + row['biases']} "
                            f"{row['multiply_adds_with_bias']} {ours}")
    if torch_params != table["totals"]["parameters"] or torch_macs != table["totals"]["multiply_adds_with_bias"]:
        problems.append(f"torchinfo totals {torch_params} {torch_macs} against ours {table['totals']['parameters']} "
                        f"{table['totals']['multiply_adds_with_bias']}")

    for problem in problems:
        print(problem)
    if problems:
        sys.exit(1)
    print(f"explain_reference: {len(table['layers'])} layers equal to Keras 3's VGG16 summary and to torchinfo on {origin}: "
          f"{table['totals']['parameters']:,} parameters, {torch_macs:,} multiply-adds (torchinfo's count, biases included)")


if __name__ == "__main__":
    main()
