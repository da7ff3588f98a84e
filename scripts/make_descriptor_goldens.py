#!/usr/bin/env python3
"""Write Tests/VGGEngineTests/Fixtures/pooled-descriptors.safetensors: GeM and R-MAC of seeded
activation maps, computed here in float64 NumPy, the reference of PooledDescriptorsTests.

    pip install numpy safetensors
    python3 scripts/make_descriptor_goldens.py

Definitions (what Sources/VGGEngine/PooledDescriptors.swift implements):
- GeM: g_c = (mean over positions of max(x, 1e-6)^3)^(1/3), then L2-normalised; a map with
  nothing above 1e-6 gives zeros.
- R-MAC (Tolias et al. 2016, three levels): with s = min(H, W), at level l = 1, 2, 3 square
  regions of side floor(2s/(l+1)); l of them along the short side and l + e along the long
  one, where e = argmin over n in 2..7 of |(s^2 - s*b_n)/s^2 - 0.4| (b_n = (max(H,W) - s)/(n-1)),
  plus one (e = n - 1; 0 for a square map); origins floor(i * (extent - side)/(count - 1)).
  Each region max-pooled per channel, L2-normalised (a zero vector stays zero), summed, and
  the sum L2-normalised.

Maps (non-negative, as after a ReLU, with about a third exact zeros): `square` [2,16,14,14]
(VGG16 at 224 has 512x14x14), `wide` [1,8,4,7], `tall` [1,5,9,4], `tiny` [1,4,1,1], `zero`
[1,6,3,3]. For each, `<name>.gem` and `<name>.rmac` are [N, C].
"""

from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

OUT = Path(__file__).resolve().parent.parent / "Tests" / "VGGEngineTests" / "Fixtures" / "pooled-descriptors.safetensors"


def unit(v):
    norm = np.sqrt((v * v).sum())
    return v / norm if norm > 0 else v


def gem(x, p=3.0, floor=1e-6):
    if not (x > floor).any():
        return np.zeros(x.shape[0])
    return unit(np.power(np.power(np.maximum(x, floor), p).mean(axis=(1, 2)), 1 / p))


def regions(h, w, levels=3):
    s, long = min(h, w), max(h, w)
    extra = 0
    if long > s:
        steps = np.arange(2, 8)
        b = (long - s) / (steps - 1)
        extra = int(steps[np.argmin(np.abs((s * s - s * b) / (s * s) - 0.4))] - 1)
    out = []
    for level in range(1, levels + 1):
        side = (2 * s) // (level + 1)
        if side == 0:
            continue
        along_w = level + (extra if w > h else 0)
        along_h = level + (extra if h > w else 0)

        def origins(count, extent):
            if count == 1:
                return [0]
            return [int(np.floor(i * (extent - side) / (count - 1))) for i in range(count)]

        for top in origins(along_h, h):
            for left in origins(along_w, w):
                out.append((top, left, side))
    return out


def rmac(x):
    total = np.zeros(x.shape[0])
    for top, left, side in regions(x.shape[1], x.shape[2]):
        total += unit(x[:, top:top + side, left:left + side].max(axis=(1, 2)))
    return unit(total)


def main():
    rng = np.random.default_rng(2026)
    shapes = {"square": (2, 16, 14, 14), "wide": (1, 8, 4, 7), "tall": (1, 5, 9, 4), "tiny": (1, 4, 1, 1), "zero": (1, 6, 3, 3)}
    tensors = {}
    for name, shape in shapes.items():
        maps = np.maximum(rng.standard_normal(shape) + 0.4, 0) * rng.uniform(0.5, 3.0, size=(shape[0], shape[1], 1, 1))
        if name == "zero":
            maps = np.zeros(shape)
        maps = maps.astype(np.float32)
        x = maps.astype(np.float64)
        tensors[name] = maps
        tensors[name + ".gem"] = np.stack([gem(m) for m in x]).astype(np.float32)
        tensors[name + ".rmac"] = np.stack([rmac(m) for m in x]).astype(np.float32)
        tensors[name + ".regions"] = np.array(regions(shape[2], shape[3]), dtype=np.float32).reshape(-1, 3)
    save_file(tensors, str(OUT))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
