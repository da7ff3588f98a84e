#!/usr/bin/env python3
"""How far each reduced-precision path of the engine moves VGG16's outputs from float32.

    pip install numpy pillow h5py onnx onnxruntime safetensors
    swift build -c release --product vggbatch --product vggbatch-bench
    python3 scripts/precision_fidelity.py                     # every photo below, both models
    python3 scripts/precision_fidelity.py --sweep             # also each convolution alone in bf16

Inputs: every photo of samples/ and of the shared photo folder beside the checkout
(../shared/photos), each once, made upright, composited over white and squashed to 224×224
with Pillow's bilinear filter; the same tensors go to every engine, so only the arithmetic
differs.

1. The trained ImageNet VGG16 convolution base (scripts/trained_base.py): pool5 of ONNX
   Runtime in float32 (the reference) against `vggbatch-bench forward` in float32 and in each
   reduced precision; the worst and median cosine over the photos, and the worst photo.
   With --sweep, each convolution alone in bfloat16 (the others float32): how much of the
   budget each one spends (1 − cosine), which is how the engine's default set was chosen.
2. Random VGG16 weights (`vggbatch weights random --seed 0`, full size, torch preprocessing
   of the same pictures): fc7 cosine and top-5 agreement against ONNX Runtime float32.

Prints Markdown tables for Benchmarks/README.md ("Reduced precision"); --json also prints the
figures as JSON. Writes only under --workdir (default /tmp/vggbatch-precision).
"""

import argparse
import datetime
import json
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import trained_base  # noqa: E402
from preprocess_fidelity import reference_input  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / ".build" / "release" / "vggbatch-bench"
VGGBATCH = REPO / ".build" / "release" / "vggbatch"
LAYERS = ["conv1_1", "conv1_2", "conv2_1", "conv2_2", "conv3_1", "conv3_2", "conv3_3",
          "conv4_1", "conv4_2", "conv4_3", "conv5_1", "conv5_2", "conv5_3"]
TORCH_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
TORCH_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)


def photos():
    found = {}
    for folder in (REPO / "samples", REPO.parent / "shared" / "photos"):
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                if path.suffix.lower() in (".jpg", ".jpeg", ".png") and path.name not in found:
                    found[path.name] = path
    return [found[name] for name in sorted(found)]


def write_input(path, batch):
    from safetensors.numpy import save_file
    save_file({"input": np.ascontiguousarray(batch, dtype=np.float32)}, str(path))


def forward(weights, batch, work, name, precision="f32", layers=None):
    """vggbatch-bench forward → (features, logits) of the batch."""
    from safetensors.numpy import load_file
    source, output = work / f"{name}-input.safetensors", work / f"{name}-output.safetensors"
    write_input(source, batch)
    command = [str(BENCH), "forward", "--weights", str(weights), "--input", str(source), "--output", str(output),
               "--precision", precision]
    if layers is not None:
        command += ["--bf16-layers", ",".join(map(str, sorted(layers)))]
    subprocess.run(command, check=True)
    result = load_file(str(output))
    return result["fc7"].reshape(len(batch), -1), result["logits"].reshape(len(batch), -1)


def cosines(a, b):
    a, b = a.astype(np.float64), b.astype(np.float64)
    return (a * b).sum(1) / np.maximum(np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1), 1e-300)


def summary(values, names):
    worst = int(np.argmin(values))
    return {"worst": float(values[worst]), "median": float(np.median(values)), "worst_photo": names[worst]}


