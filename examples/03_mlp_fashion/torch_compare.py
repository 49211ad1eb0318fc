#!/usr/bin/python3
"""PyTorch run of the 03_mlp_fashion recipe, for comparing test accuracies with soma's.

Dense 784-256-128-10 (ReLU), softmax cross-entropy (mean over the batch), Adam (lr 1e-3,
PyTorch's defaults otherwise), batches of 64 in a new random order every epoch (the last,
partial batch kept), 5 epochs, torch.nn.Linear's default initialization; pixels in [0, 1]
(torchvision's ToTensor), optionally standardized with the training set's mean and standard
deviation (--normalize, as build/bin/mlp_fashion does by default). Reads the same gzipped IDX
files as soma (Debian package dataset-fashion-mnist). Prints one line per seed and the mean.

  /usr/bin/python3 examples/03_mlp_fashion/torch_compare.py --seeds 0 1 2 3 4 --threads 1
  /usr/bin/python3 examples/03_mlp_fashion/torch_compare.py --normalize
"""
import argparse
import gzip
import statistics
import struct
import time

import torch

DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    dims = raw[3]
    shape = struct.unpack(">" + "I" * dims, raw[4:4 + 4 * dims])
    return torch.frombuffer(bytearray(raw[4 + 4 * dims:]), dtype=torch.uint8).reshape(shape)


def load(split, folder):
    prefix = "train" if split == "train" else "t10k"
    x = read_idx(f"{folder}/{prefix}-images-idx3-ubyte.gz").reshape(-1, 784).float() / 255.0
    y = read_idx(f"{folder}/{prefix}-labels-idx1-ubyte.gz").long()
    return x, y


def run(seed, args, train, test):
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128),
                              torch.nn.ReLU(), torch.nn.Linear(128, 10))
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    (x, y), (tx, ty) = train, test
    order_gen = torch.Generator().manual_seed(seed)
    for _ in range(args.epochs):
        net.train()
        order = torch.randperm(len(x), generator=order_gen)
        for start in range(0, len(x), args.batch_size):
            index = order[start:start + args.batch_size]
            loss = loss_fn(net(x[index]), y[index])
            opt.zero_grad()
            loss.backward()
            opt.step()
    net.eval()
    with torch.no_grad():
        return (net(tx).argmax(1) == ty).float().mean().item()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--normalize", action="store_true",
                        help="standardize pixels with the training set's mean and standard deviation")
    parser.add_argument("--data", default=DATA)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    train, test = load("train", args.data), load("t10k", args.data)
    if args.normalize:
        mean, std = train[0].mean().item(), train[0].std().item()
        train = ((train[0] - mean) / std, train[1])
        test = ((test[0] - mean) / std, test[1])
        print(f"pixels standardized with mean {mean:.4f}, std {std:.4f}")
    accuracies = []
    for seed in args.seeds:
        start = time.perf_counter()
        accuracies.append(run(seed, args, train, test))
        print(f"seed {seed}: test accuracy {accuracies[-1]:.4f} ({time.perf_counter() - start:.1f} s)", flush=True)
    spread = statistics.stdev(accuracies) if len(accuracies) > 1 else 0.0
    print(f"mean {statistics.mean(accuracies):.4f}, standard deviation {spread:.4f}, "
          f"min {min(accuracies):.4f}, max {max(accuracies):.4f} over {len(accuracies)} seeds")


if __name__ == "__main__":
    main()
