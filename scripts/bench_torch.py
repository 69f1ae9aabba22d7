#!/usr/bin/env python3
"""Side-by-side throughput of actfn and PyTorch on the same grid, in one run.

Runs `actfn bench SPEC ... --json` one spec at a time (or reads a JSON file it wrote
earlier), and right after each, times the same cells (spec, direction, n, threads,
dtype) through PyTorch on the CPU with torch.set_num_threads(t); prints, per cell:

  actfn/torch   the ratio of throughputs (elements/s): > 1 means actfn is faster
  actfn%copy    actfn's throughput as a fraction of a plain copy of the same size
  torch%copy    PyTorch's, against torch's own copy (x.clone-free copy_ into y)

plus the geometric mean of the ratio per (direction, n, threads). The machine may be
shared and noisy: compare ratios measured in the same run, not absolute numbers.

    python3 scripts/bench_torch.py --sizes 64K,16M --threads 1,2 --backward
    python3 scripts/bench_torch.py relu gelu --actfn target/release/actfn --dtype f64
    python3 scripts/bench_torch.py --actfn-json bench.json     # reuse a run

PyTorch is timed through its kernels with preallocated outputs where an `out=`
overload exists (forward `aten::<op>.out`, backward `aten::<op>_backward.grad_input`),
so neither side pays for allocating its result. Backward uses PyTorch's own saved
tensors (the output for sigmoid/tanh/softmax, the input elsewhere), as autograd does.
"""

import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # pragma: no cover
    sys.exit("bench_torch.py needs PyTorch (pip install torch)")


def parse_size(s):
    s = s.strip()
    mult = {"k": 1024, "m": 1024 * 1024, "g": 1024 ** 3}.get(s[-1].lower(), 1)
    return int(s[:-1] if mult > 1 else s) * mult


def parse_spec(spec):
    """`name(k=v, ...)` -> (name, {k: v}) with numbers as floats."""
    m = re.fullmatch(r"\s*([A-Za-z0-9_]+)\s*(?:\((.*)\))?\s*", spec)
    name, args = m.group(1), m.group(2)
    params = {}
    if args:
        for part in re.split(r",\s*(?![^\[]*\])", args):
            if "=" in part:
                k, v = part.split("=", 1)
                v = v.strip()
                try:
                    params[k.strip()] = float(v)
                except ValueError:
                    params[k.strip()] = v
    return name, params


def aten(name, overload):
    op = getattr(torch.ops.aten, name, None)
    return getattr(op, overload, None) if op is not None else None


