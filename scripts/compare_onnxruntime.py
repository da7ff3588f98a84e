#!/usr/bin/env python3
"""Check vggbatch's VGG16 against ONNX Runtime, then time it, ONNX Runtime and PyTorch on the same weights.

Writes nothing to the repository. In the work directory (default /tmp/vggbatch-compare)
it leaves the random weights, the ONNX graph built from them, and the accuracy input and
output files; on standard output it prints the accuracy figures and a Markdown table
(engine, batch, img/s, ms/img, GFLOP/s, peak RSS, vggbatch/ORT ratio) with the machine
and date, ready for Benchmarks/README.md; --json prints the same results as JSON too.

Run from the repository root after `swift build -c release`:

    pip install onnxruntime onnx numpy safetensors pillow
    pip install 'torch==2.13.0+cpu'                              # optional: PyTorch too
    pip install openvino                                         # optional: OpenVINO too (f32 and its default)
    python3 scripts/compare_onnxruntime.py                       # batches 1, 8 and 32, 2 threads
    python3 scripts/compare_onnxruntime.py --batches 1 4 16 --threads 2 --iterations 9
    python3 scripts/compare_onnxruntime.py --ort-only            # no Swift binaries needed
    python3 scripts/compare_onnxruntime.py --keras --skip-speed  # vggbatch reads a Keras HDF5 copy

Steps:
 1. Weights: `vggbatch weights random --seed N --output FILE` (torchvision names, F32),
    reused if the file exists, or --weights PATH (torchvision or timm names). With
    --ort-only and no --weights, NumPy writes He-initialised weights of the same layout.
 2. The ONNX graph of those weights (Conv+Relu x13 with five MaxPools, Flatten, Gemm
    transB=1 x3 with Relu after the first two; outputs fc7 after its ReLU, and logits),
    rebuilt when the weights are newer than it.
 3. Accuracy: samples/skimage-chelsea.png and samples/skimage-coffee.png through the
    torch preset (Pillow BILINEAR squash to 224x224, as scripts/make_engine_goldens.py
    does), stacked [2,3,224,224], run by ONNX Runtime (all optimisations) and by
    `vggbatch-bench forward`: fc7 cosine similarity per image (goal >= 0.9999), logits
    max|a-b| / max|b| per image with ONNX Runtime as b (goal <= 1e-3), and whether the
    top-5 classes agree in order. With --ort-only the candidate is ONNX Runtime with graph
    optimisations off, which checks this script rather than vggbatch. A missed goal stops
    the run before timing (exit 1) unless --time-anyway.
 4. Speed, one engine at a time, each in a child process, taking turns within each round:
    ONNX Runtime (intra-op threads = --threads, inter-op 1, all optimisations), PyTorch when
    installed (eager nn.Sequential of the same weights, torch.inference_mode,
    --torch-memory-format, set_num_threads(--threads)), OpenVINO when installed twice
    (INFERENCE_NUM_THREADS = --threads, PERFORMANCE_HINT LATENCY, once with
    INFERENCE_PRECISION_HINT f32 and once at its own default, which is bfloat16 on CPUs with
    AVX512_BF16 or AMX; the precision it chose is reported), then `vggbatch bench` at
    --precision f32 and at --precision auto; one warm-up run, then --iterations timed runs on
    seeded random input; median, min and max per image. The group runs --rounds times; each
    ratio is the median of the rounds' ratios: vggbatch f32 against the float32 engines,
    vggbatch auto against OpenVINO's default. GFLOP/s counts 30.94 GFLOP per image (15.47 G
    multiply-adds). Keep the machine otherwise idle. On the project's shared 2-core machines
    the second core is at times much slower than the first (a 2-thread run then takes about
    as long as a 1-thread one), so single figures drift by up to 2x; alternating engines
    keeps the ratio honest.

Peak RSS is measured the same way for both engines: ru_maxrss of each engine's process
from wait4. On Linux a child's ru_maxrss starts from its parent's peak (vfork+exec
carries it over), so steps 1-3, which hold the weights in memory, run in a child too and
this process stays at a few tens of MB. The figures vggbatch and ONNX Runtime report
about themselves (VmHWM for ONNX Runtime) are kept in the JSON.

The Swift tests never run this script and never need Python.
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GFLOP_PER_IMAGE = 30.94
CONV_INDICES = [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28]
VGG16_PLAN = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M",
              512, 512, 512, "M", 512, 512, 512, "M"]
FC_SIZES = [(4096, 25088), (4096, 4096), (1000, 4096)]
ACCURACY_SAMPLES = ["skimage-chelsea.png", "skimage-coffee.png"]
COSINE_GOAL = 0.9999
LOGITS_GOAL = 1e-3


# MARK: - weights


def numpy_random_weights(path, seed):
    """Full-size VGG16 with torchvision names: He-normal weights, biases U(-0.1, 0.1)."""
    import numpy as np
    from safetensors.numpy import save_file
    rng = np.random.default_rng(seed)
    tensors, in_channels = {}, 3
    for index, out_channels in zip(CONV_INDICES, [v for v in VGG16_PLAN if v != "M"]):
        shape = (out_channels, in_channels, 3, 3)
        tensors[f"features.{index}.weight"] = he_normal(rng, shape)
        tensors[f"features.{index}.bias"] = rng.uniform(-0.1, 0.1, out_channels).astype(np.float32)
        in_channels = out_channels
    for index, shape in zip((0, 3, 6), FC_SIZES):
        tensors[f"classifier.{index}.weight"] = he_normal(rng, shape)
        tensors[f"classifier.{index}.bias"] = rng.uniform(-0.1, 0.1, shape[0]).astype(np.float32)
    save_file(tensors, str(path), metadata={"generator": "scripts/compare_onnxruntime.py",
                                            "what": f"random VGG16, seed {seed}"})


def he_normal(rng, shape):
    import numpy as np
    fan_in = int(np.prod(shape[1:]))
    weight = rng.standard_normal(shape, dtype=np.float32)
    weight *= np.float32(np.sqrt(2.0 / fan_in))
    return weight


def load_weights(path):
    """torchvision-named float32 arrays from a safetensors file with either naming."""
    import numpy as np
    from safetensors.numpy import load_file
    raw = load_file(str(path))
    timm = {"pre_logits.fc1": "classifier.0", "pre_logits.fc2": "classifier.3",
            "head.fc": "classifier.6"}
    weights = {}
    for name, value in raw.items():
        prefix, _, kind = name.rpartition(".")
        prefix = timm.get(prefix, prefix)
        if prefix.startswith("classifier.") and kind == "weight":
            value = value.reshape(value.shape[0], -1)  # timm's conv-shaped fc6 and fc7
        weights[f"{prefix}.{kind}"] = value.astype(np.float32, copy=False)
    expected = [f"features.{i}.{k}" for i in CONV_INDICES for k in ("weight", "bias")]
    expected += [f"classifier.{i}.{k}" for i in (0, 3, 6) for k in ("weight", "bias")]
    missing = [name for name in expected if name not in weights]
    if missing:
        sys.exit(f"{path}: missing tensors {', '.join(missing)}")
    for index, shape in zip((0, 3, 6), FC_SIZES):
        got = weights[f"classifier.{index}.weight"].shape
        if got != shape:
            sys.exit(f"{path}: classifier.{index}.weight is {list(got)}, expected {list(shape)}")
    return weights


# MARK: - ONNX graph


def build_onnx(weights, path):
    """Writes VGG16 as an ONNX graph (opset 17) with outputs fc7 (after ReLU) and logits."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes, current, index = [], "input", 0
    for layer in VGG16_PLAN:
        if layer == "M":
            nodes.append(helper.make_node("MaxPool", [current], [f"pool{index}"],
                                          kernel_shape=[2, 2], strides=[2, 2]))
            current, index = f"pool{index}", index + 1
        else:
            conv = f"features.{index}"
            nodes.append(helper.make_node("Conv", [current, f"{conv}.weight", f"{conv}.bias"],
                                          [f"conv{index}"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]))
            nodes.append(helper.make_node("Relu", [f"conv{index}"], [f"relu{index}"]))
            current, index = f"relu{index}", index + 2
    nodes.append(helper.make_node("Flatten", [current], ["flat"], axis=1))
    for index, source, target in ((0, "flat", "fc6"), (3, "fc6", "fc7"), (6, "fc7", "logits")):
        linear = target if target == "logits" else f"{target}_linear"
        nodes.append(helper.make_node("Gemm", [source, f"classifier.{index}.weight",
                                               f"classifier.{index}.bias"], [linear], transB=1))
        if target != "logits":
            nodes.append(helper.make_node("Relu", [linear], [target]))
    graph = helper.make_graph(
        nodes, "vgg16",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, 224, 224])],
        [helper.make_tensor_value_info("fc7", TensorProto.FLOAT, ["N", 4096]),
         helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 1000])],
        initializer=[numpy_helper.from_array(value, name) for name, value in weights.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="scripts/compare_onnxruntime.py")
    model.ir_version = 8
    onnx.checker.check_model(model)  # ~553 MB, under protobuf's 2 GB limit: stored inline
    onnx.save_model(model, str(path))


