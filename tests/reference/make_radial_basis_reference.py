#!/usr/bin/python3
# Writes the reference for soma's nn::RadialBasis (tests/reference/data/radial_basis.json), read
# by tests/nn/radial_basis_test.cpp: φ_k(x) = exp(-‖x - c_k‖² / (2 σ_k²)) computed here with
# torch.cdist-free, direct differences in float64, then the gradients of sum(φ · r) with
# respect to x, the centres and the widths by PyTorch's autograd, followed by a Dense output
# layer and a cross-entropy loss (an RBF network's forward and backward end to end).
# Run by hand:  /usr/bin/python3 tests/reference/make_radial_basis_reference.py
import json
import os

import torch

torch.set_default_dtype(torch.float64)
DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def encode(t):
    if t.dtype == torch.int64:
        return {"shape": list(t.shape), "dtype": "int64", "values": t.flatten().tolist()}
    return {"shape": list(t.shape), "dtype": "float64", "values": t.detach().flatten().tolist()}


def fixed(shape, offset, scale):
    n = 1
    for s in shape:
        n *= s
    return (torch.sin(torch.arange(n, dtype=torch.float64) * 1.7 + offset) * scale).reshape(shape)


def make_case(name, n, features, centres, outs):
    x = fixed([n, features], 0.3, 1.0).requires_grad_()
    c = fixed([centres, features], 1.1, 0.8).requires_grad_()
    sigma = (0.6 + fixed([centres], 2.3, 0.3).abs()).requires_grad_()
    W = fixed([outs, centres], 0.7, 0.5).requires_grad_()
    b = fixed([outs], 0.2, 0.1).requires_grad_()
    r = fixed([n, centres], 3.1, 1.0)
    labels = torch.arange(n) % outs

    diff = x[:, None, :] - c[None, :, :]
    phi = torch.exp(-(diff * diff).sum(-1) / (2 * sigma * sigma))
    (phi * r).sum().backward()
    case = {"name": name, "x": encode(x), "centres": encode(c), "widths": encode(sigma), "r": encode(r),
            "phi": encode(phi), "grad_x": encode(x.grad), "grad_centres": encode(c.grad),
            "grad_widths": encode(sigma.grad)}
    for t in (x, c, sigma):
        t.grad = None
    phi = torch.exp(-((x[:, None, :] - c[None, :, :]) ** 2).sum(-1) / (2 * sigma * sigma))
    loss = torch.nn.functional.cross_entropy(phi @ W.T + b, labels)
    loss.backward()
    case.update({"W": encode(W), "b": encode(b), "labels": encode(labels), "loss": loss.item(),
                 "net_grad_centres": encode(c.grad), "net_grad_widths": encode(sigma.grad),
                 "net_grad_W": encode(W.grad), "net_grad_b": encode(b.grad)})
    return case


def main():
    cases = [make_case("small", 5, 3, 4, 2), make_case("wide", 7, 6, 9, 3)]
    with open(os.path.join(DATA_DIR, "radial_basis.json"), "w") as f:
        json.dump({"cases": cases}, f)


if __name__ == "__main__":
    main()