def kernels(name, p, dtype):
    """(forward(x, y) -> None, backward(g, x, y, dx) -> None, setup(x) -> saved) for
    one actfn kind in PyTorch: the ops PyTorch runs for it, writing into y / dx."""
    A = torch.ops.aten

    def simple(fwd_out, bwd):
        return fwd_out, bwd

    if name == "identity":
        return (lambda x, y: y.copy_(x)), (lambda g, x, y, dx: dx.copy_(g))
    if name == "linear":
        c = p.get("c", 1.0)
        return (lambda x, y: torch.mul(x, c, out=y)), (lambda g, x, y, dx: torch.mul(g, c, out=dx))
    if name == "step":
        t = p.get("threshold", 0.0)
        return (lambda x, y: y.copy_(x > t)), (lambda g, x, y, dx: dx.zero_())
    if name == "sigmoid":
        return (lambda x, y: torch.sigmoid(x, out=y)), (lambda g, x, y, dx: A.sigmoid_backward.grad_input(g, y, grad_input=dx))
    if name == "tanh":
        return (lambda x, y: torch.tanh(x, out=y)), (lambda g, x, y, dx: A.tanh_backward.grad_input(g, y, grad_input=dx))
    if name == "relu":
        return (lambda x, y: torch.clamp_min(x, 0, out=y)), (lambda g, x, y, dx: A.threshold_backward.grad_input(g, x, 0, grad_input=dx))
    if name in ("relu6", "hardtanh"):
        lo, hi = (0.0, 6.0) if name == "relu6" else (p.get("min_val", -1.0), p.get("max_val", 1.0))
        return (lambda x, y: A.hardtanh.out(x, lo, hi, out=y)), (lambda g, x, y, dx: A.hardtanh_backward.grad_input(g, x, lo, hi, grad_input=dx))
    if name in ("leaky_relu", "rrelu", "prelu"):
        if name == "leaky_relu":
            s = p.get("negative_slope", 0.01)
        elif name == "rrelu":
            s = (p.get("lower", 0.125) + p.get("upper", 1 / 3)) / 2
        else:
            s = p.get("weight", 0.25)
        return (lambda x, y: A.leaky_relu.out(x, s, out=y)), (lambda g, x, y, dx: A.leaky_relu_backward.grad_input(g, x, s, False, grad_input=dx))
    if name in ("elu", "celu", "selu"):
        if name == "selu":
            alpha, scale, iscale = 1.6732632423543772, 1.0507009873554805, 1.0
        elif name == "celu":
            alpha = p.get("alpha", 1.0)
            scale, iscale = 1.0, 1.0 / alpha
        else:
            alpha, scale, iscale = p.get("alpha", 1.0), 1.0, 1.0
        return (
            (lambda x, y: A.elu.out(x, alpha, scale, iscale, out=y)),
            (lambda g, x, y, dx: A.elu_backward.grad_input(g, alpha, scale, iscale, False, x, grad_input=dx)),
        )
    if name == "gelu":
        ap = p.get("approximate", "none")
        return (lambda x, y: A.gelu.out(x, approximate=ap, out=y)), (lambda g, x, y, dx: A.gelu_backward.grad_input(g, x, approximate=ap, grad_input=dx))
    if name == "silu":
        return (lambda x, y: A.silu.out(x, out=y)), (lambda g, x, y, dx: A.silu_backward.grad_input(g, x, grad_input=dx))
    if name == "mish":
        return (lambda x, y: A.mish.out(x, out=y)), (lambda g, x, y, dx: dx.copy_(A.mish_backward(g, x)))
    if name == "softplus":
        b, t = p.get("beta", 1.0), p.get("threshold", 20.0)
        return (lambda x, y: A.softplus.out(x, b, t, out=y)), (lambda g, x, y, dx: A.softplus_backward.grad_input(g, x, b, t, grad_input=dx))
    if name == "log_sigmoid":
        buf = {}

        def fwd(x, y):
            A.log_sigmoid_forward.output(x, output=y, buffer=buf.setdefault("b", torch.empty_like(x)))

        def bwd(g, x, y, dx):
            A.log_sigmoid_backward.grad_input(g, x, buf.setdefault("b", torch.empty_like(x)), grad_input=dx)

        return fwd, bwd
    if name == "hardsigmoid":
        return (lambda x, y: A.hardsigmoid.out(x, out=y)), (lambda g, x, y, dx: A.hardsigmoid_backward.grad_input(g, x, grad_input=dx))
    if name == "hardswish":
        return (lambda x, y: A.hardswish.out(x, out=y)), (lambda g, x, y, dx: dx.copy_(A.hardswish_backward(g, x)))
    if name == "softsign":
        return (lambda x, y: y.copy_(F.softsign(x))), (lambda g, x, y, dx: torch.div(g, (1 + x.abs()) ** 2, out=dx))
    if name == "tanhshrink":
        return (lambda x, y: y.copy_(F.tanhshrink(x))), (lambda g, x, y, dx: torch.mul(g, torch.tanh(x) ** 2, out=dx))
    if name in ("softshrink", "hardshrink"):
        lam = p.get("lambd", 0.5)
        f, b = (A.softshrink, A.softshrink_backward) if name == "softshrink" else (A.hardshrink, A.hardshrink_backward)
        return (lambda x, y: f.out(x, lam, out=y)), (lambda g, x, y, dx: b.grad_input(g, x, lam, grad_input=dx))
    if name == "threshold":
        t, v = p.get("threshold", 0.1), p.get("value", 20.0)
        return (lambda x, y: A.threshold.out(x, t, v, out=y)), (lambda g, x, y, dx: A.threshold_backward.grad_input(g, x, t, grad_input=dx))
    if name == "squareplus":
        b = p.get("b", 4.0)
        return (
            (lambda x, y: torch.mul(x + torch.sqrt(x * x + b), 0.5, out=y)),
            (lambda g, x, y, dx: torch.mul(g, 0.5 * (1 + x / torch.sqrt(x * x + b)), out=dx)),
        )
    if name == "sine":
        w0 = p.get("w0", 30.0)
        return (lambda x, y: torch.sin(w0 * x, out=y)), (lambda g, x, y, dx: torch.mul(g, w0 * torch.cos(w0 * x), out=dx))
    if name in ("softmax", "log_softmax", "softmin"):
        dim = int(p.get("dim", -1))
        if name == "log_softmax":
            return (
                (lambda x, y: A._log_softmax.out(x, dim, False, out=y)),
                (lambda g, x, y, dx: A._log_softmax_backward_data.out(g, y, dim, x.dtype, out=dx)),
            )
        if name == "softmax":
            return (
                (lambda x, y: A._softmax.out(x, dim, False, out=y)),
                (lambda g, x, y, dx: A._softmax_backward_data.out(g, y, dim, x.dtype, grad_input=dx)),
            )
        return (
            (lambda x, y: A._softmax.out(-x, dim, False, out=y)),
            (lambda g, x, y, dx: torch.neg(A._softmax_backward_data(g, y, dim, x.dtype), out=dx)),
        )
    if name == "glu":
        dim = int(p.get("dim", -1))
        return (lambda x, y: A.glu.out(x, dim, out=y)), (lambda g, x, y, dx: A.glu_backward.grad_input(g, x, dim, grad_input=dx))
    if name in ("reglu", "geglu", "swiglu"):
        act = {"reglu": F.relu, "geglu": F.gelu, "swiglu": F.silu}[name]

        def bact(gg, b):
            if name == "reglu":
                return A.threshold_backward(gg, b, 0)
            if name == "geglu":
                return A.gelu_backward(gg, b)
            return A.silu_backward(gg, b)

        def fwd(x, y):
            a, b = x.chunk(2, -1)
            torch.mul(a, act(b), out=y)

        def bwd(g, x, y, dx):
            a, b = x.chunk(2, -1)
            da, db = dx.chunk(2, -1)
            torch.mul(g, act(b), out=da)
            db.copy_(bact(g * a, b))

        return fwd, bwd
    raise KeyError(name)