def ort_session(onnx_path, threads, optimise=True):
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = (ort.GraphOptimizationLevel.ORT_ENABLE_ALL if optimise
                                        else ort.GraphOptimizationLevel.ORT_DISABLE_ALL)
    return ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])


# MARK: - accuracy


def accuracy(args, onnx_path, weights_path):
    import numpy as np
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from make_engine_goldens import torch_squash_tensor
    from safetensors.numpy import load_file, save_file

    x = np.stack([torch_squash_tensor(REPO / "samples" / name) for name in ACCURACY_SAMPLES])
    reference = dict(zip(["fc7", "logits"],
                         ort_session(onnx_path, args.threads).run(["fc7", "logits"], {"input": x})))
    if args.ort_only:
        candidate_name = "onnxruntime, optimisations off"
        candidate = dict(zip(["fc7", "logits"], ort_session(onnx_path, args.threads, False)
                             .run(["fc7", "logits"], {"input": x})))
    else:
        candidate_name = "vggbatch-bench forward"
        input_path = args.workdir / "accuracy-input.safetensors"
        output_path = args.workdir / "accuracy-output.safetensors"
        save_file({"input": x}, str(input_path))
        output_path.unlink(missing_ok=True)
        candidate_weights = weights_path
        if args.keras:
            # The same numbers in Keras HDF5 layout (HWIO kernels, fc1 rows in H,W,C order),
            # loaded by vggbatch's Keras reader: checks its layout conversion at full size.
            from make_keras_fixture import keras_layers_from_torch, write_keras
            candidate_weights = args.workdir / "weights-keras.h5"
            if not candidate_weights.exists() or candidate_weights.stat().st_mtime < weights_path.stat().st_mtime:
                layers, top = keras_layers_from_torch(load_file(str(weights_path)))
                write_keras(candidate_weights, [("input_1", [])] + layers + top, legacy=False)
            candidate_name += " (weights converted to Keras HDF5)"
        run([str(args.build_dir / "vggbatch-bench"), "forward", "--weights", str(candidate_weights),
             "--input", str(input_path), "--output", str(output_path)])
        candidate = load_file(str(output_path))
        for name, shape in (("fc7", (len(x), 4096)), ("logits", (len(x), 1000))):
            if candidate.get(name) is None or candidate[name].shape != shape:
                got = None if candidate.get(name) is None else list(candidate[name].shape)
                sys.exit(f"{output_path}: {name} is {got}, expected {list(shape)}")

    rows = []
    for i, name in enumerate(ACCURACY_SAMPLES):
        a_fc7 = candidate["fc7"][i].astype(np.float64)
        b_fc7 = reference["fc7"][i].astype(np.float64)
        cosine = float(a_fc7 @ b_fc7 / (np.linalg.norm(a_fc7) * np.linalg.norm(b_fc7)))
        a_log = candidate["logits"][i].astype(np.float64)
        b_log = reference["logits"][i].astype(np.float64)
        rel = float(np.abs(a_log - b_log).max() / np.abs(b_log).max())
        top_a = np.argsort(-candidate["logits"][i], kind="stable")[:5].tolist()
        top_b = np.argsort(-reference["logits"][i], kind="stable")[:5].tolist()
        rows.append({"image": name, "fc7_cosine": cosine, "logits_max_rel_error": rel,
                     "top5_identical": top_a == top_b, "top5": top_a, "top5_reference": top_b,
                     "ok": cosine >= COSINE_GOAL and rel <= LOGITS_GOAL and top_a == top_b})
    return {"candidate": candidate_name, "reference": "onnxruntime, all optimisations",
            "images": rows, "ok": all(r["ok"] for r in rows)}


