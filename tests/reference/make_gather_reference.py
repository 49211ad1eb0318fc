#!/usr/bin/python3
# Writes tests/reference/data/gather.json: PyTorch's torch.gather in float64 on 1-D to 4-D
# inputs along every axis (negative dims included), with indices smaller than the input on the
# other axes and repeated picks, and the gradients of sum(out * r) (a scatter-add into the
# input). Read by gather_reference_test.cpp.
# Run by hand with the Debian torch: /usr/bin/python3 tests/reference/make_gather_reference.py
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_reference import Group, write_group  # noqa: E402  (same case format and draws)


def main():
    g = Group("gather", seed=2020)
    d = g.draw
    # name, input shape, dim, index shape
    cases = [
        ("1d", (5,), 0, (7,)),
        ("2d_dim1_q_of_action", (6, 2), 1, (6, 1)),
        ("2d_dim1_wide", (3, 4), 1, (3, 6)),
        ("2d_dim0", (4, 3), 0, (5, 3)),
        ("2d_smaller_index", (4, 5), 1, (2, 3)),
        ("2d_dim_minus1", (3, 4), -1, (3, 2)),
        ("3d_dim0", (3, 2, 4), 0, (2, 2, 3)),
        ("3d_dim1", (2, 5, 3), 1, (2, 4, 3)),
        ("3d_dim2_smaller", (3, 4, 5), 2, (2, 3, 7)),
        ("4d_dim_minus3", (2, 3, 2, 2), -3, (2, 4, 1, 2)),
    ]
    for name, shape, dim, index_shape in cases:
        x = d.normal(*shape)
        index = torch.randint(0, shape[dim], index_shape, generator=d.gen, dtype=torch.int64)
        g.add(name, "gather", lambda t, i, dim=dim: torch.gather(t, dim, i), [x, index], args={"dim": dim})
    print(write_group(g))


if __name__ == "__main__":
    main()
