#!/usr/bin/python3
# Writes tests/reference/data/upsampling.json: PyTorch 1.13's F.conv_transpose2d and
# F.interpolate (nearest, bilinear with align_corners false/true) in float64, the ops that grow
# images in decoders and GAN generators, with the gradients of sum(out * r). Configurations:
# kernels 1-5, strides 1-3, padding 0/1/2, output_padding, dilation, groups, non-square and
# uneven sizes; integer and non-integer scales, explicit sizes, shrinking. Read by
# upsampling_reference_test.cpp.
# Run by hand with the Debian torch: /usr/bin/python3 tests/reference/make_upsampling_reference.py
import json
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_reference import DATA_DIR, Group  # noqa: E402  (same case format and draws)


def pair(v):
    return list(v) if isinstance(v, (tuple, list)) else [v, v]


def conv_transpose(g):
    d = g.draw
    # name, x shape, out channels, kernel, stride, padding, output_padding, groups, dilation, bias
    cases = [
        ("k1", (2, 3, 4, 5), 2, 1, 1, 0, 0, 1, 1, True),
        ("k1_stride2", (2, 3, 4, 5), 2, 1, 2, 0, 0, 1, 1, True),
        ("k1_stride2_outpad1", (1, 3, 4, 5), 2, 1, 2, 0, 1, 1, 1, True),
        ("k2_stride2", (2, 2, 3, 4), 3, 2, 2, 0, 0, 1, 1, True),
        ("k3_pad1", (2, 2, 5, 4), 3, 3, 1, 1, 0, 1, 1, True),
        ("k3_pad2_shrinks", (1, 2, 6, 5), 2, 3, 1, 2, 0, 1, 1, True),
        ("k3_stride2_pad1_outpad1", (2, 2, 4, 3), 3, 3, 2, 1, 1, 1, 1, True),
        ("k3_stride2_outpad1_nopad", (1, 2, 3, 4), 2, 3, 2, 0, 1, 1, 1, True),  # output_padding > padding
        ("k3_stride3_pad2", (1, 2, 4, 3), 2, 3, 3, 2, 0, 1, 1, True),
        ("k3_stride3_pad2_outpad2", (1, 2, 4, 3), 2, 3, 3, 2, 2, 1, 1, True),
        ("k4_stride2_pad1_dcgan", (2, 3, 4, 4), 2, 4, 2, 1, 0, 1, 1, True),
        ("k4_stride2_pad1_nonsquare", (1, 2, 3, 5), 2, 4, 2, 1, 0, 1, 1, True),
        ("k4_stride1_nopad", (1, 2, 3, 2), 2, 4, 1, 0, 0, 1, 1, True),
        ("k5_pad2", (1, 2, 5, 4), 2, 5, 1, 2, 0, 1, 1, True),
        ("k5_stride2_pad2_outpad1", (1, 2, 4, 5), 2, 5, 2, 2, 1, 1, 1, True),
        ("k5_stride3_pad1", (1, 1, 3, 2), 2, 5, 3, 1, 0, 1, 1, True),
        ("k2x3_stride1x2_pad0x1_outpad0x1", (2, 2, 4, 3), 2, (2, 3), (1, 2), (0, 1), (0, 1), 1, 1, True),
        ("k3x2_stride3x1_pad1x0", (1, 2, 3, 4), 3, (3, 2), (3, 1), (1, 0), 0, 1, 1, True),
        ("dilation2_pad1", (1, 2, 4, 4), 2, 3, 1, 1, 0, 1, 2, True),
        ("dilation2_stride2_outpad1", (1, 2, 3, 4), 2, 3, 2, 1, 1, 1, 2, True),
        ("dilation3_outpad2_stride1", (1, 2, 3, 3), 2, 2, 1, 0, 2, 1, 3, True),  # output_padding < dilation
        ("dilation2x1_stride1x2", (2, 2, 3, 4), 2, (3, 2), (1, 2), 0, 0, 1, (2, 1), True),
        ("groups2", (2, 4, 3, 4), 6, 3, 1, 1, 0, 2, 1, True),
        ("groups2_stride2_pad1", (1, 4, 3, 3), 4, 4, 2, 1, 0, 2, 1, True),
        ("depthwise_stride2_outpad1", (2, 3, 4, 3), 3, 3, 2, 1, 1, 3, 1, True),
        ("no_bias", (2, 2, 3, 4), 3, 3, 2, 1, 1, 1, 1, False),
    ]
    for name, xs, out, k, s, p, op, groups, dil, bias in cases:
        kh, kw = pair(k)
        inputs = [d.normal(*xs), d.normal(xs[1], out // groups, kh, kw)]
        if bias:
            inputs.append(d.normal(out))

        def fn(x, w, b=None, s=s, p=p, op=op, groups=groups, dil=dil):
            return F.conv_transpose2d(x, w, b, stride=s, padding=p, output_padding=op, groups=groups, dilation=dil)

        g.add(f"conv_transpose2d_{name}", "conv_transpose2d", fn, inputs,
              args={"stride": pair(s), "padding": pair(p), "output_padding": pair(op), "groups": groups,
                    "dilation": pair(dil)})


def upsample(g):
    d = g.draw
    # name, x shape, size or None, scale_factor or None
    targets = [
        ("scale2", (2, 3, 4, 5), None, 2),
        ("scale3", (1, 2, 3, 2), None, 3),
        ("scale1_5x2_5", (1, 2, 4, 5), None, (1.5, 2.5)),   # output floor(4*1.5) x floor(5*2.5)
        ("scale0_6", (1, 2, 6, 7), None, 0.6),             # shrinking by a factor
        ("size7x9", (2, 2, 4, 5), (7, 9), None),            # in/out not an integer
        ("size3x2_shrink", (1, 2, 5, 5), (3, 2), None),
        ("size4x11_one_axis_unchanged", (1, 1, 4, 5), (4, 11), None),
        ("size1x3", (1, 2, 3, 4), (1, 3), None),           # align_corners: scale 0 on a 1-row output
        # nearest's scale is float32 in PyTorch: output row 37 takes source 10 (float64 would give 9)
        ("scale3_7x1_float32_index", (1, 1, 11, 2), None, (3.7, 1.0)),
    ]
    for name, xs, size, scale in targets:
        x = d.normal(*xs)
        for mode, align in (("nearest", None), ("bilinear", False), ("bilinear", True)):
            tag = mode if align is None else f"{mode}_align_corners_{str(align).lower()}"

            def fn(t, size=size, scale=scale, mode=mode, align=align):
                return F.interpolate(t, size=size, scale_factor=scale, mode=mode, align_corners=align)

            args = {"mode": mode, "align_corners": bool(align)}
            if size is not None:
                args["size"] = pair(size)
            else:
                args["scale_factor"] = [float(v) for v in pair(scale)]
            g.add(f"upsample_{tag}_{name}", "upsample", fn, [x], args=args)


def main():
    os.makedirs(DATA_DIR, exist_ok=True)
    g = Group("upsampling", seed=4242)
    conv_transpose(g)
    upsample(g)
    doc = {"about": "PyTorch reference values for soma's conv_transpose2d and upsample; generated by "
                    "tests/reference/make_upsampling_reference.py",
           "torch_version": torch.__version__, "group": g.name, "cases": g.cases}
    path = os.path.join(DATA_DIR, "upsampling.json")
    with open(path, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(f"{path}: {len(g.cases)} cases, {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
