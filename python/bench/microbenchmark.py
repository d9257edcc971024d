"""Ray's microbenchmark shapes (``ray microbenchmark``), written once against Ray's API and
run with ``import rustyray as ray`` (or with Ray itself: ``--ray``).

Every (system, shape, run) is a fresh Python process, as a user's program runs: it
imports the package, starts the runtime, runs the shape once (after a short warm-up of the
same shape inside that process, as Ray's own harness does), checks every result, prints one
rate, and exits. Runs of the systems are interleaved; the table shows each shape's median
and min–max over the runs, and the ratio of the medians measured in this run (or, without
``--ray``, to Ray's figures measured on this machine, ``../shared/anchors.md`` §2).

    python python/bench/microbenchmark.py            # rustyray, 5 runs per shape
    python python/bench/microbenchmark.py --quick    # 3 runs, shorter shapes
    python python/bench/microbenchmark.py --ray      # and Ray in the same run (Ray installed)
    python python/bench/microbenchmark.py --only tasks_sync,chain

The extension must be importable (``maturin develop``, or ``PYTHONPATH`` set to a
directory holding the package and its built ``_rustyray`` module).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

# Ray 2.60 on this machine, 2 CPUs (../shared/anchors.md §2), operations per second.
RAY_HERE = {
    "tasks_sync": 606,
    "tasks_async": 2077,
    "actor_sync": 1375,
    "actor_async": 4325,
    "put": 1690,
    "get": 19138,
    "chain": 551,
}

SHAPES = {
    "tasks_sync": "tasks sync (submit, get, repeat)",
    "tasks_async": "tasks async (submit a batch, then get all)",
    "actor_sync": "1:1 actor calls sync",
    "actor_async": "1:1 actor calls async (submit a batch, get all)",
    "put": "put small",
    "get": "get small",
    "chain": "chain of 1,000 tasks (each takes the previous ref)",
    "cpu_serial": "CPU-bound pure Python, serial in the driver (calls/s)",
    "cpu_processes": "CPU-bound pure Python, @remote(process=True) (calls/s)",
}

# Shapes that are not Ray's microbenchmark: rustyray's process functions against serial.
EXTRA = ("cpu_serial", "cpu_processes")


def burn(n):
    """A CPU-bound pure-Python function (holds the GIL throughout)."""
    acc = 0
    for i in range(n):
        acc = (acc + i * i) % 1_000_003
    return acc


BURN_N = 300_000


def child(system, shape, quick):
    """One run of one shape in this (fresh) process: prints {"rate": ops per second}."""
    if system == "ray":
        import ray

        ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR", log_to_driver=False)
    else:
        import rustyray as ray

        ray.init(num_cpus=2)

    @ray.remote
    def small_value():
        return b"ok"

    @ray.remote
    def inc(x):
        return x + 1

    @ray.remote
    class Actor:
        def small_value(self):
            return b"ok"

    scale = 0.2 if quick else 1.0

    def timed(n, body, check):
        body(max(10, n // 20))  # warm-up, as Ray's harness does
        start = time.perf_counter()
        out = body(n)
        elapsed = time.perf_counter() - start
        check(out, n)
        return n / elapsed

    def ok_list(out, n):
        if out != [b"ok"] * n:
            sys.exit(f"{shape}: wrong results")

    def equals(expected):
        def check(out, n):
            if out != expected(n):
                sys.exit(f"{shape}: got {out!r}, expected {expected(n)!r}")

        return check

    if shape == "tasks_sync":
        n = int(5000 * scale) if system != "ray" else int(1000 * scale)
        rate = timed(n, lambda n: [ray.get(small_value.remote()) for _ in range(n)], ok_list)
    elif shape == "tasks_async":
        n = int(100_000 * scale) if system != "ray" else int(10_000 * scale)
        rate = timed(n, lambda n: ray.get([small_value.remote() for _ in range(n)]), ok_list)
    elif shape == "actor_sync":
        a = Actor.remote()
        n = int(5000 * scale) if system != "ray" else int(1000 * scale)
        rate = timed(n, lambda n: [ray.get(a.small_value.remote()) for _ in range(n)], ok_list)
    elif shape == "actor_async":
        a = Actor.remote()
        n = int(100_000 * scale) if system != "ray" else int(10_000 * scale)
        rate = timed(n, lambda n: ray.get([a.small_value.remote() for _ in range(n)]), ok_list)
    elif shape == "put":
        n = int(100_000 * scale) if system != "ray" else int(2000 * scale)

        def puts(n):
            return [ray.put(0) for _ in range(n)]

        rate = timed(n, puts, lambda out, n: equals(lambda n: [0] * n)(ray.get(out), n))
    elif shape == "get":
        value = ray.put(0)
        n = int(200_000 * scale) if system != "ray" else int(20_000 * scale)

        def gets(n):
            return sum(ray.get(value) + 1 for _ in range(n))

        rate = timed(n, gets, equals(lambda n: n))
    elif shape == "chain":
        n = 1000

        def chain(n):
            x = ray.put(0)
            for _ in range(n):
                x = inc.remote(x)
            return ray.get(x)

        rate = timed(n, chain, equals(lambda n: n))
    elif shape in ("cpu_serial", "cpu_processes"):
        n = 8 if quick else 16
        one = burn(BURN_N)
        same = equals(lambda n: [one] * n)
        if shape == "cpu_serial":
            rate = timed(n, lambda n: [burn(BURN_N) for _ in range(n)], same)
        else:
            remote_burn = ray.remote(process=True)(burn)
            rate = timed(n, lambda n: ray.get([remote_burn.remote(BURN_N) for _ in range(n)]), same)
    else:
        sys.exit(f"unknown shape {shape}")
    print(json.dumps({"rate": rate}))
    ray.shutdown()


def run_one(python, system, shape, quick, env):
    cmd = [python, os.path.abspath(__file__), "--child", system, shape] + (["--quick"] if quick else [])
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)
    if out.returncode != 0:
        raise RuntimeError(f"{system} {shape} failed:\n{out.stdout}\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])["rate"]


def fmt(rate):
    if rate >= 1e6:
        return f"{rate / 1e6:.2f} M/s"
    if rate >= 1e3:
        return f"{rate / 1e3:.1f} k/s"
    return f"{rate:.1f} /s"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--child", nargs=2, metavar=("SYSTEM", "SHAPE"), help=argparse.SUPPRESS)
    p.add_argument("--quick", action="store_true", help="3 runs per shape, shorter shapes")
    p.add_argument("--runs", type=int, default=None, help="runs per (system, shape); default 5 (3 with --quick)")
    p.add_argument("--ray", action="store_true", help="also run Ray (installed in --ray-python's environment)")
    p.add_argument("--ray-python", default=sys.executable, help="the Python that has Ray installed")
    p.add_argument("--only", default=None, help="comma-separated shapes")
    args = p.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.quick)
        return
    runs = args.runs or (3 if args.quick else 5)
    shapes = args.only.split(",") if args.only else list(SHAPES)
    for s in shapes:
        if s not in SHAPES:
            sys.exit(f"unknown shape {s}; shapes: {', '.join(SHAPES)}")
    systems = [("rustyray", sys.executable)]
    if args.ray:
        systems.append(("ray", args.ray_python))
    rates = {(sys_name, s): [] for sys_name, _ in systems for s in shapes}
    env = dict(os.environ)
    for r in range(runs):
        for s in shapes:
            for sys_name, python in systems:
                if sys_name == "ray" and s in EXTRA:
                    continue
                rate = run_one(python, sys_name, s, args.quick, env)
                rates[(sys_name, s)].append(rate)
                print(f"run {r + 1}/{runs} {sys_name:8} {s:13} {fmt(rate)}", file=sys.stderr)

    print(f"\nfresh process per run, {runs} runs, 2 CPUs; median (min–max)\n")
    header = "| shape | rustyray |" + (" Ray (this run) | ratio (this run) |" if args.ray else "")
    print(header + " Ray here (anchors) | ratio (anchors) |")
    print("|---|---:|" + ("---:|---:|" if args.ray else "") + "---:|---:|")
    serial = rates.get(("rustyray", "cpu_serial")) or []
    for s in shapes:
        mine = rates[("rustyray", s)]
        if not mine:
            continue
        med = statistics.median(mine)
        row = f"| {SHAPES[s]} | {fmt(med)} ({fmt(min(mine))}–{fmt(max(mine))}) |"
        if args.ray:
            theirs = rates.get(("ray", s)) or []
            if theirs:
                tmed = statistics.median(theirs)
                row += f" {fmt(tmed)} ({fmt(min(theirs))}–{fmt(max(theirs))}) | {med / tmed:,.0f}× |"
            else:
                row += " – | – |"
        if s in RAY_HERE:
            row += f" {fmt(RAY_HERE[s])} | {med / RAY_HERE[s]:,.0f}× |"
        elif s == "cpu_processes" and serial:
            row += f" – | {med / statistics.median(serial):.2f}× serial |"
        else:
            row += " – | – |"
        print(row)


if __name__ == "__main__":
    main()
