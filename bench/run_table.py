#!/usr/bin/python3
"""bench/run.sh's table: reads the JSON lines bench/run.sh collected ("SIDE ROUND {json}") and
prints one table, soma against PyTorch as given, PyTorch at its best (bench/peer_env.sh best)
and dlib, every ratio oriented so that above 1 means soma is better (throughput soma/peer,
latency peer/soma), "vs PyTorch" against the faster of the two PyTorch figures.
    bench/run_table.py RESULTS LOAD_BEFORE LOAD_AFTER ROUNDS BUSY
"""
import json
import os
import platform
import statistics
import sys

SIDES = ("soma", "pytorch", "pytorch-best", "dlib")
# PyTorch's two configurations must compute the same thing. The losses of the first three
# steps differ only by the rounding of other kernels: a tight bound catches a configuration that
# computes something else. The last batch's loss, hundreds of updates later, carries any rounding
# difference through every update (B3's: 0.504 as given, 0.548 with OpenBLAS's AVX-512 kernels,
# its first three losses equal to 6 digits): a loose bound catches one that trains differently.
FIRST_LOSS_RTOL = 1e-4
FINAL_LOSS_RTOL = 0.25
LOSS_FIELDS = ("final_loss", "final_d_loss", "final_g_loss", "final_reconstruction_error", "mean_loss")


def read(path):
    runs = {}  # (workload, size, threads, default) -> side -> [result per round]
    for line in open(path):
        side, _, text = line.split(" ", 2)
        r = json.loads(text)
        key = (r["workload"], r.get("size", 0), r["threads"], bool(r.get("default_threads")))
        runs.setdefault(key, {}).setdefault(side, []).append(r)
    return runs


def merged(results):
    """One result from several rounds: the median of every numeric field, the first error."""
    if not results:
        return None
    out = dict(results[0])
    for key, value in results[0].items():
        if isinstance(value, (int, float)) and not isinstance(value, bool) and key not in ("threads", "size"):
            out[key] = statistics.median(r[key] for r in results if r.get(key) is not None)
    out["range"] = (min(r["value"] for r in results), max(r["value"] for r in results))
    errors = [r["error"] for r in results if "error" in r]
    if errors:
        out["error"] = errors[0]
    return out


def better(metric, a, b):
    """a over b, > 1 when a is better (faster or lower latency)."""
    return b / a if metric == "latency_us" else a / b


def fmt(v):
    return f"{v:,.0f}" if v >= 1000 else f"{v:.3g}" if v < 10 else f"{v:.1f}"


def close(a, b, rtol):
    return abs(a - b) <= rtol * max(abs(a), abs(b), 1e-12)


def loss_check(given, best):
    """Whether PyTorch's two configurations computed the same losses (first round of each)."""
    if not given or not best:
        return None
    first = list(zip(given.get("first_losses", []), best.get("first_losses", [])))
    finals = [(k, given[k], best[k]) for k in LOSS_FIELDS if k in given and k in best]
    if not first and not finals:
        return None
    bad = [f"loss of step {i + 1} {a:.6g} vs {b:.6g}" for i, (a, b) in enumerate(first)
           if not close(a, b, FIRST_LOSS_RTOL)]
    bad += [f"{k} {a:.4g} vs {b:.4g}" for k, a, b in finals if not close(a, b, FINAL_LOSS_RTOL)]
    if bad:
        return "PyTorch best computes OTHER losses: " + ", ".join(bad)
    parts = []
    if first:
        worst = max(abs(a - b) / max(abs(a), abs(b), 1e-12) for a, b in first)
        parts.append("first losses equal" + (f" to {worst:.0e}" if worst > 0 else ""))
    for k, a, b in finals:
        parts.append(f"{k} equal" if close(a, b, 1e-6) else f"{k} {a:.4g} / {b:.4g}")
    return "PyTorch given/best: " + ", ".join(parts)


