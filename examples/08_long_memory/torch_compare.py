#!/usr/bin/python3
"""The long-memory task of main.cpp in PyTorch: the same data (std::mt19937_64 reimplemented, the
same seeds and draws), sizes, default initialization, LSTM gate biases, optimizer (SGD or Adam),
clipping and steps.
Prints the same lines as build/bin/long_memory, so the two can be compared side by side.

    /usr/bin/python3 examples/08_long_memory/torch_compare.py [--length 100 --steps 4000 ...]
"""
import argparse
import math
import time

import numpy as np
import torch


class MT19937_64:
    """std::mt19937_64, vectorized: next(n) returns the next n outputs as uint64."""

    N, M = 312, 156

    def __init__(self, seed):
        mt = [seed & 0xFFFFFFFFFFFFFFFF]
        for i in range(1, self.N):
            mt.append((6364136223846793005 * (mt[-1] ^ (mt[-1] >> 62)) + i) & 0xFFFFFFFFFFFFFFFF)
        self.mt = np.array(mt, dtype=np.uint64)
        self.buf = np.empty(0, dtype=np.uint64)

    def _twist(self):
        mt, N, M = self.mt, self.N, self.M
        upper, lower = np.uint64(0xFFFFFFFF80000000), np.uint64(0x7FFFFFFF)
        a = np.uint64(0xB5026F5AA96619E9)

        def mix(i0, i1, im):  # new mt[i] from mt[i], mt[i+1], mt[i+M]
            y = (mt[i0] & upper) | (mt[i1] & lower)
            return mt[im] ^ (y >> np.uint64(1)) ^ np.where((y & np.uint64(1)) != 0, a, np.uint64(0))

        i = np.arange(0, N - M)
        mt[i] = mix(i, i + 1, i + M)  # reads only old words
        i = np.arange(N - M, N - 1)
        mt[i] = mix(i, i + 1, i + M - N)  # mt[i+M-N] is already new, as in the sequential loop
        mt[N - 1:] = mix(np.array([N - 1]), np.array([0]), np.array([M - 1]))
        y = mt.copy()
        y ^= (y >> np.uint64(29)) & np.uint64(0x5555555555555555)
        y ^= (y << np.uint64(17)) & np.uint64(0x71D67FFFEDA60000)
        y ^= (y << np.uint64(37)) & np.uint64(0xFFF7EEE000000000)
        y ^= y >> np.uint64(43)
        return y

    def next(self, n):
        while self.buf.size < n:
            self.buf = np.concatenate([self.buf, self._twist()])
        out, self.buf = self.buf[:n], self.buf[n:]
        return out


def num_inputs(classes, noise, marker):
    return (classes + noise if noise > 0 else classes) + (1 if marker else 0)


def make_batch(n, length, classes, noise, marker, rng):
    """As make_batch in main.cpp: per sequence one draw for the class, then one per later step."""
    inputs = num_inputs(classes, noise, marker)
    draws = rng.next(n * length).reshape(n, length)
    y = (draws[:, 0] % np.uint64(classes)).astype(np.int64)
    if noise > 0:
        sym = np.concatenate([y[:, None], classes + (draws[:, 1:] % np.uint64(noise)).astype(np.int64)], 1)
    else:
        sym = np.concatenate([y[:, None], (draws[:, 1:] % np.uint64(classes)).astype(np.int64)], 1)
    x = np.zeros((n, length, inputs), dtype=np.float32)
    np.put_along_axis(x, sym[:, :, None], 1.0, axis=2)
    if marker:
        x[:, 0, -1] = 1.0
    return torch.from_numpy(x), torch.from_numpy(y)


class Model(torch.nn.Module):
    def __init__(self, kind, inputs, hidden, classes, forget_bias, input_bias=None):
        super().__init__()
        cls = torch.nn.LSTM if kind == "LSTM" else torch.nn.RNN
        self.rec = cls(inputs, hidden, batch_first=True)
        self.head = torch.nn.Linear(hidden, classes)
        if kind == "LSTM":  # as main.cpp: only bias_ih's forget rows (gate order i, f, g, o)
            with torch.no_grad():
                self.rec.bias_ih_l0[hidden:2 * hidden] = forget_bias
                if input_bias is not None:
                    self.rec.bias_ih_l0[:hidden] = input_bias

    def forward(self, x):
        out, _ = self.rec(x)
        return self.head(out[:, -1])


def probe_steps(length):
    steps = []
    for f in (0.0, 0.25, 0.5, 0.75, 0.9, 1.0):
        t = int(math.floor(f * (length - 1) + 0.5))
        if not steps or steps[-1] != t:
            steps.append(t)
    return steps


