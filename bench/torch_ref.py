#!/usr/bin/python3
"""The workloads of shared/BENCHMARKS.md in PyTorch, for comparison with soma-bench.

Same models, hyperparameters, data shapes and timing rule (one warm-up, median of 5
repetitions) as bench/workloads_*.cpp, and the same one-line JSON output:
    /usr/bin/python3 bench/torch_ref.py B1 --threads 2
Run with Debian's python3-torch (/usr/bin/python3), in the environment as given, or under
bench/peer_env.sh for PyTorch's fastest working configuration on the machine:
    bench/peer_env.sh best /usr/bin/python3 bench/torch_ref.py B1 --threads 2
The line says what ran: "blas_threads", "blas_core" (OpenBLAS's kernels), "malloc".
"""
import argparse
import ctypes
import gzip
import json
import os
import statistics
import sys
import time


def pin_blas_threads(argv):
    """Give OpenBLAS its thread count before torch loads it: --blas-threads, else
    TORCH_REF_BLAS_THREADS (bench/peer_env.sh's blas=N), else --threads.

    Debian's torch multiplies matrices with OpenBLAS, which torch.set_num_threads() does not
    reach: OpenBLAS keeps one thread per core (measured: a 2048^2 torch.mm after
    set_num_threads(1) used 0.94 s of CPU in 0.47 s), so a "1 thread" figure would use every
    core for its matrix products. OpenBLAS reads OPENBLAS_NUM_THREADS once, when it loads.
    --threads 0 (torch's default) leaves OpenBLAS at its own default, one thread per core.
    """
    def value_of(flag):
        for i, arg in enumerate(argv):
            if arg == flag and i + 1 < len(argv):
                return argv[i + 1]
            if arg.startswith(flag + "="):
                return arg.split("=", 1)[1]
        return None
    value = value_of("--blas-threads") or os.environ.get("TORCH_REF_BLAS_THREADS") or value_of("--threads") or "0"
    if value != "0":
        os.environ["OPENBLAS_NUM_THREADS"] = value
    else:
        os.environ.pop("OPENBLAS_NUM_THREADS", None)


pin_blas_threads(sys.argv)
import torch  # noqa: E402  (after pin_blas_threads, on purpose)


def openblas():
    """The OpenBLAS torch's matrix products go to (None if torch does not use OpenBLAS)."""
    try:
        lib = ctypes.CDLL("libopenblas.so.0")
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return lib
    except (OSError, AttributeError):
        return None


def blas_threads():
    """OpenBLAS's own thread count as torch's matrix products will use it (None if not OpenBLAS)."""
    lib = openblas()
    return lib.openblas_get_num_threads() if lib else None


def blas_core():
    """The kernels OpenBLAS chose for this CPU ("Haswell" under OPENBLAS_CORETYPE=Haswell)."""
    lib = openblas()
    return lib.openblas_get_corename().decode() if lib else None


def malloc_name():
    """The allocator this process runs on: a preloaded jemalloc or tcmalloc, or glibc's
    (with its GLIBC_TUNABLES, if any)."""
    with open("/proc/self/maps") as f:
        maps = f.read()
    for name in ("jemalloc", "tcmalloc"):
        if "lib" + name in maps:
            return name
    return "glibc+tunables" if "malloc" in os.environ.get("GLIBC_TUNABLES", "") else "glibc"

REPETITIONS = 5  # after one warm-up, as in bench/bench.h
SEED = 0


def median_of_repetitions(repetition):
    repetition()
    return statistics.median(repetition() for _ in range(REPETITIONS))


def seconds_per_call(f, calls):
    start = time.perf_counter()
    for _ in range(calls):
        f()
    return (time.perf_counter() - start) / calls


def calls_lasting(f, seconds):
    calls = 1
    while True:
        per_call = seconds_per_call(f, calls)
        if per_call * calls >= seconds / 4:
            return max(1, int(seconds / per_call))
        calls *= 4


