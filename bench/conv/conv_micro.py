#!/usr/bin/python3
# PyTorch's side of bench/conv/conv_micro.cpp: F.conv2d forward + backward on the same
# shapes, same gradients asked for, same thread count; the best and the median of
# repetitions in ms.
# Run: /usr/bin/python3 bench/conv/conv_micro.py --threads 2
import argparse
import time

import torch
import torch.nn.functional as F

CASES = [  # name, N, C, H, W, O, k, stride, pad, input_grad
    ("B3 conv1 1->32 3x3 p1 28x28", 64, 1, 28, 28, 32, 3, 1, 1, False),
    ("B3 conv2 32->64 3x3 p1 14x14", 64, 32, 14, 14, 64, 3, 1, 1, True),
    ("B5 conv1 1->16 5x5 s2 40x90", 128, 1, 40, 90, 16, 5, 2, 0, False),
    ("B5 conv2 16->32 5x5 s2 18x43", 128, 16, 18, 43, 32, 5, 2, 0, True),
    ("B5 conv3 32->32 5x5 s2 7x20", 128, 32, 7, 20, 32, 5, 2, 0, True),
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
    for name, n, c, h, w, o, k, s, p, input_grad in CASES:
        x = torch.rand(n, c, h, w) * 2 - 1
        x.requires_grad_(input_grad)
        weight = ((torch.rand(o, c, k, k) * 2 - 1) * 0.1).requires_grad_()
        bias = ((torch.rand(o) * 2 - 1) * 0.1).requires_grad_()
        oh, ow = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
        gy = torch.rand(n, o, oh, ow) * 2 - 1

        def step():
            F.conv2d(x, weight, bias, stride=s, padding=p).backward(gy)
            x.grad = weight.grad = bias.grad = None

        def forward():
            with torch.no_grad():
                F.conv2d(x, weight, bias, stride=s, padding=p)

        best, median = time_ms(step, args.reps, args.iters)
        fwd, _ = time_ms(forward, args.reps, args.iters)
        print(f"{name:30s} threads {args.threads}  torch fwd+bwd best {best:7.3f} median {median:7.3f} ms  "
              f"fwd best {fwd:7.3f}")
    for shape in ((64, 32, 28, 28), (64, 64, 14, 14)):
        x = (torch.rand(*shape) * 2 - 1).requires_grad_()
        gy = torch.rand(shape[0], shape[1], shape[2] // 2, shape[3] // 2) * 2 - 1

        def pool_step():
            F.max_pool2d(x, 2).backward(gy)
            x.grad = None

        best, median = time_ms(pool_step, args.reps, args.iters)
        print(f"B3 max_pool2d(2) {str(list(shape)):13s} threads {args.threads}  torch fwd+bwd best {best:7.3f} "
              f"median {median:7.3f} ms")


if __name__ == "__main__":
    main()
