#!/usr/bin/python3
# Writes tests/reference/data/probability_losses.json: PyTorch's F.nll_loss on
# log-probabilities, and Keras' categorical cross-entropy written in torch from Keras'
# definition (keras.losses.categorical_crossentropy, from_logits=False: p = x / sum(x),
# clipped to [1e-7, 1 - 1e-7], loss = -sum(t log p), mean over the batch), in float64 with
# gradients; and the Keras activations of Dense (F.linear, then the activation; leaky_relu
# with Keras' slope 0.2). Read by probability_loss_reference_test.cpp.
# Run by hand with the Debian torch: /usr/bin/python3 tests/reference/make_probability_loss_reference.py
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_reference import Group, write_group  # noqa: E402  (same case format and draws)

KERAS_EPSILON = 1e-7


def keras_categorical(p, t, reduction):
    p = (p / p.sum(1, keepdim=True)).clamp(KERAS_EPSILON, 1 - KERAS_EPSILON)
    log_p = p.log()
    rows = -log_p.gather(1, t.view(-1, 1)).view(-1) if t.dtype == torch.int64 else -(t * log_p).sum(1)
    return {"mean": rows.mean(), "sum": rows.sum(), "none": rows}[reduction]


def main():
    g = Group("probability_losses", seed=2026)
    d = g.draw
    for reduction in ("mean", "sum", "none"):
        logp = F.log_softmax(d.normal(5, 4), 1)
        g.add(f"nll_{reduction}", "nll_loss", lambda x, y, r=reduction: F.nll_loss(x, y, reduction=r),
              [logp, d.labels(5, 4)], args={"reduction": reduction})
        probs = F.softmax(d.normal(4, 3), 1)
        g.add(f"categorical_labels_{reduction}", "categorical_crossentropy",
              lambda x, y, r=reduction: keras_categorical(x, y, r), [probs, d.labels(4, 3)],
              args={"reduction": reduction, "from_logits": False})
        soft = F.softmax(d.normal(4, 3), 1)
        g.add(f"categorical_soft_{reduction}", "categorical_crossentropy",
              lambda x, y, r=reduction: keras_categorical(x, y, r), [probs, soft],
              args={"reduction": reduction, "from_logits": False}, grad=[0, 1])
    # Rows not summing to 1 are renormalized, and a zero probability is clipped to 1e-7.
    unnormalized = d.uniform(3, 4, low=0.1, high=2.0)
    g.add("categorical_unnormalized", "categorical_crossentropy", lambda x, y: keras_categorical(x, y, "mean"),
          [unnormalized, d.labels(3, 4)], args={"reduction": "mean", "from_logits": False})
    with_zero = torch.tensor([[0.0, 0.5, 0.5], [0.2, 0.3, 0.5]], dtype=torch.float64)
    g.add("categorical_clipped_zero", "categorical_crossentropy", lambda x, y: keras_categorical(x, y, "mean"),
          [with_zero, torch.tensor([0, 2])], args={"reduction": "mean", "from_logits": False})
    g.add("categorical_from_logits", "categorical_crossentropy", lambda x, y: F.cross_entropy(x, y),
          [d.normal(4, 5), d.labels(4, 5)], args={"reduction": "mean", "from_logits": True})
    # Dense(3 -> 4, activation=...): F.linear then the activation (Keras' names).
    activations = {"linear": lambda z: z, "relu": F.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh,
                   "softmax": lambda z: F.softmax(z, -1), "log_softmax": lambda z: F.log_softmax(z, -1),
                   "leaky_relu": lambda z: F.leaky_relu(z, 0.2)}
    for name, act in activations.items():
        g.add(f"dense_{name}", "dense_activation", lambda x, w, b, a=act: a(F.linear(x, w, b)),
              [d.normal(5, 3), d.normal(4, 3), d.normal(4)], args={"activation": name})
    print(write_group(g))


if __name__ == "__main__":
    main()