def run_xor(args):
    """B1: Dense 2-5-1, sigmoid both layers, MSE, SGD lr 0.5, full batch of 4."""
    iterations, target_loss = 10000, 0.01
    x = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = torch.tensor([[0.0], [1.0], [1.0], [0.0]])
    final_loss = [0.0]

    def train():
        torch.manual_seed(SEED)
        net = torch.nn.Sequential(torch.nn.Linear(2, 5), torch.nn.Sigmoid(),
                                  torch.nn.Linear(5, 1), torch.nn.Sigmoid())
        opt = torch.optim.SGD(net.parameters(), lr=0.5)
        loss_fn = torch.nn.MSELoss()
        start = time.perf_counter()
        for _ in range(iterations):
            loss = loss_fn(net(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        seconds = time.perf_counter() - start
        final_loss[0] = loss.item()
        return iterations / seconds

    result = {"metric": "iterations_per_s", "value": median_of_repetitions(train),
              "final_loss": final_loss[0]}
    if not final_loss[0] < target_loss:
        result["error"] = (f"did not converge: loss {final_loss[0]:.4g} after {iterations} "
                           f"iterations (needs < {target_loss})")
    return result

FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"  # as soma's data::kFashionMnistDir


def fashion_mnist_train():
    """Fashion-MNIST train as soma loads it: x float32 [60000, 784] in [0, 1], y int64 [60000]."""
    def idx_payload(name, header):
        with gzip.open(f"{FASHION_MNIST_DIR}/{name}.gz", "rb") as f:
            return f.read()[header:]
    images = idx_payload("train-images-idx3-ubyte", 16)
    labels = idx_payload("train-labels-idx1-ubyte", 8)
    x = torch.frombuffer(bytearray(images), dtype=torch.uint8).reshape(-1, 784).float() / 255
    y = torch.frombuffer(bytearray(labels), dtype=torch.uint8).long()
    return x, y


class Losses:
    """The losses of one training run that run.sh compares between PyTorch's configurations:
    the first three steps' (equal but for rounding, whatever the kernels) and the last."""

    def __init__(self):
        self.first, self.last = [], None

    def record(self, step, loss):
        if step < 3:
            self.first.append(loss.detach())
        self.last = loss

    def fields(self):
        return {"final_loss": self.last.item(), "first_losses": [round(v.item(), 6) for v in self.first]}


def classifier_samples_per_s(net, x, y, batch, batches, order_gen, losses):
    """The loop B2 and B3 time (bench/train_loop.h on soma's side): a shuffled order drawn
    before the clock starts, batches gathered with index_select, cross-entropy, backward, an
    Adam 1e-3 step, zero_grad. Returns samples/s; losses gets Losses.fields()."""
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    order = torch.randperm(x.shape[0], generator=order_gen)
    log = Losses()
    start = time.perf_counter()
    for b in range(batches):
        index = order[b * batch:(b + 1) * batch]
        loss = loss_fn(net(x.index_select(0, index)), y.index_select(0, index))
        loss.backward()
        opt.step()
        opt.zero_grad()
        log.record(b, loss)
    seconds = time.perf_counter() - start
    losses.update(log.fields())
    return batches * batch / seconds


def run_mlp(args):
    """B2: Dense 784-256-128-10 (ReLU), cross-entropy, batch 64 shuffled, Adam 1e-3, 300 batches."""
    batch, batches = 64, 300
    x, y = fashion_mnist_train()
    order_gen = torch.Generator().manual_seed(SEED)
    losses = {}

    def train():
        torch.manual_seed(SEED)
        net = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(),
                                  torch.nn.Linear(256, 128), torch.nn.ReLU(),
                                  torch.nn.Linear(128, 10))
        return classifier_samples_per_s(net, x, y, batch, batches, order_gen, losses)

    return {"metric": "samples_per_s", "value": median_of_repetitions(train), "batches": batches, **losses}


def run_dqn_state(args):
    """B6: Dense 4-128-128-2 (ReLU), MSE, batch 32, Adam 1e-3, 2,000 steps over 256 batches."""
    batch, pool, steps = 32, 256, 2000
    data_gen = torch.Generator().manual_seed(SEED + 1)
    states = torch.rand(pool * batch, 4, generator=data_gen) * 2 - 1
    targets = torch.rand(pool * batch, 2, generator=data_gen) * 2 - 1
    losses = {}

    def train():
        torch.manual_seed(SEED)
        net = torch.nn.Sequential(torch.nn.Linear(4, 128), torch.nn.ReLU(),
                                  torch.nn.Linear(128, 128), torch.nn.ReLU(),
                                  torch.nn.Linear(128, 2))
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        loss_fn = torch.nn.MSELoss()
        log = Losses()
        start = time.perf_counter()
        for i in range(steps):
            first = (i % pool) * batch
            loss = loss_fn(net(states[first:first + batch]), targets[first:first + batch])
            loss.backward()
            opt.step()
            opt.zero_grad()
            log.record(i, loss)
        seconds = time.perf_counter() - start
        losses.update(log.fields())
        return steps / seconds

    return {"metric": "steps_per_s", "value": median_of_repetitions(train), **losses}


def run_lstm(args):
    """B4: one-hot 96 -> LSTM(256) -> Linear 96 per step, CE summed over 64 steps (mean over 32
    sequences), full BPTT, Adam 2e-3, 20 iterations over 8 pre-built batches: tokens/s."""
    batch, steps, vocab, hidden, pool, iterations = 32, 64, 96, 256, 8, 20
    data_gen = torch.Generator().manual_seed(SEED + 1)
    inputs, targets = [], []
    for _ in range(pool):
        text = torch.randint(0, vocab, (batch, steps + 1), generator=data_gen)
        inputs.append(torch.nn.functional.one_hot(text[:, :-1], vocab).float())
        targets.append(text[:, 1:].reshape(-1).contiguous())
    losses = {}

    def train():
        torch.manual_seed(SEED)
        lstm = torch.nn.LSTM(vocab, hidden, batch_first=True)
        head = torch.nn.Linear(hidden, vocab)
        opt = torch.optim.Adam(list(lstm.parameters()) + list(head.parameters()), lr=2e-3)
        log = Losses()
        start = time.perf_counter()
        for i in range(iterations):
            out, _ = lstm(inputs[i % pool])
            logits = head(out).reshape(-1, vocab)
            loss = torch.nn.functional.cross_entropy(logits, targets[i % pool], reduction="sum") / batch
            loss.backward()
            opt.step()
            opt.zero_grad()
            log.record(i, loss)
        seconds = time.perf_counter() - start
        losses.update(log.fields())
        return iterations * batch * steps / seconds

    return {"metric": "tokens_per_s", "value": median_of_repetitions(train), "iterations": iterations, **losses}


def run_rbm(args):
    """B8: RBM 784x256 on Fashion-MNIST binarized at 0.5, CD-1, batch 64 shuffled, lr 0.01, 300 updates.

    Hand-written as in examples/12_rbm/torch_rbm.py: W ~ N(0, 0.01^2) [784, 256], a = b = 0;
    the update W += lr (v0' p(h0|v0) - v1' p(h1|v1)) / n, a and b alike.
    """
    batch, updates = 64, 300
    x, _ = fashion_mnist_train()
    x = (x > 0.5).float()
    order_gen = torch.Generator().manual_seed(SEED)
    final_error = [0.0]
    lr = 0.01

    def train():
        torch.manual_seed(SEED)
        W = torch.randn(784, 256) * 0.01
        a = torch.zeros(784)
        b = torch.zeros(256)
        order = torch.randperm(x.shape[0], generator=order_gen)
        start = time.perf_counter()
        for u in range(updates):
            v0 = x.index_select(0, order[u * batch:(u + 1) * batch])
            ph0 = torch.sigmoid(torch.addmm(b, v0, W))
            h0 = torch.bernoulli(ph0)
            pv1 = torch.sigmoid(torch.addmm(a, h0, W.t()))
            v1 = torch.bernoulli(pv1)
            ph1 = torch.sigmoid(torch.addmm(b, v1, W))
            W.addmm_(v0.t(), ph0, alpha=lr / batch).addmm_(v1.t(), ph1, alpha=-lr / batch)
            a.add_((v0 - v1).sum(0), alpha=lr / batch)
            b.add_((ph0 - ph1).sum(0), alpha=lr / batch)
            error = ((v0 - pv1) ** 2).mean()
        seconds = time.perf_counter() - start
        final_error[0] = error.item()
        return updates / seconds

    return {"metric": "updates_per_s", "value": median_of_repetitions(train), "updates": updates,
            "final_reconstruction_error": final_error[0]}


def latency(forward):
    """Microseconds per call of forward (one warm-up, median of 5 timings of ~0.2 s of calls),
    as wall-clock time and as this thread's CPU time over the same calls (bench/workloads_dense.cpp)."""
    calls = calls_lasting(forward, 0.2)
    cpu_us = []

    def repetition():
        cpu = time.thread_time()
        wall_us = seconds_per_call(forward, calls) * 1e6
        cpu_us.append((time.thread_time() - cpu) / calls * 1e6)
        return wall_us

    wall_us = median_of_repetitions(repetition)
    return wall_us, statistics.median(cpu_us[1:])  # cpu_us[0]: the warm-up's


def run_infer1(args):
    """B9: B2's MLP 784-256-128-10 (ReLU), forward only, batch 1, in PyTorch's fastest way found:
    eager under no_grad (as before), eager under inference_mode, and TorchScript
    (torch.jit.trace, then torch.jit.freeze) under inference_mode; the fastest is the value."""
    torch.manual_seed(SEED)
    net = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(),
                              torch.nn.Linear(256, 128), torch.nn.ReLU(),
                              torch.nn.Linear(128, 10)).eval()
    x = torch.rand(1, 784)
    results = {}
    with torch.no_grad():
        results["eager_no_grad"] = latency(lambda: net(x))
    with torch.inference_mode():
        results["eager_inference_mode"] = latency(lambda: net(x))
        frozen = torch.jit.freeze(torch.jit.trace(net, x))
        assert torch.allclose(frozen(x), net(x), rtol=1e-5, atol=1e-6)
        results["jit_freeze_inference_mode"] = latency(lambda: frozen(x))
    best = min(results, key=lambda k: results[k][0])
    out = {"metric": "latency_us", "value": results[best][0], "cpu_us": round(results[best][1], 4),
           "config": best}
    for name, (wall_us, _) in results.items():
        out[name + "_us"] = round(wall_us, 4)
    return out


