# Writes the PyTorch reference data for soma's optimizers, gradient clipping and LR schedules
# (tests/reference/data/optim_*.json), read by tests/optim/optim_reference_test.cpp.
# Run by hand with the Debian python3-torch:  /usr/bin/python3 tests/reference/make_optim_reference.py
# Deterministic: no random draws; ATen's vectorized CPU kernels are switched off
# (ATEN_CPU_CAPABILITY=default) so that torch rounds like a plain scalar loop, without FMA.
import json
import math
import os
import sys

os.environ["ATEN_CPU_CAPABILITY"] = "default"
import torch  # noqa: E402  (must come after the environment variable)

torch.set_num_threads(1)
torch.set_default_dtype(torch.float64)

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
STEPS = 105          # record after every 10 steps and after the last one
RECORD_EVERY = 10
EPOCHS = 30          # LR schedules

# ---- the problem: f(p) = sum_k a_k/2 (p_k - c_k)^2 + b sin(w p_k) over two float64 tensors ----
# Its gradient a_k (p_k - c_k) + (b w) cos(w p_k) is computed in plain double arithmetic here and
# in the C++ test with the same expression and the same libm, so both sides see equal gradients.
SHAPES = [[3, 4], [5]]
B, W = 0.3, 3.0


def fixed_values(n, offset, scale, shift):
    """n deterministic values scale * sin(1.7 k + offset) + shift."""
    return [scale * math.sin(1.7 * k + offset) + shift for k in range(n)]


def numel(shape):
    return math.prod(shape)


INIT = [fixed_values(numel(s), 0.3 + i, 1.5, 0.2) for i, s in enumerate(SHAPES)]
A = [fixed_values(numel(s), 1.1 + i, 0.7, 1.3) for i, s in enumerate(SHAPES)]
C = [fixed_values(numel(s), 2.9 + i, 1.0, -0.4) for i, s in enumerate(SHAPES)]


def gradient(values, a, c):
    bw = B * W
    return [a[k] * (values[k] - c[k]) + bw * math.cos(W * values[k]) for k in range(len(values))]


def problem():
    return {"shapes": SHAPES, "init": INIT, "a": A, "c": C, "b": B, "w": W}


def run_optimizer(make, sits_out=None):
    """sits_out: the index of a parameter that gets no gradient on odd steps (it sits them out)."""
    params = [torch.tensor(v).reshape(s).requires_grad_() for v, s in zip(INIT, SHAPES)]
    opt = make(params)
    checkpoints = []
    for step in range(1, STEPS + 1):
        for i, p in enumerate(params):
            g = gradient(p.detach().reshape(-1).tolist(), A[i], C[i])
            p.grad = None if i == sits_out and step % 2 == 1 else torch.tensor(g).reshape(SHAPES[i])
        opt.step()
        if step % RECORD_EVERY == 0 or step == STEPS:
            checkpoints.append({"step": step, "params": [p.detach().reshape(-1).tolist() for p in params]})
    return checkpoints


def optimizer_file(name, cls, cases):
    out = {"generator": "tests/reference/make_optim_reference.py", "torch": torch.__version__,
           "optimizer": name, "problem": problem(), "steps": STEPS, "cases": []}
    for case_name, options in cases:
        kwargs = dict(options)
        if "betas" in kwargs:
            kwargs["betas"] = tuple(kwargs["betas"])
        # Each case twice: every parameter stepped every time, then parameter 1 sitting out the
        # odd steps, where PyTorch's per-parameter step counts change the bias corrections.
        for sits_out in (None, 1):
            checkpoints = run_optimizer(lambda params: cls(params, foreach=False, **kwargs), sits_out)
            case = {"name": case_name, "options": options, "checkpoints": checkpoints}
            if sits_out is not None:
                case["name"] += "_sits_out"
                case["sits_out"] = sits_out
            out["cases"].append(case)
    return out


