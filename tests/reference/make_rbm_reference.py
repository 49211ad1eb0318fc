#!/usr/bin/python3
# Writes the reference for soma's RBM training step (tests/reference/data/rbm.json), read by
# tests/generative/rbm_test.cpp: CD-k and persistent-CD updates computed here from the
# equations of docs/generative.md, in float64 with PyTorch, from the same uniform draws soma
# takes. Those draws come from soma's Generator: std::mt19937_64 (written out below from its
# published definition), each 64-bit output split into two 24-bit uniforms, in the order
# docs/generative.md states. Run by hand:  /usr/bin/python3 tests/reference/make_rbm_reference.py
import json
import math
import os

import torch

torch.set_default_dtype(torch.float64)
DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
MASK64 = (1 << 64) - 1


class MT19937_64:
    """The 64-bit Mersenne Twister of C++'s std::mt19937_64."""
    N, M = 312, 156
    MATRIX_A, UPPER, LOWER = 0xB5026F5AA96619E9, 0xFFFFFFFF80000000, 0x7FFFFFFF

    def __init__(self, seed):
        self.mt = [seed & MASK64]
        for i in range(1, self.N):
            prev = self.mt[-1]
            self.mt.append((6364136223846793005 * (prev ^ (prev >> 62)) + i) & MASK64)
        self.index = self.N

    def _twist(self):
        mt = self.mt
        for i in range(self.N):
            y = (mt[i] & self.UPPER) | (mt[(i + 1) % self.N] & self.LOWER)
            mt[i] = mt[(i + self.M) % self.N] ^ (y >> 1) ^ (self.MATRIX_A if y & 1 else 0)
        self.index = 0

    def next(self):
        if self.index >= self.N:
            self._twist()
        y = self.mt[self.index]
        self.index += 1
        y ^= (y >> 29) & 0x5555555555555555
        y ^= (y << 17) & 0x71D67FFFEDA60000
        y ^= (y << 37) & 0xFFF7EEE000000000
        y ^= y >> 43
        return y & MASK64


def check_engine():
    # The C++ standard: the 10000th output of a default-constructed mt19937_64 (seed 5489).
    engine = MT19937_64(5489)
    for _ in range(9999):
        engine.next()
    assert engine.next() == 9981545732273789042


def sample(p, engine):
    """Bernoulli draws in row-major order: 1 where u < p. Each 64-bit output of the engine gives
    two 32-bit words w, its low half first, and u = (w >> 8) * 2^-24."""
    flat, bits = [], None
    for k, v in enumerate(p.flatten().tolist()):
        if k % 2 == 0:
            bits = engine.next()
            w = bits & 0xFFFFFFFF
        else:
            w = bits >> 32
        u = (w >> 8) * 2.0 ** -24
        flat.append(1.0 if u < v else 0.0)
    return torch.tensor(flat).reshape(p.shape)


def cd_step(state, v0, opts, engine):
    """One CD-k / persistent-CD update of docs/generative.md; returns the reconstruction error."""
    W, a, b = state["W"], state["a"], state["b"]
    observed = (v0 >= 0).double()
    x0 = v0 * observed
    n = v0.shape[0]
    ph0 = torch.sigmoid(b + x0 @ W)
    h = sample(ph0, engine)
    pv = torch.sigmoid(a + h @ W.T)
    error = (((x0 - pv) * observed) ** 2).sum().item() / observed.sum().item()
    if opts["persistent"]:
        if state.get("chain") is None:
            state["chain"] = v0.clone()
        xk = state["chain"][:n].clone()
        h = sample(torch.sigmoid(b + xk @ W), engine)
        pv = torch.sigmoid(a + h @ W.T)
    for t in range(1, opts["k"] + 1):
        if t > 1:
            pv = torch.sigmoid(a + h @ W.T)
        xk = sample(pv, engine) * observed
        phk = torch.sigmoid(b + xk @ W)
        if t < opts["k"]:
            h = sample(phk, engine)
    if opts["persistent"]:
        state["chain"][:n] = xk
    grad_W = (x0.T @ ph0 - xk.T @ phk) / n
    grad_a = (x0 - xk).sum(0) / n
    grad_b = (ph0 - phk).sum(0) / n
    lr, mu, wd = opts["lr"], opts["momentum"], opts["weight_decay"]
    vel = state.setdefault("velocity", [torch.zeros_like(W), torch.zeros_like(a), torch.zeros_like(b)])
    vel[0] = mu * vel[0] + lr * (grad_W - wd * W)
    vel[1] = mu * vel[1] + lr * grad_a
    vel[2] = mu * vel[2] + lr * grad_b
    state["W"], state["a"], state["b"] = W + vel[0], a + vel[1], b + vel[2]
    return error