def run_gemm(args):
    """B10: C = A x B, fp32, square n, with torch.mm."""
    n = args.size or 1024
    torch.manual_seed(SEED)
    a = torch.rand(n, n) * 2 - 1
    b = torch.rand(n, n) * 2 - 1

    def product():
        torch.mm(a, b)

    calls = calls_lasting(product, 0.3)
    seconds = median_of_repetitions(lambda: seconds_per_call(product, calls))
    return {"metric": "gflops", "value": 2.0 * n ** 3 / seconds * 1e-9, "size": n}


def peak_rss_mb():
    """The process's peak resident memory so far (VmHWM), in MiB, as soma-bench reports it."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def run_cnn(args):
    """B3: Conv(1->32,3x3,pad 1)-ReLU-MaxPool(2); Conv(32->64,3x3,pad 1)-BatchNorm2d-ReLU-
    MaxPool(2); Flatten; Dense(3136->128)-ReLU-Dropout(0.3); Dense(128->10); cross-entropy,
    batch 64 shuffled, Adam 1e-3, 300 batches; plus the process's peak RSS."""
    batch, batches = 64, 300
    x, y = fashion_mnist_train()
    x = x.reshape(-1, 1, 28, 28)
    order_gen = torch.Generator().manual_seed(SEED)
    losses = {}

    def train():
        torch.manual_seed(SEED)
        nn = torch.nn
        net = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
                            nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Dropout(0.3),
                            nn.Linear(128, 10))
        return classifier_samples_per_s(net, x, y, batch, batches, order_gen, losses)

    value = median_of_repetitions(train)
    return {"metric": "samples_per_s", "value": value, "batches": batches, **losses,
            "peak_rss_mb": round(peak_rss_mb(), 1)}


