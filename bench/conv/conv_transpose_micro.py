#!/usr/bin/python3
# PyTorch's side of bench/conv/conv_transpose_micro.cpp: F.conv_transpose2d forward + backward
# (input, weight and bias gradients) on the same DCGAN-like shapes and thread count; the best
# and the median of repetitions in ms.
# Run: /usr/bin/python3 bench/conv/conv_transpose_micro.py --threads 2
import argparse
import time

import torch
import torch.nn.functional as F

CASES = [  # name, N, C, H, W, O, k, stride, pad
    ("latent 100->128 k7 1x1->7x7", 64, 100, 1, 1, 128, 7, 1, 0),
    ("up1 128->64 k4 s2 p1 7->14", 64, 128, 7, 7, 64, 4, 2, 1),
    ("up2 64->1 k4 s2 p1 14->28", 64, 64, 14, 14, 1, 4, 2, 1),
    ("up 64->32 k4 s2 p1 16->32", 32, 64, 16, 16, 32, 4, 2, 1),
]


def time_ms(step, reps, iters):
    for _ in range(3):
        step()
    ms = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(iters):
            step()
        ms.append((time.perf_counter() - t0) * 1000 / iters)
    ms.sort()
    return ms[0], ms[len(ms) // 2]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--reps", type=int, default=15)
    parser.add_argument("--iters", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    for name, n, c, h, w, o, k, s, p in CASES:
        x = (torch.rand(n, c, h, w) * 2 - 1).requires_grad_()
        weight = ((torch.rand(c, o, k, k) * 2 - 1) * 0.1).requires_grad_()
        bias = ((torch.rand(o) * 2 - 1) * 0.1).requires_grad_()
        oh, ow = (h - 1) * s - 2 * p + k, (w - 1) * s - 2 * p + k
        gy = torch.rand(n, o, oh, ow) * 2 - 1

        def step():
            F.conv_transpose2d(x, weight, bias, stride=s, padding=p).backward(gy)
            x.grad = weight.grad = bias.grad = None

        def forward():
            with torch.no_grad():
                F.conv_transpose2d(x, weight, bias, stride=s, padding=p)

        best, median = time_ms(step, args.reps, args.iters)
        fwd, _ = time_ms(forward, args.reps, args.iters)
        print(f"{name:30s} threads {args.threads}  torch fwd+bwd best {best:7.3f} median {median:7.3f} ms  "
              f"fwd best {fwd:7.3f}")


if __name__ == "__main__":
    main()