def print_accuracy(result):
    print(f"## Accuracy: {result['candidate']} vs {result['reference']}\n")
    print(f"| image | fc7 cosine (>= {COSINE_GOAL}) | logits max rel. error (<= {LOGITS_GOAL:g}) "
          "| top-5 identical | top-5 |")
    print("|---|---:|---:|---|---|")
    for r in result["images"]:
        print(f"| {r['image']} | {r['fc7_cosine']:.7f} | {r['logits_max_rel_error']:.2e} "
              f"| {'yes' if r['top5_identical'] else 'NO'} | {r['top5']} |")
    print(f"\naccuracy: {'ok' if result['ok'] else 'FAILED'}\n")


# MARK: - speed


def ort_worker(args):
    """Times ONNX Runtime in this process and prints one JSON object (child mode)."""
    import numpy as np
    import onnxruntime

    started = time.perf_counter()
    session = ort_session(args.onnx, args.threads)
    load_seconds = time.perf_counter() - started
    hwm_after_load = own_peak_rss_bytes()
    rng = np.random.default_rng(args.seed)
    x = rng.standard_normal((args.batch, 3, 224, 224), dtype=np.float32)
    times = timed_runs(lambda: session.run(["logits"], {"input": x}), args.iterations)
    print(json.dumps({
        "engine": f"onnxruntime {onnxruntime.__version__}", "precision": "f32",
        "batch_size": args.batch, "threads": args.threads, "iterations": args.iterations,
        **per_image(times, args.batch),
        "own_peak_rss_bytes": own_peak_rss_bytes(),
        "own_peak_rss_after_session_load_bytes": hwm_after_load,
        "session_load_seconds": load_seconds,
        "batch_seconds": times,
    }))