def fixed(shape, offset, scale, shift=0.0):
    """Deterministic values scale * sin(1.7 k + offset) + shift, rounded to 6 digits."""
    n = math.prod(shape)
    return torch.tensor([float(f"{scale * math.sin(1.7 * k + offset) + shift:.6g}") for k in range(n)]).reshape(shape)


def binary(shape, offset, missing_every=0):
    """Deterministic 0/1 values (and -1 at every missing_every-th entry when given)."""
    n = math.prod(shape)
    vals = [1.0 if math.sin(2.3 * k + offset) > 0 else 0.0 for k in range(n)]
    if missing_every:
        vals = [-1.0 if k % missing_every == 3 else v for k, v in enumerate(vals)]
    return torch.tensor(vals).reshape(shape)


def encode(t):
    return {"shape": list(t.shape), "dtype": "float64", "values": t.flatten().tolist()}


def make_case(name, visible, hidden, batches, opts, seed, missing_every=0, real_valued=False):
    W = fixed([visible, hidden], 0.4, 0.5)
    a = fixed([visible], 1.3, 0.3)
    b = fixed([hidden], 2.1, 0.3)
    state = {"W": W.clone(), "a": a.clone(), "b": b.clone()}
    engine = MT19937_64(seed)
    inputs, errors = [], []
    for i, rows in enumerate(batches):
        # Real-valued batches (values in [0, 1]) take soma's dense-product path, binary ones its
        # row sums (src/kernels/binary_gemm.h); the equations here are the same for both.
        v0 = fixed([rows, visible], 0.7 + i, 0.5, 0.5) if real_valued else binary([rows, visible], 0.7 + i, missing_every)
        inputs.append(encode(v0))
        errors.append(cd_step(state, v0, opts, engine))
    return {"name": name, "visible": visible, "hidden": hidden, "options": opts, "seed": seed,
            "W": encode(W), "a": encode(a), "b": encode(b), "batches": inputs,
            "expected": {"W": encode(state["W"]), "a": encode(state["a"]), "b": encode(state["b"]),
                         "errors": errors}}


def main():
    check_engine()
    plain = {"lr": 0.1, "momentum": 0.0, "weight_decay": 0.0, "k": 1, "persistent": False}
    cases = [
        make_case("cd1", 3, 2, [4], plain, 7),
        make_case("cd1_wide", 7, 5, [6], plain, 11),
        make_case("cd3_momentum_decay_missing", 9, 4, [5, 5, 5],
                  {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.01, "k": 3, "persistent": False}, 3,
                  missing_every=5),
        make_case("pcd2", 6, 3, [4, 4, 3],
                  {"lr": 0.2, "momentum": 0.0, "weight_decay": 0.001, "k": 2, "persistent": True}, 5),
        make_case("cd1_real_valued", 7, 5, [6], plain, 13, real_valued=True),
        make_case("pcd1_real_valued_chain", 6, 3, [4, 4],
                  {"lr": 0.2, "momentum": 0.0, "weight_decay": 0.0, "k": 1, "persistent": True}, 17,
                  real_valued=True),
        # Past one 64-bit word of bits in both directions (70 visible, 2 x 36 rows in ΔW) and
        # past a 32-row chunk of the row sums, with partly filled vector registers.
        make_case("cd1_several_words", 70, 12, [36], plain, 19),
    ]
    os.makedirs(DATA_DIR, exist_ok=True)
    with open(os.path.join(DATA_DIR, "rbm.json"), "w") as f:
        json.dump({"cases": cases}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