OPTIMIZERS = {
    "sgd": ("SGD", torch.optim.SGD, [
        ("plain", {"lr": 0.05}),
        ("weight_decay", {"lr": 0.05, "weight_decay": 0.1}),
        ("momentum", {"lr": 0.02, "momentum": 0.9}),
        ("momentum_weight_decay", {"lr": 0.02, "momentum": 0.9, "weight_decay": 0.05}),
        ("dampening", {"lr": 0.03, "momentum": 0.8, "dampening": 0.5}),
        ("dampening_weight_decay", {"lr": 0.03, "momentum": 0.8, "dampening": 0.5, "weight_decay": 0.05}),
        ("nesterov", {"lr": 0.02, "momentum": 0.9, "nesterov": True}),
        ("nesterov_weight_decay", {"lr": 0.02, "momentum": 0.9, "nesterov": True, "weight_decay": 0.05}),
    ]),
    "adagrad": ("AdaGrad", torch.optim.Adagrad, [
        ("plain", {"lr": 0.1}),
        ("weight_decay", {"lr": 0.1, "weight_decay": 0.1}),
        ("lr_decay", {"lr": 0.2, "lr_decay": 0.05}),
        ("lr_decay_weight_decay", {"lr": 0.2, "lr_decay": 0.05, "weight_decay": 0.1}),
        ("initial_accumulator", {"lr": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-6}),
    ]),
    "rmsprop": ("RMSprop", torch.optim.RMSprop, [
        ("plain", {"lr": 0.01}),
        ("weight_decay", {"lr": 0.01, "weight_decay": 0.1}),
        ("momentum", {"lr": 0.005, "momentum": 0.9}),
        ("momentum_weight_decay", {"lr": 0.005, "momentum": 0.9, "weight_decay": 0.1}),
        ("centered", {"lr": 0.01, "centered": True, "alpha": 0.9}),
        ("centered_momentum_weight_decay",
         {"lr": 0.005, "centered": True, "momentum": 0.5, "weight_decay": 0.1, "eps": 1e-4}),
    ]),
    "adam": ("Adam", torch.optim.Adam, [
        ("plain", {"lr": 0.05}),
        ("weight_decay", {"lr": 0.05, "weight_decay": 0.1}),
        ("amsgrad", {"lr": 0.05, "amsgrad": True}),
        ("amsgrad_weight_decay", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1}),
        ("betas_eps", {"lr": 0.02, "betas": [0.8, 0.99], "eps": 1e-3}),
    ]),
    "adamw": ("AdamW", torch.optim.AdamW, [
        ("default_weight_decay", {"lr": 0.05}),
        ("no_weight_decay", {"lr": 0.05, "weight_decay": 0.0}),
        ("weight_decay", {"lr": 0.05, "weight_decay": 0.3}),
        ("amsgrad_weight_decay", {"lr": 0.05, "weight_decay": 0.3, "amsgrad": True, "betas": [0.85, 0.995]}),
    ]),
}


# ---- LR schedules: the lr after construction and after each of EPOCHS scheduler steps ----
BASE_LR = 0.1
PLATEAU_METRICS = [1.0, 0.9, 0.85, 0.85, 0.86, 0.849, 0.87, 0.9, 0.84, 0.5, 0.5, 0.5, 0.5, 0.5, 0.49995,
                   0.5, 0.5, 0.6, 0.7, 0.45, 0.45, 0.45, 0.45, 0.45, 0.45, 0.45, 0.45, 0.45, 0.45, 0.45]
SCHEDULES = [
    ("step", "StepLR", lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=7, gamma=0.5),
     {"step_size": 7, "gamma": 0.5}),
    ("step_default_gamma", "StepLR", lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=4),
     {"step_size": 4}),
    ("multistep", "MultiStepLR",
     lambda o: torch.optim.lr_scheduler.MultiStepLR(o, milestones=[5, 12, 12, 20], gamma=0.3),
     {"milestones": [5, 12, 12, 20], "gamma": 0.3}),
    ("exponential", "ExponentialLR", lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.9),
     {"gamma": 0.9}),
    ("cosine", "CosineAnnealingLR", lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=30),
     {"T_max": 30}),
    ("cosine_restart", "CosineAnnealingLR",
     lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=0.001),
     {"T_max": 10, "eta_min": 0.001}),
    ("linear_warmup", "LinearWarmup", lambda o: torch.optim.lr_scheduler.LinearLR(o), {}),
    ("linear_warmup_custom", "LinearWarmup",
     lambda o: torch.optim.lr_scheduler.LinearLR(o, start_factor=0.1, end_factor=0.8, total_iters=12),
     {"start_factor": 0.1, "end_factor": 0.8, "total_iters": 12}),
]
ONE_CYCLE_STEPS = 30
ONE_CYCLES = [  # (name, optimizer, OneCycleLR options); the lr and momentum after each batch step
    ("onecycle_sgd", "SGD", {"max_lr": 0.1}),
    ("onecycle_adam_linear", "Adam",
     {"max_lr": 0.01, "pct_start": 0.25, "anneal_strategy": "linear", "div_factor": 10.0, "final_div_factor": 100.0}),
    ("onecycle_three_phase", "SGD", {"max_lr": 0.2, "three_phase": True, "base_momentum": 0.8, "max_momentum": 0.9}),
    ("onecycle_no_momentum", "Adam", {"max_lr": 0.003, "pct_start": 0.5, "cycle_momentum": False}),
]
PLATEAUS = [  # (name, options, metric per epoch)
    ("plateau_min", {"mode": "min", "factor": 0.5, "patience": 2}, PLATEAU_METRICS),
    ("plateau_min_cooldown", {"mode": "min", "factor": 0.5, "patience": 1, "cooldown": 2, "min_lr": 0.01},
     PLATEAU_METRICS),
    ("plateau_min_abs", {"mode": "min", "factor": 0.3, "patience": 1, "threshold": 0.01, "threshold_mode": "abs"},
     PLATEAU_METRICS),
    ("plateau_max", {"mode": "max", "factor": 0.2, "patience": 3, "cooldown": 1}, PLATEAU_METRICS),
    ("plateau_max_abs", {"mode": "max", "factor": 0.5, "patience": 0, "threshold": 0.05, "threshold_mode": "abs"},
     [-m for m in PLATEAU_METRICS]),
    ("plateau_default", {}, [1.0] * EPOCHS),
]