def openvino_worker(args):
    """Times OpenVINO in this process at `--openvino-precision` (`default`: its own choice,
    bfloat16 on CPUs with AVX512_BF16 or AMX) and prints one JSON object (child mode)."""
    import numpy as np
    import openvino as ov

    started = time.perf_counter()
    core = ov.Core()
    model = core.read_model(str(args.onnx))
    model.reshape({model.inputs[0].get_any_name(): [args.batch, 3, 224, 224]})
    config = {"INFERENCE_NUM_THREADS": args.threads, "PERFORMANCE_HINT": "LATENCY"}
    if args.openvino_precision != "default":
        config["INFERENCE_PRECISION_HINT"] = args.openvino_precision
    compiled = core.compile_model(model, "CPU", config)
    load_seconds = time.perf_counter() - started
    chosen = compiled.get_property("INFERENCE_PRECISION_HINT")
    precision = chosen.to_string() if hasattr(chosen, "to_string") else str(chosen)
    request = compiled.create_infer_request()
    rng = np.random.default_rng(args.seed)
    x = rng.standard_normal((args.batch, 3, 224, 224), dtype=np.float32)
    times = timed_runs(lambda: request.infer({0: x}), args.iterations)
    print(json.dumps({
        "engine": f"OpenVINO {ov.get_version().split('-')[0]} ({args.openvino_precision})",
        "precision": precision,
        "batch_size": args.batch, "threads": args.threads, "iterations": args.iterations,
        **per_image(times, args.batch),
        "own_peak_rss_bytes": own_peak_rss_bytes(),
        "model_load_seconds": load_seconds,
        "batch_seconds": times,
    }))


def openvino_available():
    from importlib.util import find_spec
    return find_spec("openvino") is not None


def build_torch(weights, memory_format):
    """VGG16 as a PyTorch nn.Sequential holding the same arrays (shared, not copied)."""
    import torch
    from torch import nn

    layers, index, channels = [], 0, 3
    for layer in VGG16_PLAN:
        if layer == "M":
            layers.append(nn.MaxPool2d(2, 2))
            index += 1
        else:
            conv = nn.Conv2d(channels, layer, 3, padding=1)
            conv.weight.data = torch.from_numpy(weights[f"features.{index}.weight"])
            conv.bias.data = torch.from_numpy(weights[f"features.{index}.bias"])
            layers += [conv, nn.ReLU(inplace=True)]
            channels, index = layer, index + 2
    layers.append(nn.Flatten())
    for n, (outputs, inputs) in enumerate(FC_SIZES):
        linear = nn.Linear(inputs, outputs)
        linear.weight.data = torch.from_numpy(weights[f"classifier.{n * 3}.weight"])
        linear.bias.data = torch.from_numpy(weights[f"classifier.{n * 3}.bias"])
        layers.append(linear)
        if n < 2:
            layers.append(nn.ReLU(inplace=True))
    model = nn.Sequential(*layers).eval()
    if memory_format == "channels_last":
        model = model.to(memory_format=torch.channels_last)
    return model


