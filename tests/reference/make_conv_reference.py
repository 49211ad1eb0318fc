#!/usr/bin/python3
# Writes tests/reference/data/conv.json: PyTorch 1.13's F.conv2d, F.max_pool2d, F.avg_pool2d
# and F.adaptive_avg_pool2d(x, 1) in float64 over the kinds of configurations soma supports
# (kernels 1-7, strides 1-3, padding numbers/pairs/'same'/'valid', dilation, groups, ceil_mode,
# count_include_pad), with the gradients of sum(out * r). Read by conv_reference_test.cpp.
# Run by hand with the Debian torch: /usr/bin/python3 tests/reference/make_conv_reference.py
import json
import os

import torch
import torch.nn.functional as F

from make_reference import DATA_DIR, Group, encode  # noqa: F401  (same case format and draws)


def conv_args(stride, padding, dilation, groups):
    """args as the C++ test reads them: pairs [h, w], padding a pair or 'same'/'valid'."""
    pair = lambda v: list(v) if isinstance(v, (tuple, list)) else [v, v]  # noqa: E731
    return {"stride": pair(stride), "padding": padding if isinstance(padding, str) else pair(padding),
            "dilation": pair(dilation), "groups": groups}


def conv():
    g = Group("conv", seed=909)
    d = g.draw
    # name, x shape, out channels, kernel, stride, padding, dilation, groups, bias
    cases = [
        ("k1", (2, 3, 5, 4), 2, 1, 1, 0, 1, 1, True),
        ("k1_stride2", (2, 3, 5, 4), 2, 1, 2, 0, 1, 1, True),
        ("k2_valid", (2, 2, 5, 6), 3, 2, 1, "valid", 1, 1, True),
        ("k3_pad1", (2, 2, 6, 6), 3, 3, 1, 1, 1, 1, True),
        ("k3_stride2_pad1_uneven", (2, 2, 7, 6), 3, 3, 2, 1, 1, 1, True),
        ("k3_stride3_pad2", (1, 2, 8, 7), 2, 3, 3, 2, 1, 1, True),
        ("k3_same", (2, 2, 5, 6), 2, 3, 1, "same", 1, 1, True),
        ("k4_same_asymmetric", (2, 2, 5, 6), 2, 4, 1, "same", 1, 1, True),
        ("k2x3_same_asymmetric", (1, 2, 5, 6), 2, (2, 3), 1, "same", 1, 1, True),
        ("k5_stride2", (2, 1, 9, 11), 3, 5, 2, 0, 1, 1, True),
        ("k5_pad2", (1, 2, 6, 5), 2, 5, 1, 2, 1, 1, True),
        ("k6", (1, 2, 7, 8), 2, 6, 1, 0, 1, 1, True),
        ("k7_pad3", (1, 1, 7, 7), 2, 7, 1, 3, 1, 1, True),
        ("k7_stride2", (1, 2, 9, 10), 2, 7, 2, 0, 1, 1, True),
        ("k3x5_stride1x2_pad1x2", (2, 2, 6, 9), 2, (3, 5), (1, 2), (1, 2), 1, 1, True),
        ("dilation2_pad2", (1, 2, 7, 7), 2, 3, 1, 2, 2, 1, True),
        ("dilation2_same", (1, 2, 6, 5), 2, 3, 1, "same", 2, 1, True),
        ("dilation2x1_stride1x2", (2, 2, 8, 7), 2, (3, 2), (1, 2), 0, (2, 1), 1, True),
        ("groups2", (2, 4, 5, 5), 6, 3, 1, 1, 1, 2, True),
        ("groups2_stride2_dilation2", (1, 4, 9, 8), 4, 3, 2, 1, 2, 2, True),
        ("depthwise", (2, 3, 6, 5), 3, 3, 1, 1, 1, 3, True),
        ("no_bias", (2, 2, 5, 6), 3, 3, 1, 1, 1, 1, False),
        ("pad_0x2", (1, 2, 5, 4), 2, 3, 2, (0, 2), 1, 1, True),
        ("b5_like", (2, 1, 14, 20), 4, 5, 2, 0, 1, 1, True),
    ]
    for name, xs, out, k, s, p, dil, groups, bias in cases:
        kh, kw = (k, k) if isinstance(k, int) else k
        inputs = [d.normal(*xs), d.normal(out, xs[1] // groups, kh, kw)]
        if bias:
            inputs.append(d.normal(out))

        def fn(x, w, b=None, s=s, p=p, dil=dil, groups=groups):
            return F.conv2d(x, w, b, stride=s, padding=p, dilation=dil, groups=groups)

        g.add(f"conv2d_{name}", "conv2d", fn, inputs, args=conv_args(s, p, dil, groups))

    # Pooling: name, x shape, kernel, stride (None: the kernel), padding, ceil_mode.
    windows = [
        ("k2", (2, 2, 6, 5), 2, None, 0, False),
        ("k2_ceil", (1, 2, 5, 7), 2, None, 0, True),
        ("k3_s2_p1", (1, 2, 7, 6), 3, 2, 1, False),
        ("k3_s2_p1_ceil", (1, 2, 6, 8), 3, 2, 1, True),
        ("k2_s2_p1_ceil_drops_last", (1, 1, 5, 5), 2, 2, 1, True),  # the 4th window would start in padding
        ("k3_s2_ceil_overruns", (1, 1, 6, 7), 3, 2, 0, True),
        ("k4_s3_p2_ceil", (1, 1, 9, 10), 4, 3, 2, True),
        ("k2x3_s1x2_p1x1", (2, 1, 6, 7), (2, 3), (1, 2), (1, 1), False),
        ("k5_s1_p2", (1, 1, 7, 6), 5, 1, 2, False),
    ]

    def pool_args(k, s, p, ceil):
        pair = lambda v: list(v) if isinstance(v, (tuple, list)) else [v, v]  # noqa: E731
        return {"kernel": pair(k), "stride": pair(s if s is not None else 0), "padding": pair(p), "ceil_mode": ceil}

    for name, xs, k, s, p, ceil in windows:
        x = d.normal(*xs)
        g.add(f"max_pool2d_{name}", "max_pool2d",
              lambda t, k=k, s=s, p=p, c=ceil: F.max_pool2d(t, k, s, p, ceil_mode=c), [x],
              args=pool_args(k, s, p, ceil))
        for include in (True, False):
            g.add(f"avg_pool2d_{name}_{'include' if include else 'exclude'}_pad", "avg_pool2d",
                  lambda t, k=k, s=s, p=p, c=ceil, i=include: F.avg_pool2d(t, k, s, p, ceil_mode=c,
                                                                           count_include_pad=i),
                  [x], args=dict(pool_args(k, s, p, ceil), count_include_pad=include))
    # Ties in max pooling: the first largest element of a window takes the gradient.
    ties = torch.tensor([[[[1.0, 3.0, 3.0, 0.0], [3.0, 2.0, 0.0, 0.0], [5.0, 5.0, 1.0, 1.0], [5.0, 5.0, 1.0, 1.0]]]])
    g.add("max_pool2d_ties", "max_pool2d", lambda t: F.max_pool2d(t, 2), [ties], args=pool_args(2, None, 0, False))
    g.add("max_pool2d_ties_overlapping", "max_pool2d", lambda t: F.max_pool2d(t, 3, 1, 1), [ties],
          args=pool_args(3, 1, 1, False))
    g.add("global_avg_pool2d", "global_avg_pool2d", lambda t: F.adaptive_avg_pool2d(t, 1), [d.normal(2, 3, 4, 5)])
    g.add("global_avg_pool2d_1x1", "global_avg_pool2d", lambda t: F.adaptive_avg_pool2d(t, 1), [d.normal(2, 3, 1, 1)])
    return g


def main():
    os.makedirs(DATA_DIR, exist_ok=True)
    group = conv()
    doc = {"about": "PyTorch reference values for soma's convolution and pooling; generated by "
                    "tests/reference/make_conv_reference.py",
           "torch_version": torch.__version__, "group": group.name, "cases": group.cases}
    path = os.path.join(DATA_DIR, "conv.json")
    with open(path, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(f"{path}: {len(group.cases)} cases, {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