def schedules_file():
    cases = []
    for name, kind, make, options in SCHEDULES:
        opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=BASE_LR)
        sched = make(opt)
        lrs = [opt.param_groups[0]["lr"]]
        for _ in range(EPOCHS):
            opt.step()
            sched.step()
            lrs.append(opt.param_groups[0]["lr"])
        cases.append({"name": name, "type": kind, "options": options, "lrs": lrs})
    for name, optimizer, options in ONE_CYCLES:
        param = [torch.zeros(1, requires_grad=True)]
        opt = torch.optim.SGD(param, lr=BASE_LR, momentum=0.9) if optimizer == "SGD" else torch.optim.Adam(param)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, total_steps=ONE_CYCLE_STEPS, **options)

        def momentum():
            group = opt.param_groups[0]
            return group["momentum"] if optimizer == "SGD" else group["betas"][0]
        lrs, momenta = [opt.param_groups[0]["lr"]], [momentum()]
        for _ in range(ONE_CYCLE_STEPS):
            opt.step()
            sched.step()
            lrs.append(opt.param_groups[0]["lr"])
            momenta.append(momentum())
        cases.append({"name": name, "type": "OneCycleLR", "optimizer": optimizer, "options": options,
                      "total_steps": ONE_CYCLE_STEPS, "lrs": lrs, "momenta": momenta})
    for name, options, metrics in PLATEAUS:
        opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=BASE_LR)
        sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, **options)
        lrs = [opt.param_groups[0]["lr"]]
        for metric in metrics:
            opt.step()
            sched.step(metric)
            lrs.append(opt.param_groups[0]["lr"])
        cases.append({"name": name, "type": "ReduceLROnPlateau", "options": options,
                      "metrics": metrics, "lrs": lrs})
    return {"generator": "tests/reference/make_optim_reference.py", "torch": torch.__version__,
            "base_lr": BASE_LR, "epochs": EPOCHS, "cases": cases}


# ---- gradient clipping: clipped gradients and the returned total norm ----
CLIP_GRADS = [fixed_values(6, 0.5, 2.0, 0.1), fixed_values(4, 1.5, 3.0, -0.2)]
CLIP_SHAPES = [[2, 3], [4]]


def clip_file():
    cases = []
    for max_norm, norm_type in [(1.0, 2.0), (100.0, 2.0), (0.5, 1.0), (0.7, "inf"), (2.0, 3.0)]:
        params = [torch.zeros(s, requires_grad=True) for s in CLIP_SHAPES]
        for p, g, s in zip(params, CLIP_GRADS, CLIP_SHAPES):
            p.grad = torch.tensor(g).reshape(s)
        total = torch.nn.utils.clip_grad_norm_(params, max_norm, math.inf if norm_type == "inf" else norm_type)
        cases.append({"kind": "norm", "max_norm": max_norm, "norm_type": norm_type, "total_norm": total.item(),
                      "grads": [p.grad.reshape(-1).tolist() for p in params]})
    for clip_value in [0.5, 10.0]:
        params = [torch.zeros(s, requires_grad=True) for s in CLIP_SHAPES]
        for p, g, s in zip(params, CLIP_GRADS, CLIP_SHAPES):
            p.grad = torch.tensor(g).reshape(s)
        torch.nn.utils.clip_grad_value_(params, clip_value)
        cases.append({"kind": "value", "clip_value": clip_value, "grads": [p.grad.reshape(-1).tolist() for p in params]})
    return {"generator": "tests/reference/make_optim_reference.py", "torch": torch.__version__,
            "shapes": CLIP_SHAPES, "grads": CLIP_GRADS, "cases": cases}


def write(name, data):
    path = os.path.join(DATA_DIR, "optim_" + name + ".json")
    with open(path, "w") as f:
        json.dump(data, f, indent=1)
        f.write("\n")
    print("wrote", path, file=sys.stderr)


def main():
    os.makedirs(DATA_DIR, exist_ok=True)
    for key, (name, cls, cases) in OPTIMIZERS.items():
        write(key, optimizer_file(name, cls, cases))
    write("schedules", schedules_file())
    write("clip", clip_file())


if __name__ == "__main__":
    main()
