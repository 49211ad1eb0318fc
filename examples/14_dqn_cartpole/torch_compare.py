#!/usr/bin/python3
"""The same DQN on CartPole-v1 in PyTorch, for the learning curves beside soma's in README.md.

Same environment equations (bench/torch_dqn.py re-writes Gymnasium's cartpole.py), the same
hyperparameters as main.cpp's defaults (Stable-Baselines3's tuned CartPole DQN with the MLP
4-128-128-2 and the learning rate falling linearly to 0), the same evaluation and checkpoint selection (10 greedy episodes after each of
25 epochs; the best weights kept aside) and the same seeds; the draws differ (Python's and
torch's generators). For each seed it writes torch_curve_seed<S>.csv (kind,step,return: each
training episode and each evaluation), and prints the final and the selected policy's mean
return over 100 other greedy episodes and the wall time.
  /usr/bin/python3 examples/14_dqn_cartpole/torch_compare.py --seeds 1 2 3 4 5 --out DIR
main.cpp --torch-curve DIR/torch_curve_seed1.csv draws one of them beside soma's curve.
"""
import argparse
import copy
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench"))
os.environ["OPENBLAS_NUM_THREADS"] = "1"  # one thread, as soma's run; torch's own setting does not reach OpenBLAS
import torch  # noqa: E402
import torch_dqn  # noqa: E402


def run(seed, steps, epochs, out):
    torch.set_num_threads(1)
    agent = torch_dqn.Dqn(seed=seed, hidden=128, lr=2.3e-3, batch_size=64, buffer=100000, gamma=0.99,
                          learning_starts=1000, train_frequency=256, gradient_steps=128, target_update=10,
                          epsilon_end=0.04, exploration_steps=int(0.16 * steps), clip_grad_norm=10.0)
    rows, start = [], time.perf_counter()
    per_epoch = steps // epochs
    best_return, best = -1.0, None
    for epoch in range(epochs):
        for _ in range(per_epoch):
            ret = agent.step()
            for group in agent.opt.param_groups:  # lr 2.3e-3 falling linearly to 0, as main.cpp's
                group["lr"] = 2.3e-3 * (1 - agent.steps / steps)
            if ret is not None:
                rows.append(("episode", agent.steps, ret))
        rows.append(("eval", agent.steps, agent.evaluate(10, 1000000)))
        if rows[-1][2] >= best_return:  # the best (the latest at a tie), kept aside
            best_return, best = rows[-1][2], copy.deepcopy(agent.online.state_dict())
        print(f"seed {seed} epoch {epoch + 1}/{epochs}: eval return {rows[-1][2]:.1f}", flush=True)
    seconds = time.perf_counter() - start
    final = agent.evaluate(100, 2000000)
    agent.online.load_state_dict(best)
    selected = agent.evaluate(100, 2000000)
    with open(os.path.join(out, f"torch_curve_seed{seed}.csv"), "w") as f:
        f.write("kind,step,return\n")
        for kind, step, ret in rows:
            f.write(f"{kind},{step},{ret}\n")
    print(f"seed {seed}: over 100 greedy episodes: final policy {final:.1f}, selected policy {selected:.1f}, "
          f"training {seconds:.1f} s", flush=True)
    return final, selected, seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--steps", type=int, default=50000)
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument("--out", default=".")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    results = [run(seed, args.steps, args.epochs, args.out) for seed in args.seeds]
    for seed, (final, selected, seconds) in zip(args.seeds, results):
        print(f"seed {seed}: final {final:.1f} selected {selected:.1f} ({seconds:.1f} s)")


if __name__ == "__main__":
    main()
