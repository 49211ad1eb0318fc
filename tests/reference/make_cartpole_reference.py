#!/usr/bin/python3
# Writes tests/reference/data/cartpole.json, read by tests/rl/cartpole_test.cpp: CartPole-v1
# trajectories for fixed start states and action sequences, from the equations of Gymnasium's
# gymnasium/envs/classic_control/cartpole.py (Euler integration, float64), written out here
# in plain Python: neither Gymnasium nor PyTorch is needed. Run by hand:
#   /usr/bin/python3 tests/reference/make_cartpole_reference.py
import json
import math
import os

GRAVITY, MASSCART, MASSPOLE, LENGTH, FORCE_MAG, TAU = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02
TOTAL_MASS = MASSPOLE + MASSCART
POLEMASS_LENGTH = MASSPOLE * LENGTH
THETA_THRESHOLD = 12 * 2 * math.pi / 360
X_THRESHOLD = 2.4
MAX_EPISODE_STEPS = 500  # gymnasium.make("CartPole-v1") wraps it in TimeLimit(500)


def step(state, action):
    x, x_dot, theta, theta_dot = state
    force = FORCE_MAG if action == 1 else -FORCE_MAG
    costheta, sintheta = math.cos(theta), math.sin(theta)
    temp = (force + POLEMASS_LENGTH * theta_dot**2 * sintheta) / TOTAL_MASS
    thetaacc = (GRAVITY * sintheta - costheta * temp) / (LENGTH * (4.0 / 3.0 - MASSPOLE * costheta**2 / TOTAL_MASS))
    xacc = temp - POLEMASS_LENGTH * thetaacc * costheta / TOTAL_MASS
    x, x_dot = x + TAU * x_dot, x_dot + TAU * xacc
    theta, theta_dot = theta + TAU * theta_dot, theta_dot + TAU * thetaacc
    terminated = x < -X_THRESHOLD or x > X_THRESHOLD or theta < -THETA_THRESHOLD or theta > THETA_THRESHOLD
    return [x, x_dot, theta, theta_dot], terminated


def episode(start, actions):
    """Steps until the actions run out, the pole falls or the time limit cuts the episode."""
    state, rows = list(start), []
    for t, a in enumerate(actions):
        state, terminated = step(state, a)
        truncated = not terminated and t + 1 >= MAX_EPISODE_STEPS
        rows.append({"action": a, "state": state, "reward": 1.0, "terminated": terminated, "truncated": truncated})
        if terminated or truncated:
            break
    return {"start": list(start), "steps": rows}


def balancing_actions(start, n):
    """A simple controller (push toward where the pole leans) so an episode reaches the time limit."""
    state, actions = list(start), []
    for _ in range(n):
        a = 1 if state[2] + 0.5 * state[3] + 0.01 * state[0] + 0.1 * state[1] > 0 else 0
        actions.append(a)
        state, _ = step(state, a)
    return actions


def main():
    cases = [
        episode([0.01, -0.02, 0.03, 0.04], [1] * 40),           # always right: the pole falls left
        episode([-0.04, 0.03, -0.02, 0.01], [0] * 40),          # always left
        episode([0.0, 0.0, 0.0, 0.0], [i % 2 for i in range(60)]),  # alternating
        episode([0.02, 0.01, -0.01, -0.03], [(i // 3) % 2 for i in range(60)]),
    ]
    start = [0.03, -0.01, 0.02, -0.04]
    cases.append(episode(start, balancing_actions(start, 520)))  # truncated at 500
    assert cases[-1]["steps"][-1]["truncated"], "the balancing controller should reach the time limit"
    assert all(c["steps"][-1]["terminated"] for c in cases[:2])
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "cartpole.json")
    with open(path, "w") as f:
        json.dump({"source": "tests/reference/make_cartpole_reference.py", "cases": cases}, f)
        f.write("\n")
    print("wrote", path, [len(c["steps"]) for c in cases])


if __name__ == "__main__":  # bench/torch_dqn.py imports step()
    main()