def ort_session(path):
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", default="/tmp/vggbatch-precision")
    parser.add_argument("--sweep", action="store_true", help="also each convolution alone in bf16")
    parser.add_argument("--layers", action="append", default=[],
                        help="also this set of bf16 convolutions, comma-separated indices (repeatable)")
    parser.add_argument("--json", action="store_true")
    arguments = parser.parse_args()
    work = Path(arguments.workdir)
    work.mkdir(parents=True, exist_ok=True)
    files = photos()
    names = [f.name for f in files]
    pictures = [reference_input(f) for f in files]
    report = {"date": str(datetime.date.today()), "cpu": platform.processor() or platform.machine(), "photos": len(files)}

    # 1. The trained convolution base, Caffe preprocessing: pool5 against ONNX Runtime.
    base = trained_base.ensure()
    caffe = np.stack([trained_base.caffe_input(p) for p in pictures])
    session = ort_session(base["onnx"])
    reference = np.concatenate([session.run(["pool5"], {"input": caffe[i:i + 8]})[0] for i in range(0, len(caffe), 8)])
    reference = reference.reshape(len(files), -1)
    paths = {"f32": ("f32", None), "bf16": ("bf16", None)}
    for text in arguments.layers:
        paths[f"bf16 [{text}]"] = ("bf16", {int(i) for i in text.split(",")})
    if arguments.sweep:
        for index, layer in enumerate(LAYERS):
            paths[f"bf16 {layer} only"] = ("bf16", {index})
    report["trained_pool5"] = {}
    for label, (precision, layers) in paths.items():
        features, _ = forward(base["keras"], caffe, work, "trained", precision, layers)
        report["trained_pool5"][label] = summary(cosines(features, reference), names)

    # 2. Random full VGG16, torch preprocessing: fc7 and top-5 against ONNX Runtime.
    weights = work / "vgg16-random-seed0.safetensors"
    onnx = work / "vgg16-random-seed0.onnx"
    if not weights.exists():
        subprocess.run([str(VGGBATCH), "weights", "random", "--seed", "0", "--output", str(weights)], check=True,
                       capture_output=True)
    if not onnx.exists():
        import compare_onnxruntime
        compare_onnxruntime.build_onnx(weights, onnx)
    torch_input = ((np.stack(pictures).astype(np.float32) / 255 - TORCH_MEAN) / TORCH_STD).transpose(0, 3, 1, 2)
    session = ort_session(onnx)
    outputs = [session.run(None, {session.get_inputs()[0].name: torch_input[i:i + 8]}) for i in range(0, len(torch_input), 8)]
    fc7_reference = np.concatenate([o[0] for o in outputs])
    logits_reference = np.concatenate([o[1] for o in outputs])
    top_reference = np.argsort(-logits_reference, axis=1)[:, :5]
    report["random_fc7"] = {}
    for label in ("f32", "bf16"):
        fc7, logits = forward(weights, torch_input, work, "random", label)
        top = np.argsort(-logits, axis=1)[:, :5]
        entry = summary(cosines(fc7, fc7_reference), names)
        entry["top5_same_order"] = int(sum(np.array_equal(a, b) for a, b in zip(top, top_reference)))
        entry["top5_same_set"] = int(sum(set(a) == set(b) for a, b in zip(top, top_reference)))
        entry["top1_same"] = int(sum(a[0] == b[0] for a, b in zip(top, top_reference)))
        report["random_fc7"][label] = entry

    print(f"## Precision fidelity, {report['date']}: {report['photos']} photos, against ONNX Runtime float32\n")
    print("Trained VGG16 convolution base, pool5 cosine:\n")
    print("| path | worst | median | worst photo |\n|---|---:|---:|---|")
    for label, entry in report["trained_pool5"].items():
        print(f"| {label} | {entry['worst']:.6f} | {entry['median']:.6f} | {entry['worst_photo']} |")
    print("\nRandom VGG16 weights, fc7 cosine and top-5 classes:\n")
    print("| path | worst fc7 cosine | median | top-1 same | top-5 same set | top-5 same order |\n|---|---:|---:|---:|---:|---:|")
    for label, entry in report["random_fc7"].items():
        n = report["photos"]
        print(f"| {label} | {entry['worst']:.6f} | {entry['median']:.6f} | {entry['top1_same']}/{n} | "
              f"{entry['top5_same_set']}/{n} | {entry['top5_same_order']}/{n} |")
    if arguments.json:
        print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
