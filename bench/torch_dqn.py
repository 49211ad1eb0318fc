"""DQN on CartPole-v1 in PyTorch, written as a PyTorch user would, to compare with soma's
rl::DqnLearner: the same environment equations (Gymnasium's cartpole.py, float64 Euler steps),
the same agent (epsilon-greedy with a linear schedule, a replay ring sampled uniformly, TD
targets from a target network, smooth L1 loss, optional gradient-norm clipping, the target
copied every K steps) and the same order of events in a step. Random numbers come from
Python's and torch's generators, so runs with the same seed differ from soma's draw by draw.
Used by bench/torch_ref.py (B11) and examples/14_dqn_cartpole/torch_compare.py.
"""
import os
import random
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "reference"))
from make_cartpole_reference import step as cartpole_step  # noqa: E402  (the equations the C++ test checks)


class CartPole:
    """CartPole-v1: reward 1 per step, terminated when the pole falls or the cart leaves the
    track, truncated after 500 steps; reset uniform in (-0.05, 0.05)."""

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.state, self.steps = None, 0

    def reset(self, seed=None):
        if seed is not None:
            self.rng.seed(seed)
        self.state = [self.rng.uniform(-0.05, 0.05) for _ in range(4)]
        self.steps = 0
        return np.array(self.state, dtype=np.float32)

    def step(self, action):
        self.state, terminated = cartpole_step(self.state, action)
        self.steps += 1
        truncated = not terminated and self.steps >= 500
        return np.array(self.state, dtype=np.float32), 1.0, terminated, truncated


def q_network(hidden):
    return torch.nn.Sequential(torch.nn.Linear(4, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, hidden),
                               torch.nn.ReLU(), torch.nn.Linear(hidden, 2))


class Dqn:
    """The agent; step() is one environment step and, when due, the updates and the target copy."""

    def __init__(self, seed, hidden=128, lr=1e-3, batch_size=64, buffer=50000, gamma=0.99, learning_starts=1000,
                 train_frequency=1, gradient_steps=1, target_update=500, epsilon_end=0.05, exploration_steps=10000,
                 clip_grad_norm=0.0):
        torch.manual_seed(seed)
        self.online, self.target = q_network(hidden), q_network(hidden)
        self.target.load_state_dict(self.online.state_dict())
        self.opt = torch.optim.Adam(self.online.parameters(), lr=lr)
        self.rng = np.random.default_rng(seed)
        self.env = CartPole(seed)
        self.obs = self.env.reset(seed)
        self.b, self.gamma, self.learning_starts = batch_size, gamma, learning_starts
        self.train_frequency, self.gradient_steps, self.target_update = train_frequency, gradient_steps, target_update
        self.epsilon_end, self.exploration_steps, self.clip = epsilon_end, exploration_steps, clip_grad_norm
        self.s = np.zeros((buffer, 4), np.float32)
        self.s2 = np.zeros((buffer, 4), np.float32)
        self.a = np.zeros(buffer, np.int64)
        self.r = np.zeros(buffer, np.float32)
        self.done = np.zeros(buffer, np.float32)
        self.capacity, self.size, self.pos = buffer, 0, 0
        self.steps, self.episode_return, self.losses = 0, 0.0, []

    def epsilon(self):
        return 1 + min(1.0, self.steps / self.exploration_steps) * (self.epsilon_end - 1)

    def step(self):
        """Returns the episode's return when this step ended one, else None."""
        if self.rng.random() < self.epsilon():
            action = int(self.rng.integers(2))
        else:
            with torch.no_grad():
                action = int(self.online(torch.from_numpy(self.obs).unsqueeze(0)).argmax(1).item())
        next_obs, reward, terminated, truncated = self.env.step(action)
        i = self.pos
        self.s[i], self.a[i], self.r[i], self.s2[i], self.done[i] = self.obs, action, reward, next_obs, terminated
        self.pos, self.size = (i + 1) % self.capacity, min(self.size + 1, self.capacity)
        self.steps += 1
        self.episode_return += reward
        ended = None
        if terminated or truncated:
            ended, self.episode_return = self.episode_return, 0.0
            self.obs = self.env.reset()
        else:
            self.obs = next_obs
        if self.steps > self.learning_starts and self.steps % self.train_frequency == 0:
            for _ in range(self.gradient_steps):
                self.losses.append(self.update())
        if self.steps % self.target_update == 0:
            self.target.load_state_dict(self.online.state_dict())
        return ended

    def update(self):
        idx = self.rng.integers(0, self.size, self.b)
        s, s2 = torch.from_numpy(self.s[idx]), torch.from_numpy(self.s2[idx])
        a, r, done = torch.from_numpy(self.a[idx]), torch.from_numpy(self.r[idx]), torch.from_numpy(self.done[idx])
        with torch.no_grad():
            y = r + self.gamma * (1 - done) * self.target(s2).max(1).values
        q = self.online(s).gather(1, a.unsqueeze(1)).squeeze(1)
        loss = F.smooth_l1_loss(q, y)
        self.opt.zero_grad()
        loss.backward()
        if self.clip > 0:
            torch.nn.utils.clip_grad_norm_(self.online.parameters(), self.clip)
        self.opt.step()
        return loss.item()

    def evaluate(self, episodes, seed):
        """Mean return of greedy episodes, episode j from reset(seed + j)."""
        env, total = CartPole(seed), 0.0
        with torch.no_grad():
            for j in range(episodes):
                obs, done = env.reset(seed + j), False
                while not done:
                    action = int(self.online(torch.from_numpy(obs).unsqueeze(0)).argmax(1).item())
                    obs, reward, terminated, truncated = env.step(action)
                    total += reward
                    done = terminated or truncated
        return total / episodes