def run_dqn_pixels(args):
    """B5: synthetic 1x40x90 frames, batch 128; three Conv 5x5 stride 2 (16-32-32 channels)
    each with BatchNorm2d and ReLU; Flatten; Dense(512->2); MSE on the chosen action's value
    (q.gather(1, action)); Adam 1e-3; 200 steps over 8 batches."""
    batch, pool, steps = 128, 8, 200
    data_gen = torch.Generator().manual_seed(SEED + 1)
    frames = torch.rand(pool * batch, 1, 40, 90, generator=data_gen)
    targets = torch.rand(pool * batch, generator=data_gen) * 2 - 1
    actions = torch.randint(0, 2, (pool * batch, 1), generator=data_gen)
    losses = {}

    def train():
        torch.manual_seed(SEED)
        nn = torch.nn
        net = nn.Sequential(nn.Conv2d(1, 16, 5, stride=2), nn.BatchNorm2d(16), nn.ReLU(),
                            nn.Conv2d(16, 32, 5, stride=2), nn.BatchNorm2d(32), nn.ReLU(),
                            nn.Conv2d(32, 32, 5, stride=2), nn.BatchNorm2d(32), nn.ReLU(),
                            nn.Flatten(), nn.Linear(32 * 2 * 8, 2))
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        loss_fn = torch.nn.MSELoss()
        log = Losses()
        start = time.perf_counter()
        for i in range(steps):
            first = (i % pool) * batch
            q = net(frames[first:first + batch]).gather(1, actions[first:first + batch]).squeeze(1)
            loss = loss_fn(q, targets[first:first + batch])
            loss.backward()
            opt.step()
            opt.zero_grad()
            log.record(i, loss)
        seconds = time.perf_counter() - start
        losses.update(log.fields())
        return steps / seconds

    value = median_of_repetitions(train)
    return {"metric": "steps_per_s", "value": value, **losses, "peak_rss_mb": round(peak_rss_mb(), 1)}