def torch_worker(args):
    """Times PyTorch in this process and prints one JSON object (child mode)."""
    import numpy as np
    import torch

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    started = time.perf_counter()
    model = build_torch(load_weights(args.weights), args.torch_memory_format)
    load_seconds = time.perf_counter() - started
    rng = np.random.default_rng(args.seed)
    x = torch.from_numpy(rng.standard_normal((args.batch, 3, 224, 224), dtype=np.float32))
    if args.torch_memory_format == "channels_last":
        x = x.to(memory_format=torch.channels_last)
    with torch.inference_mode():
        times = timed_runs(lambda: model(x), args.iterations)
    print(json.dumps({
        "engine": f"PyTorch {torch.__version__} ({args.torch_memory_format})", "precision": "f32",
        "batch_size": args.batch, "threads": args.threads, "iterations": args.iterations,
        **per_image(times, args.batch),
        "own_peak_rss_bytes": own_peak_rss_bytes(),
        "model_load_seconds": load_seconds,
        "batch_seconds": times,
    }))


def torch_available():
    from importlib.util import find_spec
    return find_spec("torch") is not None


def timed_runs(run_batch, iterations):
    """One warm-up call of run_batch, then the seconds of each of `iterations` timed calls."""
    run_batch()
    times = []
    for _ in range(iterations):
        start = time.perf_counter()
        run_batch()
        times.append(time.perf_counter() - start)
    return times


def per_image(batch_seconds, batch):
    ms = sorted(t * 1000 / batch for t in batch_seconds)
    median = statistics.median(ms)
    return {"ms_per_image": median, "min_ms_per_image": ms[0], "max_ms_per_image": ms[-1],
            "images_per_second": 1000 / median, "gflops": GFLOP_PER_IMAGE * 1000 / median}


