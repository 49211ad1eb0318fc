#!/usr/bin/python3
# Writes tests/reference/data/summary.json: for B3's CNN in PyTorch 1.13 (top level), a
# DCGAN-style generator ("dcgan_generator") and an LSTM language model ("lstm_language_model"),
# each layer's type, output shape per sample, parameter count (sum of numel over its
# parameters) and multiply-adds per sample (counted from the shapes forward hooks see: Linear
# in*out per row, Conv2d out*OH*OW*in/groups*kH*kW, ConvTranspose2d in*H*W*out/groups*kH*kW,
# LSTM T * (numel(weight_ih_lk) + numel(weight_hh_lk)) summed over layers, BatchNorm one per
# element, others none), and the totals.
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


def dcgan_generator():
    # z [N, 100, 1, 1] -> [N, 1, 28, 28]; no bias before batch norm, as in the DCGAN paper.
    return nn.Sequential(
        nn.ConvTranspose2d(100, 128, 7, bias=False), nn.BatchNorm2d(128), nn.ReLU(),
        nn.ConvTranspose2d(128, 64, 4, stride=2, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
        nn.ConvTranspose2d(64, 1, 4, stride=2, padding=1), nn.Tanh())


class LanguageModel(nn.Module):
    """ids [N, T] -> logits [N, T, 1000]: soma's Sequential{Embedding, LSTM, Dense}."""

    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Embedding(1000, 64), nn.LSTM(64, 128, num_layers=2, batch_first=True),
                                     nn.Linear(128, 1000)])

    def forward(self, ids):
        h, _ = self.layers[1](self.layers[0](ids))
        return self.layers[2](h)


def multiply_adds(layer, x, y):
    per_sample = lambda t: t.numel() // t.shape[0]  # noqa: E731
    if isinstance(layer, nn.ConvTranspose2d):
        kh, kw = layer.kernel_size
        return per_sample(x) * layer.out_channels // layer.groups * kh * kw
    if isinstance(layer, nn.LSTM):
        steps = x.shape[1]
        return steps * sum(getattr(layer, f"weight_{w}_l{k}").numel()
                           for k in range(layer.num_layers) for w in ("ih", "hh"))
    if isinstance(layer, nn.Linear):
        return per_sample(x) // layer.in_features * layer.in_features * layer.out_features
    if isinstance(layer, nn.Conv2d):
        kh, kw = layer.kernel_size
        return per_sample(y) * layer.in_channels // layer.groups * kh * kw
    if isinstance(layer, nn.BatchNorm2d):
        return per_sample(y)
    return 0


def describe(model, net, layers, x):
    """Runs x through net with a hook on each of `layers`; the summary rows and totals."""
    rows = []
    names = {"Linear": "Dense"}  # soma's name for the same layer

    def hook(layer, inputs, output):
        y = output[0] if isinstance(output, tuple) else output  # LSTM: (output, (h_n, c_n))
        rows.append({"type": names.get(type(layer).__name__, type(layer).__name__),
                     "output_shape": list(y.shape[1:]),
                     "parameters": sum(p.numel() for p in layer.parameters()),
                     "flops": multiply_adds(layer, inputs[0], y)})

    for layer in layers:
        layer.register_forward_hook(hook)
    net.eval()
    net(x)
    return {"model": model, "input_shape": list(x.shape[1:]), "layers": rows,
            "total_parameters": sum(p.numel() for p in net.parameters()),
            "trainable_parameters": sum(p.numel() for p in net.parameters() if p.requires_grad),
            "buffer_values": sum(b.numel() for b in net.buffers()),
            "flops": sum(r["flops"] for r in rows)}


def main():
    torch.manual_seed(0)
    net = b3()
    out = describe("B3", net, net, torch.zeros(2, 1, 28, 28))
    gen = dcgan_generator()
    out["dcgan_generator"] = describe("DCGAN generator", gen, gen, torch.zeros(2, 100, 1, 1))
    lm = LanguageModel()
    out["lstm_language_model"] = describe("LSTM language model", lm, lm.layers,
                                          torch.zeros(2, 35, dtype=torch.int64))
    with open(os.path.join(DATA_DIR, "summary.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