def run_gan(args):
    """B7: MLP GAN on Fashion-MNIST in [-1, 1], batch 64 shuffled, Adam 2e-4 beta1 0.5, 200 iterations.

    G 100-256-512-784 LeakyReLU(0.2), tanh out; D 784-512-256-1 LeakyReLU(0.2), sigmoid out; BCE.
    An iteration as generative::GanLearner's step methods do it: one D step on a real batch and G(z) made under
    no_grad, then one G step on fresh noise with the non-saturating loss.
    """
    batch, iterations = 64, 200
    x, _ = fashion_mnist_train()
    x = x * 2 - 1
    order_gen = torch.Generator().manual_seed(SEED)
    final = [0.0, 0.0]

    def train():
        torch.manual_seed(SEED)
        lrelu = lambda: torch.nn.LeakyReLU(0.2)
        g = torch.nn.Sequential(torch.nn.Linear(100, 256), lrelu(), torch.nn.Linear(256, 512), lrelu(),
                                torch.nn.Linear(512, 784), torch.nn.Tanh())
        d = torch.nn.Sequential(torch.nn.Linear(784, 512), lrelu(), torch.nn.Linear(512, 256), lrelu(),
                                torch.nn.Linear(256, 1), torch.nn.Sigmoid())
        g_opt = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
        d_opt = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
        bce = torch.nn.BCELoss()
        order = torch.randperm(x.shape[0], generator=order_gen)
        start = time.perf_counter()
        for it in range(iterations):
            real = x.index_select(0, order[it * batch:(it + 1) * batch])
            with torch.no_grad():
                fake = g(torch.randn(batch, 100))
            p_real, p_fake = d(real), d(fake)
            d_loss = bce(p_real, torch.ones_like(p_real)) + bce(p_fake, torch.zeros_like(p_fake))
            d_opt.zero_grad(set_to_none=True)
            d_loss.backward()
            d_opt.step()
            p_fake = d(g(torch.randn(batch, 100)))
            g_loss = bce(p_fake, torch.ones_like(p_fake))
            g_opt.zero_grad(set_to_none=True)
            g_loss.backward()
            g_opt.step()
        seconds = time.perf_counter() - start
        final[0], final[1] = d_loss.item(), g_loss.item()
        return iterations / seconds

    return {"metric": "iterations_per_s", "value": median_of_repetitions(train), "iterations": iterations,
            "final_d_loss": final[0], "final_g_loss": final[1]}