def own_peak_rss_bytes():
    """This process's peak RSS from /proc (VmHWM), or None where /proc is missing.

    Not getrusage's ru_maxrss: on Linux a process started by vfork+exec (as Python's
    subprocess does) inherits its parent's peak there.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def time_worker(args, batch, mode, *extra):
    """Runs this script in a worker mode (--ort-worker, --torch-worker) for one batch size."""
    output, peak = run_measured(
        [sys.executable, str(Path(__file__).resolve()), mode, *extra,
         "--batch", str(batch), "--threads", str(args.threads),
         "--iterations", str(args.iterations), "--seed", str(args.seed)])
    result = last_json_object(output)
    result["peak_rss_bytes"] = peak
    return result


def time_ort(args, onnx_path, batch):
    return time_worker(args, batch, "--ort-worker", "--onnx", str(onnx_path))


def time_torch(args, weights_path, batch):
    return time_worker(args, batch, "--torch-worker", "--weights", str(weights_path),
                       "--torch-memory-format", args.torch_memory_format)


def time_openvino(args, onnx_path, batch, precision):
    return time_worker(args, batch, "--openvino-worker", "--onnx", str(onnx_path), "--openvino-precision", precision)


def time_vggbatch(args, weights_path, batch, precision="auto"):
    output, peak = run_measured(
        [str(args.build_dir / "vggbatch"), "bench", "--weights", str(weights_path),
         "--batch-size", str(batch), "--threads", str(args.threads),
         "--iterations", str(args.iterations), "--precision", precision, "--json"])
    reported = last_json_object(output)
    engine = f"vggbatch ({reported['instruction_set']}, {precision})" if "instruction_set" in reported else "vggbatch"
    result = {"engine": engine, "precision": reported.get("precision", "f32"), "batch_size": batch, "threads": args.threads,
              "iterations": args.iterations, "ms_per_image": reported["ms_per_image"],
              "min_ms_per_image": reported.get("min_ms_per_image"),
              "max_ms_per_image": reported.get("max_ms_per_image"),
              "images_per_second": reported["images_per_second"],
              "gflops": GFLOP_PER_IMAGE * reported["images_per_second"],
              "peak_rss_bytes": peak, "reported": reported}
    if (reported.get("batch_size") not in (None, batch)
            or reported.get("threads") not in (None, args.threads)):
        sys.exit(f"vggbatch bench ran batch {reported.get('batch_size')}, threads "
                 f"{reported.get('threads')}; asked for {batch}, {args.threads}")
    if abs(reported.get("gflops", result["gflops"]) - result["gflops"]) > 0.02 * result["gflops"]:
        print(f"note: vggbatch reports {reported['gflops']:.1f} GFLOP/s; the table uses "
              f"{GFLOP_PER_IMAGE} GFLOP/image x img/s = {result['gflops']:.1f}", file=sys.stderr)
    return result


def summarise(rounds):
    """One table row from the rounds of one engine at one batch size."""
    ms = statistics.median(r["ms_per_image"] for r in rounds)
    lows = [r.get("min_ms_per_image") or r["ms_per_image"] for r in rounds]
    highs = [r.get("max_ms_per_image") or r["ms_per_image"] for r in rounds]
    return {"engine": rounds[0]["engine"], "precision": rounds[0].get("precision", ""), "batch_size": rounds[0]["batch_size"],
            "threads": rounds[0]["threads"], "iterations": rounds[0]["iterations"],
            "ms_per_image": ms, "min_ms_per_image": min(lows), "max_ms_per_image": max(highs),
            "images_per_second": 1000 / ms, "gflops": GFLOP_PER_IMAGE * 1000 / ms,
            "peak_rss_bytes": max(r["peak_rss_bytes"] for r in rounds), "rounds": rounds}


def print_speed(results, machine):
    print(f"## Speed: {machine['cpu']} ({machine['cpu_flags']}), {machine['cpus']} CPUs, {machine['date']}\n")
    print(f"{machine['onnxruntime']}, {machine['threads']} threads; the engines ran in turn, "
          f"{machine['rounds']} rounds of 1 warm-up + {machine['iterations']} timed runs each, every run a new process: "
          "ms/img is the median of the rounds' medians, min and max over all runs; "
          f"{GFLOP_PER_IMAGE} GFLOP/image (what the arithmetic would be at float32 without fast algorithms); "
          "precision is what each engine computed in (OpenVINO's default is its own choice); "
          "peak RSS of the engine's process; each ratio is the median of the rounds' img/s ratios\n")
    ratios = [key for key in RATIOS if any(key in row for row in results)]
    print("| engine | precision | batch | img/s | ms/img | min | max | GFLOP/s | peak RSS MB | "
          + " | ".join(RATIOS[key] for key in ratios) + " |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|" + "---:|" * len(ratios))

    def number(value, digits):
        return "" if value is None else f"{value:.{digits}f}"

    for row in results:
        print(f"| {row['engine']} | {row.get('precision', '')} | {row['batch_size']} | {row['images_per_second']:.2f} "
              f"| {row['ms_per_image']:.1f} | {number(row.get('min_ms_per_image'), 1)} "
              f"| {number(row.get('max_ms_per_image'), 1)} | {row['gflops']:.1f} "
              f"| {row['peak_rss_bytes'] / 2**20:.0f} | "
              + " | ".join(number(row.get(key), 2) for key in ratios) + " |")
    print()


# The ratio columns: vggbatch's row against a peer's, in the same rounds.
RATIOS = {
    "ratio": "vggbatch/ORT",
    "torch_ratio": "vggbatch/PyTorch",
    "openvino_f32_ratio": "vggbatch/OpenVINO f32",
    "openvino_default_ratio": "vggbatch/OpenVINO default",
}


# MARK: - plumbing


def run(command):
    """Runs command, its stderr passed through; returns its stdout; exits if it fails."""
    return run_measured(command)[0]


def run_measured(command):
    """Runs command like run(); also returns the child's peak RSS in bytes (wait4).

    Meaningful because this process stays small: the heavy steps run in children, and a
    child's ru_maxrss starts from its parent's peak.
    """
    print("$ " + " ".join(command), file=sys.stderr, flush=True)
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    output = child.stdout.read()
    child.stdout.close()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        sys.exit(f"{command[0]} exited with status {child.returncode}:\n{output}")
    return output, usage.ru_maxrss * 1024


def last_json_object(text):
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    sys.exit(f"no JSON object in output:\n{text}")


def machine_info(args):
    from importlib.metadata import version  # not importing onnxruntime keeps this process small
    cpu = platform.processor() or "unknown CPU"
    try:
        lscpu = subprocess.run(["lscpu"], stdout=subprocess.PIPE, text=True).stdout
        for line in lscpu.splitlines():
            if line.startswith("Model name:"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    flags = set()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    break
    except OSError:
        pass
    vector = [name for name in ("avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16", "avx512fp16")
              if name in flags]
    return {"cpu": cpu, "cpu_flags": " ".join(vector) or "none of avx2/avx512",
            "cpus": len(os.sched_getaffinity(0)),
            "date": datetime.datetime.now(datetime.timezone.utc).date().isoformat(),
            "onnxruntime": f"ONNX Runtime {version('onnxruntime')}",
            "python": platform.python_version(), "threads": args.threads,
            "iterations": args.iterations, "rounds": args.rounds}


def parse_args():
    parser = argparse.ArgumentParser(
        description="Check vggbatch's VGG16 against ONNX Runtime and time both.")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/vggbatch-compare"),
                        help="where weights, the ONNX graph and accuracy files go "
                             "(default: %(default)s)")
    parser.add_argument("--weights", type=Path,
                        help="VGG16 safetensors to use (torchvision or timm names) instead of "
                             "random weights written into the work directory")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the random weights and of the timing input (default 0)")
    parser.add_argument("--build-dir", type=Path, default=REPO / ".build" / "release",
                        help="directory holding vggbatch and vggbatch-bench "
                             "(default: .build/release)")
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 8, 32],
                        help="batch sizes to time (default: 1 8 32)")
    parser.add_argument("--threads", type=int, default=2,
                        help="threads for both engines (default 2)")
    parser.add_argument("--iterations", type=int, default=5,
                        help="timed runs per batch size, after one warm-up (default 5)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="how often to alternate the two engines at each batch size, "
                             "each time in a new process (default 3)")
    parser.add_argument("--json", action="store_true", help="also print the results as JSON")
    parser.add_argument("--ort-only", action="store_true",
                        help="run only the ONNX Runtime side; no Swift binaries needed")
    parser.add_argument("--keras", action="store_true",
                        help="give vggbatch the weights as Keras HDF5 (needs h5py) for the accuracy check")
    parser.add_argument("--no-torch", action="store_true",
                        help="do not time PyTorch even when it is installed")
    parser.add_argument("--no-openvino", action="store_true",
                        help="do not time OpenVINO even when it is installed")
    parser.add_argument("--torch-memory-format", choices=["nchw", "channels_last"], default="channels_last",
                        help="PyTorch activation layout (default channels_last: 6.2 img/s against "
                             "4.5 for nchw at batch 8 here, so the faster one is the yardstick)")
    parser.add_argument("--skip-accuracy", action="store_true", help="only time the engines")
    parser.add_argument("--skip-speed", action="store_true", help="only check accuracy")
    parser.add_argument("--time-anyway", action="store_true",
                        help="time the engines even when the accuracy check fails")
    # Child modes: prepare the graph and check accuracy (prepare_worker), time ONNX
    # Runtime (ort_worker). Each prints one JSON object.
    parser.add_argument("--prepare-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--ort-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--torch-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--openvino-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--openvino-precision", default="default", help=argparse.SUPPRESS)
    parser.add_argument("--onnx", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--batch", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.workdir = args.workdir.resolve()
    return args


def prepare_weights(args):
    """The weights file to use; writes random weights into the work directory if needed."""
    if args.weights:
        if not args.weights.is_file():
            sys.exit(f"{args.weights}: no such file")
        return args.weights.resolve()
    if args.ort_only:
        path = args.workdir / f"vgg16-random-numpy-seed{args.seed}.safetensors"
        if not path.exists():
            print(f"writing NumPy random weights to {path}", file=sys.stderr)
            numpy_random_weights(path, args.seed)
        return path
    path = args.workdir / f"vgg16-random-seed{args.seed}.safetensors"
    if not path.exists():
        run([str(args.build_dir / "vggbatch"), "weights", "random", "--seed", str(args.seed),
             "--output", str(path)])
    return path


def prepare_worker(args):
    """Child mode: weights, ONNX graph and accuracy check; prints one JSON object."""
    weights_path = prepare_weights(args)
    onnx_path = args.workdir / (weights_path.stem + ".onnx")
    if not onnx_path.exists() or onnx_path.stat().st_mtime < weights_path.stat().st_mtime:
        print(f"building {onnx_path}", file=sys.stderr)
        build_onnx(load_weights(weights_path), onnx_path)
    result = {"weights": str(weights_path), "onnx": str(onnx_path)}
    if not args.skip_accuracy:
        result["accuracy"] = accuracy(args, onnx_path, weights_path)
    print(json.dumps(result))


def main():
    args = parse_args()
    if args.ort_worker:
        ort_worker(args)
        return
    if args.torch_worker:
        torch_worker(args)
        return
    if args.openvino_worker:
        openvino_worker(args)
        return
    if args.prepare_worker:
        prepare_worker(args)
        return
    if not args.ort_only:
        for binary in ("vggbatch", "vggbatch-bench"):
            if not (args.build_dir / binary).is_file():
                sys.exit(f"{args.build_dir / binary} not found: run `swift build -c release` "
                         "first, or pass --ort-only")
    args.workdir.mkdir(parents=True, exist_ok=True)
    if not args.ort_only:
        args.weights = prepare_weights(args)  # vggbatch writes them, from this small process

    # Everything that holds the weights in memory runs in a child, so that this process,
    # whose peak every later child inherits in ru_maxrss, stays small.
    command = [sys.executable, str(Path(__file__).resolve()), "--prepare-worker",
               "--workdir", str(args.workdir), "--seed", str(args.seed),
               "--build-dir", str(args.build_dir), "--threads", str(args.threads)]
    command += ["--weights", str(args.weights)] if args.weights else []
    command += ["--ort-only"] if args.ort_only else []
    command += ["--keras"] if args.keras else []
    command += ["--skip-accuracy"] if args.skip_accuracy else []
    report = {"machine": machine_info(args), **last_json_object(run(command))}
    weights_path, onnx_path = Path(report["weights"]), Path(report["onnx"])

    failed = False
    if "accuracy" in report:
        print_accuracy(report["accuracy"])
        failed = not report["accuracy"]["ok"]

    if not args.skip_speed and (not failed or args.time_anyway):
        with_torch = not args.no_torch and torch_available()
        if not with_torch and not args.no_torch:
            print("PyTorch is not installed: not timing it", file=sys.stderr)
        with_openvino = not args.no_openvino and openvino_available()
        if not with_openvino and not args.no_openvino:
            print("OpenVINO is not installed (pip install openvino): not timing it", file=sys.stderr)
        # The engines in the order they take turns within a round.
        engines = [("ort", lambda batch: time_ort(args, onnx_path, batch))]
        if with_torch:
            engines.append(("torch", lambda batch: time_torch(args, weights_path, batch)))
        if with_openvino:
            engines.append(("openvino_f32", lambda batch: time_openvino(args, onnx_path, batch, "f32")))
            engines.append(("openvino_default", lambda batch: time_openvino(args, onnx_path, batch, "default")))
        if not args.ort_only:
            engines.append(("vggbatch_f32", lambda batch: time_vggbatch(args, weights_path, batch, "f32")))
            engines.append(("vggbatch_auto", lambda batch: time_vggbatch(args, weights_path, batch, "auto")))
        rows = []
        for batch in args.batches:
            rounds = {name: [] for name, _ in engines}
            for _ in range(args.rounds):
                for name, time_engine in engines:
                    rounds[name].append(time_engine(batch))
            summaries = {name: summarise(runs) for name, runs in rounds.items()}

            # Each round's ratio compares runs a few seconds apart, which cancels most of the
            # drift of a shared machine; the median of those is the figure. vggbatch in float32
            # against the float32 engines, vggbatch at auto against OpenVINO at its own choice.
            def ratio(ours, theirs):
                if ours not in rounds or theirs not in rounds:
                    return None
                return statistics.median(
                    a["images_per_second"] / b["images_per_second"] for a, b in zip(rounds[ours], rounds[theirs]))

            for key, ours, theirs in (("ratio", "vggbatch_f32", "ort"), ("torch_ratio", "vggbatch_f32", "torch"),
                                      ("openvino_f32_ratio", "vggbatch_f32", "openvino_f32"),
                                      ("openvino_default_ratio", "vggbatch_auto", "openvino_default")):
                value = ratio(ours, theirs)
                if value is not None:
                    summaries[ours][key] = value
            rows += list(summaries.values())
        report["speed"] = rows
        print_speed(rows, report["machine"])
    elif failed:
        print("accuracy goals missed: not timing (pass --time-anyway to time regardless)")

    report["driver_peak_rss_bytes"] = own_peak_rss_bytes()
    if args.json:
        print(json.dumps(report, indent=2))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
