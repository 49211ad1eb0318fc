#!/usr/bin/python3
"""PyTorch run of `soma train`'s built-in default, for comparing test accuracy and time.

Benchmark B3's CNN (Conv 1->32 3x3 pad 1, ReLU, MaxPool 2; Conv 32->64 3x3 pad 1, BatchNorm,
ReLU, MaxPool 2; Flatten; Dense 3136->128, ReLU, Dropout 0.3; Dense 128->10) with PyTorch's
default initialization, cross-entropy, Adam under OneCycleLR (max_lr 0.005, stepped after every
batch, PyTorch's other defaults), batches of 64 in a new random order every epoch (the last,
partial batch kept), 3 epochs; pixels in [0, 1]. Reads the same gzipped IDX files as soma
(Debian package dataset-fashion-mnist). Prints one line per seed and the mean.

  /usr/bin/python3 examples/04_cnn_fashion/torch_default.py --seeds 0 1 2 3 4
"""
import argparse
import pathlib
import statistics
import sys
import time

import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "03_mlp_fashion"))
from torch_compare import DATA, read_idx  # noqa: E402  (the MLP comparison's IDX reader)


def load(prefix, folder):
    x = read_idx(f"{folder}/{prefix}-images-idx3-ubyte.gz").reshape(-1, 1, 28, 28).float() / 255.0
    return x, read_idx(f"{folder}/{prefix}-labels-idx1-ubyte.gz").long()


def model():
    nn = torch.nn
    return nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Dropout(0.3), nn.Linear(128, 10))


def run(seed, args, train, test):
    torch.manual_seed(seed)
    net = model()
    (x, y), (tx, ty) = train, test
    batches = (len(x) + args.batch_size - 1) // args.batch_size
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    cycle = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.max_lr, total_steps=args.epochs * batches)
    loss_fn = torch.nn.CrossEntropyLoss()
    order_gen = torch.Generator().manual_seed(seed)
    start = time.perf_counter()
    for _ in range(args.epochs):
        net.train()
        order = torch.randperm(len(x), generator=order_gen)
        for first in range(0, len(x), args.batch_size):
            index = order[first:first + args.batch_size]
            loss = loss_fn(net(x[index]), y[index])
            opt.zero_grad()
            loss.backward()
            opt.step()
            cycle.step()
    seconds = time.perf_counter() - start
    net.eval()
    with torch.no_grad():
        correct = sum((net(tx[i:i + 1000]).argmax(1) == ty[i:i + 1000]).sum().item() for i in range(0, len(tx), 1000))
    return correct / len(tx), seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--max-lr", type=float, default=0.005)
    parser.add_argument("--threads", type=int, default=0, help="0: PyTorch's default")
    parser.add_argument("--data", default=DATA)
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    train, test = load("train", args.data), load("t10k", args.data)
    accuracies = []
    for seed in args.seeds:
        accuracy, seconds = run(seed, args, train, test)
        accuracies.append(accuracy)
        print(f"seed {seed}: test accuracy {accuracy:.4f}, trained in {seconds:.1f} s "
              f"({torch.get_num_threads()} threads)", flush=True)
    if len(accuracies) > 1:
        print(f"mean {statistics.mean(accuracies):.4f} ± {statistics.stdev(accuracies):.4f} over {len(accuracies)} seeds")


if __name__ == "__main__":
    main()
