#!/usr/bin/python3
"""The RBM of examples/12_rbm written by hand in PyTorch, for comparison.

Same model and recipe (784 x 256, W ~ N(0, 0.01^2), a = b = 0, CD-1, lr 0.01, batch 64,
shuffled, binarized at 0.5) and the same two error figures as the soma program: the training
steps' mean (v0 - p(v|h0))^2 with h0 sampled, and the test set's mean-field
(v - p(v|p(h|v)))^2. Its random numbers are PyTorch's, so the figures agree in size, not digit
for digit.
    /usr/bin/python3 examples/12_rbm/torch_rbm.py [--epochs 5] [--threads 1]
"""
import argparse
import gzip
import time

import torch

DIR = "/usr/share/datasets/fashion-mnist"


def binarized(split):
    name = "train" if split == "train" else "t10k"
    with gzip.open(f"{DIR}/{name}-images-idx3-ubyte.gz", "rb") as f:
        pixels = f.read()[16:]
    x = torch.frombuffer(bytearray(pixels), dtype=torch.uint8).reshape(-1, 784).float() / 255
    return (x > 0.5).float()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    train, test = binarized("train"), binarized("test")

    W = torch.randn(784, args.hidden) * 0.01
    a = torch.zeros(784)
    b = torch.zeros(args.hidden)

    def test_error():
        ph = torch.sigmoid(b + test @ W)
        return ((test - torch.sigmoid(a + ph @ W.T)) ** 2).mean().item()

    print(f"before training: test {test_error():.4f}")
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        order = torch.randperm(train.shape[0])
        total = 0.0
        for first in range(0, train.shape[0], args.batch_size):
            v0 = train[order[first:first + args.batch_size]]
            n = v0.shape[0]
            ph0 = torch.sigmoid(b + v0 @ W)
            h0 = torch.bernoulli(ph0)
            pv1 = torch.sigmoid(a + h0 @ W.T)
            v1 = torch.bernoulli(pv1)
            ph1 = torch.sigmoid(b + v1 @ W)
            W += args.lr * (v0.T @ ph0 - v1.T @ ph1) / n
            a += args.lr * (v0 - v1).sum(0) / n
            b += args.lr * (ph0 - ph1).sum(0) / n
            total += ((v0 - pv1) ** 2).mean().item() * n
        print(f"epoch {epoch}/{args.epochs}: train {total / train.shape[0]:.4f} (sampled h), "
              f"test {test_error():.4f} (mean field), {time.perf_counter() - start:.1f} s", flush=True)


if __name__ == "__main__":
    main()