def input_gradient_norms(model, x, y):
    x = x.clone().requires_grad_()
    torch.nn.functional.cross_entropy(model(x), y).backward()
    model.zero_grad()
    return [x.grad[:, t].norm().item() for t in probe_steps(x.shape[1])]


def run(kind, a, test_set, probe):
    torch.manual_seed(a.seed)
    inputs = num_inputs(a.classes, a.noise, a.marker)
    model = Model(kind, inputs, a.hidden, a.classes, a.forget_bias, a.input_bias)
    before = input_gradient_norms(model, *probe)
    w_ih_start = model.rec.weight_ih_l0.detach().clone()
    opt = (torch.optim.Adam(model.parameters(), lr=a.lr) if a.optimizer == "adam"
           else torch.optim.SGD(model.parameters(), lr=a.lr, momentum=a.momentum))
    rng = MT19937_64(a.seed + 1)
    start, recent = time.monotonic(), 0.0
    for step in range(1, a.steps + 1):
        x, y = make_batch(a.batch, a.length, a.classes, a.noise, a.marker, rng)
        loss = torch.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), a.clip)
        opt.step()
        recent = loss.item() if step == 1 else 0.9 * recent + 0.1 * loss.item()
        if step % max(1, a.steps // 10) == 0:
            moved = (model.rec.weight_ih_l0.detach() - w_ih_start)[:, :a.classes].abs().max().item()
            print(f"  {kind} step {step:5d}  loss {recent:.4f}  class weights moved {moved:.3g}", flush=True)
    seconds = time.monotonic() - start
    after = input_gradient_norms(model, *probe)
    with torch.no_grad():
        acc = (model(test_set[0]).argmax(1) == test_set[1]).double().mean().item()
    print(f"{kind}({a.hidden}): {a.steps} steps of {a.batch} sequences in {seconds:.1f} s; test accuracy {acc:.3f}")
    moved = (model.rec.weight_ih_l0.detach() - w_ih_start).abs()
    filler = f"{moved[:, a.classes:a.classes + a.noise].max().item():.3g}" if a.noise > 0 else "-"
    print(f"  largest change of an input weight: from a class symbol {moved[:, :a.classes].max().item():.3g}, "
          f"from a noise symbol {filler}")
    header = "".join(f"{'step ' + str(t + 1):>11}" for t in probe_steps(a.length))
    fmt = lambda v: "".join(f" {n:10.2e}" for n in v)
    print(f"  |d loss / d x_t|      {header}\n  at initialization:    {fmt(before)}\n  after training:       {fmt(after)}\n",
          flush=True)
    return acc


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--length", type=int, default=100)
    p.add_argument("--steps", type=int, default=4000)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--hidden", type=int, default=32)
    p.add_argument("--classes", type=int, default=4)
    p.add_argument("--noise", type=int, default=4, help="filler symbols; 0: filler drawn from the classes")
    p.add_argument("--marker", action="store_true", help="one more input, 1 at the first step only")
    p.add_argument("--optimizer", choices=("sgd", "adam"), default="sgd")
    p.add_argument("--lr", type=float, default=1.0)
    p.add_argument("--momentum", type=float, default=0.0, help="SGD's momentum")
    p.add_argument("--clip", type=float, default=1.0, help="gradients clipped to this joint norm")
    p.add_argument("--forget-bias", type=float, default=5.0)
    p.add_argument("--input-bias", type=lambda v: None if v == "random" else float(v), default=-3.0,
                   help="initial bias of the LSTM's input gate; random: PyTorch's start")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--models", default="LSTM,RNN")
    a = p.parse_args()
    torch.set_num_threads(1)
    rng = MT19937_64(1000 + a.seed)
    test_set = make_batch(1000, a.length, a.classes, a.noise, a.marker, rng)
    probe = make_batch(256, a.length, a.classes, a.noise, a.marker, rng)
    print(f"torch {torch.__version__}; task: {a.length} steps, {a.classes} classes at step 1, chance {1 / a.classes:.3f}")
    momentum = f", momentum {a.momentum:g}" if a.optimizer == "sgd" and a.momentum > 0 else ""
    input_start = "PyTorch's random start" if a.input_bias is None else f"{a.input_bias:g}"
    print(f"training: {'SGD' if a.optimizer == 'sgd' else 'Adam'}, learning rate {a.lr:g}{momentum}, gradients clipped to "
          f"norm {a.clip:g}, {a.steps} steps of {a.batch} sequences\n"
          f"LSTM gate biases at the start: forget {a.forget_bias:g}, input {input_start}\n")
    accs = {kind: run(kind, a, test_set, probe) for kind in a.models.split(",")}
    print("result: " + ", ".join(f"{k} accuracy {v:.3f}" for k, v in accs.items()) + f" (chance {1 / a.classes:.3f})")


if __name__ == "__main__":
    main()
