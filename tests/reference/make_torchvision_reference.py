#!/usr/bin/python3
# Writes tests/reference/data/torchvision_*.json and torchvision_io.safetensors: for every
# torchvision architecture the model zoo reproduces (AlexNet, VGG-11/13/16/19 with and without
# batch norm, ResNet-50, GoogLeNet), the state dict's names, shapes, kinds and counts, and one
# forward pass in eval mode (batch 1, a small image) with every parameter and buffer filled by
# the formula below, which tests/models/torchvision_reference_test.cpp computes again: full-size
# weights (VGG-16: 528 MB) are never committed, only the input and output.
#
# The fill: tensor k of the state dict (in this order), element i (flat, row-major):
#   z = splitmix64((i + 1) * 0x9E3779B97F4A7C15 + k * 0xD1B54A32D192ED03)   (mod 2^64)
#   u = (z >> 11) * 2^-53 - 0.5                                              (in [-0.5, 0.5))
#   weight (conv, linear): u * 2 * sqrt(6 / fan_in)   (He-uniform; fan_in = numel / out)
#   bias: 0.2 u;  batch-norm weight: 1 + 0.5 u, bias 0.2 u, running_mean 0.2 u,
#   running_var 1 + 0.8 u;  num_batches_tracked: 0
# computed in float64 and rounded once to float32 — the same bits in numpy and in C++.
#
# GoogLeNet: aux_logits=False, transform_input=True, init_weights=False — torchvision's
# pretrained configuration (its googlenet(weights=...) drops the auxiliary heads).
# Run by hand with the Debian packages python3-torch and python3-torchvision (0.14):
#   /usr/bin/python3 tests/reference/make_torchvision_reference.py
import json
import os
import sys

import numpy as np
import torch
import torchvision

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from torchvision_to_safetensors import save_safetensors  # noqa: E402  (the users' converter's writer)

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
MASK = np.uint64(0xFFFFFFFFFFFFFFFF)


def splitmix_u(count, k):
    """u in [-0.5, 0.5) for elements 0..count-1 of tensor k, float64."""
    out = np.empty(count, dtype=np.float64)
    chunk = 1 << 22
    with np.errstate(over="ignore"):
        for start in range(0, count, chunk):
            i = np.arange(start, min(count, start + chunk), dtype=np.uint64)
            z = (i + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(k) * np.uint64(0xD1B54A32D192ED03)
            z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
            z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
            z = z ^ (z >> np.uint64(31))
            out[start:start + len(i)] = (z >> np.uint64(11)).astype(np.float64) * 2.0 ** -53 - 0.5
    return out


def kinds_of(model):
    kinds = {}
    for prefix, module in model.named_modules():
        bn = isinstance(module, torch.nn.BatchNorm2d)
        for name, _ in module.named_parameters(recurse=False):
            kinds[f"{prefix}.{name}" if prefix else name] = ("bn_" + name) if bn else name
        for name, _ in module.named_buffers(recurse=False):
            kinds[f"{prefix}.{name}" if prefix else name] = name
    return kinds


def fill(t, kind, k):
    if kind == "num_batches_tracked":
        return torch.zeros_like(t)
    u = splitmix_u(t.numel(), k)
    if kind == "weight":
        fan_in = t.numel() // t.shape[0]
        v = u * (2 * np.sqrt(6.0 / fan_in))
    elif kind in ("bias", "bn_bias", "running_mean"):
        v = 0.2 * u
    elif kind == "bn_weight":
        v = 1 + 0.5 * u
    elif kind == "running_var":
        v = 1 + 0.8 * u
    else:
        raise ValueError(kind)
    return torch.from_numpy(v.astype(np.float32)).reshape(t.shape)


def main():
    torch.set_num_threads(1)
    m = torchvision.models
    cases = [  # name, constructor, image size (the smallest torchvision's layout takes, or 32)
        ("alexnet", lambda: m.alexnet(), 63),
        ("googlenet", lambda: m.googlenet(aux_logits=False, transform_input=True, init_weights=False), 32),
        ("resnet50", lambda: m.resnet50(), 32),
    ]
    for depth in (11, 13, 16, 19):
        for bn in (False, True):
            name = f"vgg{depth}" + ("_bn" if bn else "")
            cases.append((name, lambda name=name: getattr(m, name)(), 32))
    io_tensors = []
    for index, (name, make, size) in enumerate(cases):
        model = make().eval()
        kinds = kinds_of(model)
        state = model.state_dict()
        entries = []
        with torch.no_grad():
            for k, (key, t) in enumerate(state.items()):
                t.copy_(fill(t, kinds[key], k))
                entries.append({"name": key, "shape": list(t.shape), "kind": kinds[key]})
        x = torch.from_numpy((2 * splitmix_u(3 * size * size, 1000 + index)).astype(np.float32)).reshape(1, 3, size, size)
        with torch.no_grad():
            y = model(x)
        io_tensors += [(name + ".input", x), (name + ".output", y)]
        params = sum(p.numel() for p in model.parameters())
        with open(os.path.join(DATA_DIR, f"torchvision_{name}.json"), "w") as f:
            json.dump({"model": name, "torchvision": torchvision.__version__, "image_size": size,
                       "input_seed": 1000 + index, "parameters": params, "state_dict": entries}, f, indent=0)
        print(f"{name}: {len(entries)} tensors, {params} parameters, output {list(y.shape)}, |y| max {y.abs().max():.4g}")
    save_safetensors(os.path.join(DATA_DIR, "torchvision_io.safetensors"), dict(io_tensors))


if __name__ == "__main__":
    main()
