#!/usr/bin/python3
# Writes tests/reference/data/zoo_layers.json: the layers the model zoo added, evaluated by
# PyTorch in float64 with the gradients of sum(out * r): F.local_response_norm (AlexNet's
# across-channel normalization; sizes even and odd, larger than C, ranks 3 to 5, AlexNet's
# k = 2 and PyTorch's defaults) and F.adaptive_avg_pool2d (shrinking with overlapping
# windows, growing as torchvision's AlexNet/VGG heads do on small images, 1x1).
# Read by zoo_layers_reference_test.cpp.
# Run by hand with the Debian torch: /usr/bin/python3 tests/reference/make_zoo_layers_reference.py
import os
import sys

import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_reference import Group, write_group  # noqa: E402  (same case format and draws)


def main():
    g = Group("zoo_layers", seed=2012)
    d = g.draw
    # name, input shape, size, alpha, beta, k
    lrn = [
        ("alexnet", (2, 7, 3, 3), 5, 1e-4, 0.75, 2.0),
        ("defaults", (1, 6, 2, 3), 5, 1e-4, 0.75, 1.0),
        ("even_size_strong", (2, 5, 2, 2), 4, 0.5, 0.9, 1.0),
        ("size_above_channels", (1, 3, 2, 2), 7, 1.0, 0.5, 0.5),
        ("size1", (1, 4, 3, 1), 1, 2.0, 1.5, 1.0),
        ("rank3", (2, 6, 5), 3, 0.3, 0.75, 1.0),
        ("rank5", (1, 4, 2, 2, 2), 3, 0.2, 0.6, 1.5),
    ]
    for name, shape, size, alpha, beta, k in lrn:
        x = d.normal(*shape)
        g.add("lrn_" + name, "local_response_norm",
              lambda t, size=size, alpha=alpha, beta=beta, k=k: F.local_response_norm(t, size, alpha, beta, k), [x],
              args={"size": size, "alpha": alpha, "beta": beta, "k": k})
    # name, input shape, output size
    pools = [
        ("shrink_overlap", (2, 3, 7, 5), (3, 2)),
        ("exact_halves", (1, 2, 8, 6), (4, 3)),
        ("grow", (1, 2, 2, 3), (6, 6)),
        ("one_to_seven", (1, 3, 1, 1), (7, 7)),
        ("global", (2, 2, 5, 4), (1, 1)),
        ("mixed", (1, 1, 3, 10), (5, 4)),
    ]
    for name, shape, out in pools:
        x = d.normal(*shape)
        g.add("adaptive_" + name, "adaptive_avg_pool2d", lambda t, out=out: F.adaptive_avg_pool2d(t, out), [x],
              args={"output_size": list(out)})
    print(write_group(g))


if __name__ == "__main__":
    main()
