#!/usr/bin/python3
# Writes tests/reference/data/summary.json: for B3's CNN in PyTorch 1.13, each layer's type,
# output shape per sample, parameter count (sum of numel over its parameters) and multiply-adds
# per sample (counted from the shapes forward hooks see: Linear in*out per row, Conv2d
# out*OH*OW*in/groups*kH*kW, BatchNorm one per element, others none), and the totals.
# Read by tests/nn/summary_test.cpp. Run by hand: /usr/bin/python3 tests/reference/make_summary_reference.py
import json
import os

import torch
from torch import nn

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def b3():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Dropout(0.3), nn.Linear(128, 10))


def multiply_adds(layer, x, y):
    per_sample = lambda t: t.numel() // t.shape[0]  # noqa: E731
    if isinstance(layer, nn.Linear):
        return per_sample(x) // layer.in_features * layer.in_features * layer.out_features
    if isinstance(layer, nn.Conv2d):
        kh, kw = layer.kernel_size
        return per_sample(y) * layer.in_channels // layer.groups * kh * kw
    if isinstance(layer, nn.BatchNorm2d):
        return per_sample(y)
    return 0


def main():
    torch.manual_seed(0)
    net = b3().eval()
    rows = []
    names = {"Linear": "Dense"}  # soma's name for the same layer

    def hook(layer, inputs, output):
        rows.append({"type": names.get(type(layer).__name__, type(layer).__name__),
                     "output_shape": list(output.shape[1:]),
                     "parameters": sum(p.numel() for p in layer.parameters()),
                     "flops": multiply_adds(layer, inputs[0], output)})

    for layer in net:
        layer.register_forward_hook(hook)
    net(torch.zeros(2, 1, 28, 28))
    out = {"model": "B3", "input_shape": [1, 28, 28], "layers": rows,
           "total_parameters": sum(p.numel() for p in net.parameters()),
           "trainable_parameters": sum(p.numel() for p in net.parameters() if p.requires_grad),
           "buffer_values": sum(b.numel() for b in net.buffers()),
           "flops": sum(r["flops"] for r in rows)}
    with open(os.path.join(DATA_DIR, "summary.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