def main():
    path, load_before, load_after, rounds, busy = sys.argv[1:6]
    rounds, busy = int(rounds), busy == "1"
    runs = read(path)
    if not runs:
        print("bench/run.sh: nothing was measured")
        return
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")),
               platform.machine())
    # soma sets OMP_WAIT_POLICY=PASSIVE for itself when it is unset (src/core/threads.cpp)
    unset = {"OPENBLAS_CORETYPE": "(unset)", "OMP_WAIT_POLICY": "(unset: soma PASSIVE, peers their default)"}
    env = " ".join(f"{k}={os.environ.get(k, unset[k])}" for k in unset)
    print(f"soma vs PyTorch 1.13 and dlib, {cpu}, {os.cpu_count()} cores, {env}")
    print(f"load average before {load_before}, after {load_after} (above ~0.5, other processes disturb the timings)")
    if busy:
        print("BUSY: one competing CPU-bound process (a shell loop) ran during every measurement")
    for side, title in (("pytorch", "PyTorch as given"), ("pytorch-best", "PyTorch best (bench/peer_env.sh best)"),
                        ("dlib", "dlib 19.24")):
        first = next((rs[0] for by_side in runs.values() for s, rs in by_side.items() if s == side), None)
        if first:
            print(f"{title}: OpenBLAS {first.get('blas_core')} kernels, {first.get('malloc')} malloc")
    print("each figure: median of 5 repetitions after one warm-up"
          + (f", then the median over {rounds} rounds" if rounds > 1 else "")
          + "; ratios > 1 mean soma is better; vs PyTorch: against the faster of its two figures\n")

    header = ("workload", "metric", "threads", "soma", "PyTorch", "PyTorch best", "dlib", "vs PyTorch", "vs dlib",
              "notes")
    table = []
    footnotes = []  # (workload, what dlib cannot do exactly), printed once below the table
    ordered = sorted(runs, key=lambda k: (int(k[0][1:]), k[1], k[3], k[2]))
    for key in ordered:
        workload, size, threads, default = key
        r = {side: merged(runs[key].get(side, [])) for side in SIDES}
        s, given, best, dlib = (r[side] for side in SIDES)
        metric = next(x for x in r.values() if x)["metric"]
        name = f"{workload} n={size}" if size else workload
        notes = [f"{side} FAILED: {x['error']}" for side, x in r.items() if x and "error" in x]
        torch = [x for x in (given, best) if x and x["value"] > 0]
        fastest = max(torch, key=lambda x: better(metric, x["value"], 1.0)) if torch else None
        if given and best and given["value"] > 0 and best["value"] > 0:
            gain = better(metric, best["value"], given["value"])
            notes.append(f"PyTorch best {gain:.2f}x as given" if gain >= 1 else
                         f"PyTorch as given faster ({1 / gain:.2f}x best)")
        if fastest and "config" in fastest:  # B9: the fastest of PyTorch's ways to run the model
            notes.append(f"PyTorch's way: {fastest['config']}")
        if best and best.get("blas_threads") not in (None, threads):
            notes.append(f"PyTorch best with OpenBLAS on {best['blas_threads']} thread(s)")
        check = loss_check(runs[key].get("pytorch", [None])[0], runs[key].get("pytorch-best", [None])[0])
        if check:
            notes.append(check)

        def ratio(peer):
            if not s or not peer or s["value"] <= 0 or peer["value"] <= 0:
                return "-"
            return f"{better(metric, s['value'], peer['value']):.2f}x"

        if s and "peak_fraction" in s:
            notes.append(f"soma {s['peak_fraction']:.0%} of FMA peak ({s['peak_gflops']:.0f}), "
                         f"{s['of_blas']:.0%} of dnnl_sgemm ({s['blas_gflops']:.0f})")
        with_loss = [(side, x) for side, x in (("soma", s), ("PyTorch", fastest), ("dlib", dlib)) if x and "final_loss" in x]
        if len(with_loss) > 1:
            notes.append("final loss " + " / ".join(f"{x['final_loss']:.2g}" for _, x in with_loss)
                         + " (" + "/".join(side for side, _ in with_loss) + ")")
        with_rss = [(side, x) for side, x in (("soma", s), ("PyTorch", fastest), ("dlib", dlib)) if x and "peak_rss_mb" in x]
        if len(with_rss) > 1:
            notes.append("peak RSS " + " / ".join(f"{x['peak_rss_mb']:.0f}" for _, x in with_rss) + " MB ("
                         + "/".join(side for side, _ in with_rss) + ")")
        if dlib and "cpu_per_wall" in dlib and threads > 1:
            notes.append(f"dlib used {dlib['cpu_per_wall']:.2f} cores")
        if dlib and "note" in dlib and (workload, dlib["note"]) not in footnotes:
            footnotes.append((workload, dlib["note"]))
        if rounds > 1:
            notes.append("range " + " / ".join(f"{fmt(x['range'][0])}-{fmt(x['range'][1])}" for x in r.values() if x))
        table.append((name, metric, f"{threads} (default)" if default else str(threads),
                      *(fmt(x["value"]) if x else "-" for x in (s, given, best, dlib)),
                      ratio(fastest), ratio(dlib), "; ".join(notes)))
    widths = [max(len(row[i]) for row in table + [header]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths)] + table:
        print("  ".join(c.ljust(w) if i in (0, 1, 9) else c.rjust(w)
                        for i, (c, w) in enumerate(zip(row, widths))).rstrip())

    for workload, note in footnotes:
        print(f"dlib {workload}: {note}")

    # A library's default thread count against one thread, where both ran (the --busy question).
    lines = []
    for key in ordered:
        workload, size, threads, default = key
        one = runs.get((workload, size, 1, False), {})
        if not default or threads == 1 or not one:
            continue
        for side in SIDES:
            d, o = merged(runs[key].get(side, [])), merged(one.get(side, []))
            if d and o and d["value"] > 0 and o["value"] > 0:
                name = f"{workload} n={size}" if size else workload
                lines.append(f"  {name:10} {side:13} {threads} threads: {better(d['metric'], d['value'], o['value']):.2f}x")
    if lines:
        print("\ndefault thread count against 1 thread (> 1: the default is faster"
              + (", with a core taken" if busy else "") + ")")
        print("\n".join(lines))


if __name__ == "__main__":
    main()