def run_dqn_cartpole(args):
    """B11: DQN on CartPole-v1 end to end (bench/torch_dqn.py), Dense 4-128-128-2, Huber loss,
    target copied every 500 steps, replay 50,000, batch 64, one update per step, Adam 1e-3:
    environment steps/s over 2,000 steps after 1,000 that fill the buffer (not timed)."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import torch_dqn
    fill, timed = 1000, 2000
    mean_loss = [0.0]

    def run():
        agent = torch_dqn.Dqn(seed=0, hidden=128, lr=1e-3, batch_size=64, buffer=50000, gamma=0.99,
                              learning_starts=fill, target_update=500, epsilon_end=0.05, exploration_steps=10000)
        for _ in range(fill):
            agent.step()
        start = time.perf_counter()
        for _ in range(timed):
            agent.step()
        seconds = time.perf_counter() - start
        mean_loss[0] = sum(agent.losses) / len(agent.losses)
        return timed / seconds

    return {"metric": "env_steps_per_s", "value": median_of_repetitions(run), "mean_loss": mean_loss[0]}


WORKLOADS = {"B1": ("xor", run_xor), "B2": ("mlp", run_mlp), "B4": ("lstm", run_lstm),
             "B6": ("dqn-state", run_dqn_state), "B8": ("rbm", run_rbm),
             "B9": ("infer1", run_infer1), "B10": ("gemm", run_gemm)}
WORKLOADS.update({"B3": ("cnn", run_cnn), "B5": ("dqn-pixels", run_dqn_pixels)})
WORKLOADS.update({"B7": ("gan", run_gan)})
WORKLOADS.update({"B11": ("dqn-cartpole", run_dqn_cartpole)})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload", help="id or name: " + ", ".join(
        f"{k} ({name})" for k, (name, _) in WORKLOADS.items()))
    parser.add_argument("--threads", type=int, default=0,
                        help="threads for torch and its OpenBLAS (default and 0: torch's own default count)")
    parser.add_argument("--blas-threads", type=int, default=None,
                        help="OpenBLAS's threads, if not --threads (read before torch loads, see pin_blas_threads)")
    parser.add_argument("--size", type=int, default=0, help="B10: the matrix side (default 1024)")
    args = parser.parse_args()
    key = next((k for k, (name, _) in WORKLOADS.items()
                if args.workload.lower() in (k.lower(), name)), None)
    if key is None:
        sys.exit(f"torch_ref.py: unknown workload '{args.workload}'; known: "
                 + ", ".join(f"{k} ({name})" for k, (name, _) in WORKLOADS.items()))
    if args.threads < 0 or (args.blas_threads is not None and args.blas_threads < 1):
        sys.exit("torch_ref.py: --threads expects an integer >= 0, --blas-threads one >= 1")
    default_threads = args.threads == 0
    if default_threads:
        args.threads = torch.get_num_threads()
    else:
        torch.set_num_threads(args.threads)
    result = WORKLOADS[key][1](args)
    line = {"workload": key, "metric": result.pop("metric"), "value": round(result.pop("value"), 4),
            "threads": args.threads, **({"default_threads": True} if default_threads else {}),
            "blas_threads": blas_threads(), "blas_core": blas_core(), "malloc": malloc_name(), **result}
    print(json.dumps(line, separators=(",", ":")))
    if "error" in line:
        sys.exit(f"torch_ref.py: {key}: {line['error']}")


if __name__ == "__main__":
    main()
