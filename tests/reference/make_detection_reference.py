#!/usr/bin/python3
# Writes tests/reference/data/detection.json: the YOLO v1 loss (soma's detection/yolo.h) and the
# localization loss (detection/localizer.h) written out in PyTorch, float64, with the gradients
# of sum(out * r) in the model's outputs. The YOLO targets are laid out here by plain Python
# loops, independently of soma: cell of each box centre (first object wins a cell), the
# responsible predictor by IoU with the detached prediction, rescore. Read by
# detection_reference_test.cpp.
# Run by hand with the Debian torch: /usr/bin/python3 tests/reference/make_detection_reference.py
import math
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_reference import Group, write_group  # noqa: E402  (same case format and draws)


def iou(a, b):
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    inter = max(w, 0.0) * max(h, 0.0)
    area = lambda r: max(r[2] - r[0], 0.0) * max(r[3] - r[1], 0.0)
    union = area(a) + area(b) - inter
    return inter / union if union > 0 else 0.0


def yolo_loss(out, targets, S, B, C, lambda_coord, lambda_noobj, rescore):
    n = out.shape[0]
    sig = torch.sigmoid(out[:, :5 * B])
    probs = torch.softmax(out[:, 5 * B:5 * B + C], dim=1)
    seen = sig.detach()
    tb = torch.zeros_like(sig)
    wb = torch.zeros_like(sig)
    tc = torch.zeros_like(probs)
    wc = torch.zeros_like(probs)
    for b in range(B):
        wb[:, 5 * b + 4] = lambda_noobj
    for i in range(n):
        taken = set()
        for row in targets[i].tolist():
            if row[0] < 0:
                continue
            label, x1, y1, x2, y2 = int(row[0]), row[1], row[2], row[3], row[4]
            cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
            col = min(max(int(math.floor(cx * S)), 0), S - 1)
            r = min(max(int(math.floor(cy * S)), 0), S - 1)
            if (r, col) in taken:
                continue
            taken.add((r, col))
            best, best_iou = 0, -1.0
            for b in range(B):
                v = seen[i, 5 * b:5 * b + 5, r, col].tolist()
                pcx, pcy, w, h = (col + v[0]) / S, (r + v[1]) / S, v[2] ** 2, v[3] ** 2
                o = iou([pcx - w / 2, pcy - h / 2, pcx + w / 2, pcy + h / 2], [x1, y1, x2, y2])
                if o > best_iou:
                    best, best_iou = b, o
            fields = [cx * S - col, cy * S - r, math.sqrt(x2 - x1), math.sqrt(y2 - y1), best_iou if rescore else 1.0]
            for k in range(5):
                tb[i, 5 * best + k, r, col] = fields[k]
                wb[i, 5 * best + k, r, col] = lambda_coord if k < 4 else 1.0
            wc[i, :, r, col] = 1.0
            tc[i, label, r, col] = 1.0
    return ((wb * (sig - tb) ** 2).sum() + (wc * (probs - tc) ** 2).sum()) / n


def localization_loss(logits, box, targets, box_weight, beta):
    rows = targets.reshape(-1, 5)
    ce = F.cross_entropy(logits, rows[:, 0].long())
    l1 = F.smooth_l1_loss(torch.sigmoid(box), rows[:, 1:], beta=beta)
    return ce + box_weight * l1


def canvas_targets(d, n, k, classes, empty=0.3):
    """Rows (class, x1, y1, x2, y2) of random boxes inside [0, 1]; some rows class -1."""
    rows = []
    for _ in range(n * k):
        c = d.uniform(3).tolist()
        x1, y1 = c[0] * 0.6, c[1] * 0.6
        w, h = 0.1 + 0.3 * c[2], 0.1 + 0.3 * d.uniform(1).item()
        label = int(d.uniform(1).item() * classes) if d.uniform(1).item() > empty else -1
        rows.append([float(label), round(x1, 6), round(y1, 6), round(x1 + w, 6), round(y1 + h, 6)] if label >= 0
                    else [-1.0, 0.0, 0.0, 0.0, 0.0])
    return torch.tensor(rows, dtype=torch.float64).reshape(n, k, 5)


def main():
    g = Group("detection", seed=1313)
    d = g.draw
    # name, N, S, B, C, K, lambda_coord, lambda_noobj, rescore
    cases = [
        ("yolo_s3_b2_c3", 2, 3, 2, 3, 4, 5.0, 0.5, True),
        ("yolo_s4_b1_c2_no_rescore", 3, 4, 1, 2, 3, 5.0, 0.5, False),
        ("yolo_s2_b3_c4_weights", 2, 2, 3, 4, 5, 2.0, 0.25, True),
    ]
    for name, n, S, B, C, K, lc, ln, rescore in cases:
        out = d.normal(n, 5 * B + C, S, S, std=1.5)
        targets = canvas_targets(d, n, K, C)
        args = {"grid": S, "boxes": B, "classes": C, "lambda_coord": lc, "lambda_noobj": ln, "rescore": rescore}
        g.add(name, "yolo_loss",
              lambda o, t, S=S, B=B, C=C, lc=lc, ln=ln, r=rescore: yolo_loss(o, t, S, B, C, lc, ln, r),
              [out, targets], args=args, grad=[0])
    # Two objects in one cell: only the first counts.
    out = d.normal(1, 5 * 2 + 3, 2, 2)
    targets = torch.tensor([[[1, 0.05, 0.05, 0.35, 0.45], [2, 0.1, 0.1, 0.3, 0.3], [0, 0.6, 0.5, 0.9, 0.95]]],
                           dtype=torch.float64)
    args = {"grid": 2, "boxes": 2, "classes": 3, "lambda_coord": 5.0, "lambda_noobj": 0.5, "rescore": True}
    g.add("yolo_shared_cell", "yolo_loss", lambda o, t: yolo_loss(o, t, 2, 2, 3, 5.0, 0.5, True), [out, targets],
          args=args, grad=[0])

    for name, n, C, weight, beta in [("localization_w10", 4, 5, 10.0, 1 / 64), ("localization_w1_beta05", 3, 10, 1.0, 0.5),
                                     ("localization_class_only", 3, 4, 0.0, 0.1)]:
        logits = d.normal(n, C)
        box = d.normal(n, 4)
        targets = canvas_targets(d, n, 1, C, empty=-1)
        g.add(name, "localization_loss",
              lambda lg, bx, t, w=weight, b=beta: localization_loss(lg, bx, t, w, b),
              [logits, box, targets], args={"box_weight": weight, "beta": beta}, grad=[0, 1])
    print(write_group(g))


if __name__ == "__main__":
    main()