def median_secs(f, min_s):
    f()
    times = []
    start = time.perf_counter()
    while len(times) < 5 or (time.perf_counter() - start < min_s and len(times) < 10000):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    times.sort()
    return times[len(times) // 2]


def torch_cell(rec, row, min_s):
    name, p = parse_spec(rec["spec"])
    n, dtype = rec["n"], {"f32": torch.float32, "f64": torch.float64}[rec["dtype"]]
    torch.set_num_threads(rec["threads"])
    gen = torch.Generator().manual_seed(1)
    x = (torch.rand(n, generator=gen, dtype=torch.float64) * 12 - 6).to(dtype)
    if name in ("softmax", "log_softmax", "softmin") and n % row == 0 and n >= row:
        x = x.view(n // row, row)
    fwd, bwd = kernels(name, p, dtype)
    out_n = n // 2 if name in ("glu", "reglu", "geglu", "swiglu") else n
    y = torch.empty(out_n, dtype=dtype).view(*(x.shape[:-1] + (x.shape[-1] // (2 if out_n < n else 1),)))
    fwd(x, y)
    if rec["direction"] == "forward":
        secs = median_secs(lambda: fwd(x, y), min_s)
    else:
        g = (torch.rand(out_n, generator=gen, dtype=torch.float64) * 2 - 1).to(dtype).view(y.shape)
        dx = torch.empty_like(x)
        secs = median_secs(lambda: bwd(g, x, y, dx), min_s)
    c = torch.empty_like(x)
    copy_secs = median_secs(lambda: c.copy_(x), min_s)
    return n / secs, n / copy_secs


def fmt_n(n):
    for unit, m in (("M", 1 << 20), ("K", 1 << 10)):
        if n % m == 0:
            return f"{n // m}{unit}"
    return str(n)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("specs", nargs="*", help="activation specs (default: every kind)")
    ap.add_argument("--sizes", default="64K,16M")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--dtype", default="f32", choices=["f32", "f64"])
    ap.add_argument("--backward", action="store_true", help="also measure backward")
    ap.add_argument("--row", type=int, default=1024, help="row length of softmax & co")
    ap.add_argument("--min-ms", type=int, default=300, help="time per cell and side")
    ap.add_argument("--actfn", default=os.environ.get("ACTFN", "target/release/actfn"), help="the actfn binary")
    ap.add_argument("--simd", help="actfn --simd LEVEL")
    ap.add_argument("--actfn-json", help="reuse the records of an earlier `actfn bench --json` run")
    ap.add_argument("--json", help="write the joined records (with torch_elems_per_s) here")
    args = ap.parse_args()

    def run_actfn(specs):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "actfn.json")
            cmd = [args.actfn, "bench", *specs, "--sizes", args.sizes, "--threads", args.threads,
                   "--dtype", args.dtype, "--row", str(args.row), "--min-ms", str(args.min_ms), "--json", path]
            if args.backward:
                cmd.append("--backward")
            if args.simd:
                cmd += ["--simd", args.simd]
            # PyTorch's OpenMP workers spin for a while after its last cell (libgomp and
            # libiomp both wait actively before they sleep): let them stop before actfn's
            # two-thread cells need the second core.
            time.sleep(0.5)
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            # Let the kernel reclaim the run's large buffers before PyTorch's first cell
            # (a core busy freeing memory halves a 2-thread cell of 64K elements).
            time.sleep(0.5)
            with open(path) as f:
                return json.load(f)

    if args.actfn_json:
        with open(args.actfn_json) as f:
            records = json.load(f)
        batches = [records]
    else:
        # One spec at a time, actfn then PyTorch, so both sides of a ratio are measured
        # within seconds of each other on a machine whose load changes.
        specs = args.specs or json.loads(subprocess.run(
            [args.actfn, "bench", "--list-specs"], check=True, capture_output=True, text=True).stdout)
        batches = ([s] for s in specs)
    print(f"# PyTorch {torch.__version__}, CPU capability {torch.backends.cpu.get_cpu_capability()}")
    print("| spec | direction | n | threads | actfn Melem/s | torch Melem/s | actfn/torch | actfn % copy | torch % copy |")
    print("|---|---|---|---|---|---|---|---|---|")
    groups = {}
    records = []
    for batch in batches:
        recs = batch if args.actfn_json else run_actfn(batch)
        for rec in recs:
            records.append(rec)
            try:
                t_rate, t_copy = torch_cell(rec, args.row, args.min_ms / 1000)
            except Exception as e:  # an op PyTorch lacks in this version
                print(f"| {rec['spec']} | {rec['direction']} | {fmt_n(rec['n'])} | {rec['threads']} | — | error: {e} | | | |")
                continue
            rec["torch_elems_per_s"] = t_rate
            rec["torch_copy_elems_per_s"] = t_copy
            ratio = rec["elems_per_s"] / t_rate
            groups.setdefault((rec["direction"], rec["n"], rec["threads"]), []).append(ratio)
            print(
                f"| {rec['spec']} | {rec['direction']} | {fmt_n(rec['n'])} | {rec['threads']} | "
                f"{rec['elems_per_s'] / 1e6:.0f} | {t_rate / 1e6:.0f} | {ratio:.2f} | "
                f"{100 * rec['elems_per_s'] / rec['copy_elems_per_s']:.0f}% | {100 * t_rate / t_copy:.0f}% |",
                flush=True,
            )
    print()
    print("| direction | n | threads | geometric mean actfn/torch | min | cells below 1 |")
    print("|---|---|---|---|---|---|")
    for (d, n, t), rs in sorted(groups.items()):
        gm = math.exp(sum(math.log(r) for r in rs) / len(rs))
        print(f"| {d} | {fmt_n(n)} | {t} | {gm:.2f} | {min(rs):.2f} | {sum(r < 1 for r in rs)}/{len(rs)} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(records, f, indent=1)


if __name__ == "__main__":
    main()
