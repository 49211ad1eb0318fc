#!/usr/bin/python3
# Writes tests/reference/data/layers.json: PyTorch's (float64) values for soma's regularization
# layers, read by tests/reference/layer_reference_test.cpp (which never runs Python).
#   "cases": op cases in make_reference.py's format (batch_norm train/eval, dropout, penalties),
#   "batch_norm_runs": nn.BatchNorm1d over 3 training steps (running stats), then eval,
#   "dense_regularization": a Linear layer's Keras-style kernel + bias penalty and its gradients.
# Run by hand with the Debian torch: /usr/bin/python3 tests/reference/make_layer_reference.py
import json
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_reference import DATA_DIR, F64, Draws, Group, encode  # noqa: E402  (sets float64 default)


def penalty(w, l1, l2):
    """Keras' L1L2: l1 * sum|w| + l2 * sum w^2 (no 1/2 on the L2 term)."""
    return l1 * w.abs().sum() + l2 * (w * w).sum()


def op_cases():
    g = Group("layers", seed=909)
    d = g.draw

    # batch_norm(x, weight, bias, running_mean, running_var): gradients of x, weight and bias.
    # In training the running statistics change in place but do not affect the output;
    # batch_norm_runs checks their values.
    def bn(training, momentum, eps):
        return lambda x, w, b, rm, rv: F.batch_norm(x, rm, rv, w, b, training, momentum, eps)

    for shape in ((6, 4), (4, 3, 5)):
        C = shape[1]
        tag = "x".join(str(s) for s in shape)
        x = d.normal(*shape, std=2.0) + 0.5
        w, b = d.uniform(C, low=0.5, high=1.5), d.normal(C)
        rm, rv = d.normal(C, std=0.5), d.uniform(C, low=0.5, high=2.0)
        for training in (True, False):
            mode = "train" if training else "eval"
            g.add(f"batch_norm_{mode}_{tag}", "batch_norm", bn(training, 0.1, 1e-5), [x, w, b, rm, rv],
                  args={"training": training, "momentum": 0.1, "eps": 1e-5}, grad=[0, 1, 2])
    x, C = d.normal(5, 3, std=0.1), 3  # small variance: eps = 0.01 matters
    w, b = d.uniform(C, low=0.5, high=1.5), d.normal(C)
    rm, rv = d.normal(C, std=0.1), d.uniform(C, low=0.01, high=0.02)
    for training in (True, False):
        mode = "train" if training else "eval"
        g.add(f"batch_norm_{mode}_eps_0_01", "batch_norm", bn(training, 0.1, 1e-2), [x, w, b, rm, rv],
              args={"training": training, "momentum": 0.1, "eps": 1e-2}, grad=[0, 1, 2])
    # No affine parameters and no running statistics: F.batch_norm(x, None, None, training=True).
    g.add("batch_norm_plain_train_4x3x2", "batch_norm_plain",
          lambda x: F.batch_norm(x, None, None, None, None, True, 0.1, 1e-5), [d.normal(4, 3, 2)],
          args={"eps": 1e-5})

    # Dropout with a fixed mask: x * mask / (1 - p); PyTorch draws its own masks, so the
    # formula is written out. The deterministic corners go through F.dropout itself.
    for p in (0.5, 0.2):
        x = d.normal(4, 5)
        mask = (torch.rand(4, 5, generator=d.gen) >= p).to(F64)
        g.add(f"dropout_mask_p{p:g}".replace(".", "_"), "dropout_with_mask", lambda t, m, p=p: t * m / (1 - p),
              [x, mask], args={"scale": 1 / (1 - p)}, grad=[0])
    x = d.normal(3, 4)
    g.add("dropout_p1_train", "dropout", lambda t: F.dropout(t, 1.0, True), [x], args={"p": 1.0, "training": True})
    g.add("dropout_p0_train", "dropout", lambda t: F.dropout(t, 0.0, True), [x], args={"p": 0.0, "training": True})
    g.add("dropout_eval", "dropout", lambda t: F.dropout(t, 0.5, False), [x], args={"p": 0.5, "training": False})

    # Keras penalties on a weight with an exact zero (the L1 gradient there is sign(0) = 0).
    w = d.normal(4, 3)
    w[1, 2] = 0.0
    for name, l1, l2 in (("l1", 0.01, 0.0), ("l2", 0.0, 0.01), ("l1_l2", 0.01, 0.02), ("l1_l2_large", 0.3, 0.7)):
        g.add(f"penalty_{name}", "penalty", lambda t, a=l1, b=l2: penalty(t, a, b), [w], args={"l1": l1, "l2": l2})
    return g


def batch_norm_runs(draw):
    """nn.BatchNorm1d with given weight and bias: 3 training steps on fresh batches (output and
    running statistics after each), then eval on a new batch with gradients of sum(out * r)."""
    runs = []
    for name, shape, momentum in (("momentum_0_1", (8, 4), 0.1), ("momentum_0_3", (8, 4), 0.3),
                                  ("momentum_none", (8, 4), None), ("momentum_0_1_3d", (4, 3, 5), 0.1)):
        C = shape[1]
        bn = torch.nn.BatchNorm1d(C, momentum=momentum).to(F64)
        with torch.no_grad():
            bn.weight.copy_(draw.uniform(C, low=0.5, high=1.5))
            bn.bias.copy_(draw.normal(C))
        run = {"name": name, "num_features": C, "momentum": momentum, "eps": bn.eps,
               "weight": encode(bn.weight), "bias": encode(bn.bias), "steps": []}
        bn.train()
        for _ in range(3):
            x = draw.normal(*shape, std=1.5) + draw.normal(1, C, *shape[2:])  # per-channel offsets
            out = bn(x)
            run["steps"].append({"x": encode(x), "output": encode(out), "running_mean": encode(bn.running_mean),
                                 "running_var": encode(bn.running_var),
                                 "num_batches_tracked": int(bn.num_batches_tracked)})
        bn.eval()
        x = draw.normal(*shape).requires_grad_(True)
        out = bn(x)
        r = draw.normal(*out.shape)
        (out * r).sum().backward()
        run["eval"] = {"x": encode(x), "output": encode(out), "projection": encode(r), "grad_x": encode(x.grad),
                       "grad_weight": encode(bn.weight.grad), "grad_bias": encode(bn.bias.grad)}
        runs.append(run)
    return runs


def dense_regularization(draw):
    """Linear(4, 3): kernel_regularizer l1_l2(0.01, 0.02) and bias_regularizer l2(0.05); the
    total penalty and its gradients with respect to weight and bias."""
    weight = draw.normal(3, 4).requires_grad_(True)
    bias = draw.normal(3).requires_grad_(True)
    loss = penalty(weight, 0.01, 0.02) + penalty(bias, 0.0, 0.05)
    loss.backward()
    return {"in": 4, "out": 3, "kernel": {"l1": 0.01, "l2": 0.02}, "bias_penalty": {"l1": 0.0, "l2": 0.05},
            "weight": encode(weight), "bias": encode(bias), "loss": float(loss),
            "grad_weight": encode(weight.grad), "grad_bias": encode(bias.grad)}


def main():
    os.makedirs(DATA_DIR, exist_ok=True)
    group = op_cases()
    draw = Draws(910)
    doc = {"about": "PyTorch reference values for soma's layers; generated by "
                    "tests/reference/make_layer_reference.py",
           "torch_version": torch.__version__, "group": group.name, "cases": group.cases,
           "batch_norm_runs": batch_norm_runs(draw), "dense_regularization": dense_regularization(draw)}
    path = os.path.join(DATA_DIR, "layers.json")
    with open(path, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    size = os.path.getsize(path)
    print(f"{path}: {len(group.cases)} cases, {len(doc['batch_norm_runs'])} batch-norm runs, {size} bytes")
    if size > 200_000:
        sys.exit("layer reference data grew past 200 kB: shrink the cases")


if __name__ == "__main__":
    main()
