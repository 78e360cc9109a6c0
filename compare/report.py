#!/usr/bin/env python3
"""Report of compare/compare.sh: reads OUT/raw/LABEL/rN/DEVICE/JOB.MODE.json (fio JSON), writes
OUT/report.md and OUT/report.dat (for gnuplot), prints every regression, and exits
1 when a gated metric of a row is worse than its baseline by more than the threshold.

usage: compare/report.py OUT "LABEL..." BASELINE THRESHOLD GATE [TIMING]
  THRESHOLD: a number (percent), or "auto": AUTO_THRESHOLD of the timing.
  GATE: comma-separated metrics that decide the exit status: iops,bw,p50,p99,cpu.
  TIMING: icount or real (the default), how the guests kept time (compare/compare.sh).
  A SLOW kernel's raw/LABEL/rN/DEV/JOB.MODE.planted (JSON: section -> ns planted per I/O) puts the
  change that cost should make next to its verdict.
A row's change is the ratio of the geometric means over the rounds with its 95 % interval
(compare/stats.py); a gated metric is worse only when the whole interval is beyond the threshold.
Standard library only."""
import glob
import json
import os
import statistics
import sys

from stats import LEVEL, ratio_interval, verdict
from util import MODES, device_field

# metric -> (title, unit, higher is better)
METRICS = {
    "iops": ("IOPS", "", True),
    "bw": ("BW", "MiB/s", True),
    "p50": ("clat p50", "us", False),
    "p99": ("clat p99", "us", False),
    "cpu": ("CPU/IO", "us", False),
}
# THRESHOLD=auto: the smallest change called a regression (the interval, not the threshold, takes
# care of the noise between rounds).
# Under icount a kernel against itself differs by less than 0.5 % (docs/perf.md, section 7).
AUTO_THRESHOLD = {"real": 10.0, "icount": 2.0}
TIMINGS = ("real", "icount")
MODE_ORDER = list(MODES)
# mode pairs compared within each kernel and round (same boot): A, B, what A/B shows, goals on A/B
PAIRS = [
    ("off", "fio", "engine PI off / fio io_uring", {"iops": (">=", 0.97)}),
    ("engine-attr", "fio-pi", "engine PI (ABI 2) / fio io_uring PI", {"iops": (">=", 1.0), "cpu": ("<=", 1.0)}),
    ("engine-attr-noverify", "fio-pi", "engine PI, reads not checked (ABI 2) / fio io_uring PI", {}),
    ("engine-attr", "engine-attr-noverify", "engine PI: reads checked / not checked", {}),
    ("engine-sqe128", "engine-attr", "ABI 1 / ABI 2 (engine PI)", {}),
    ("kernel", "off", "PI by the kernel / PI off", {}),
    ("engine-sqe128", "off", "engine PI (ABI 1) / PI off", {}),
    ("engine-attr", "off", "engine PI (ABI 2) / PI off", {}),
    ("off", "none", "PI off (the kernel's own PI) / no PI", {}),
    ("kernel", "none", "PI by the kernel / no PI", {}),
    ("engine-sqe128", "none", "engine PI (ABI 1) / no PI", {}),
    ("engine-attr", "none", "engine PI (ABI 2) / no PI", {}),
]


def job_metrics(job):
    """fio JSON job -> dict of metrics (read and write added; latencies from the direction with I/O)."""
    ios = sum(job[d]["total_ios"] for d in ("read", "write"))
    iops = sum(job[d]["iops"] for d in ("read", "write"))
    bw = sum(job[d]["bw"] for d in ("read", "write")) / 1024.0
    d = max(("read", "write"), key=lambda d: job[d]["total_ios"])
    pct = job[d]["clat_ns"].get("percentile", {})
    runtime_us = job["job_runtime"] * 1000.0
    cpu = (job["usr_cpu"] + job["sys_cpu"]) / 100.0 * runtime_us / ios if ios else float("nan")
    return {
        "arith": job.get("uring_pi_arith_ns", float("nan")) / 1000.0,
        "iops": iops,
        "bw": bw,
        "p50": pct.get("50.000000", float("nan")) / 1000.0,
        "p99": pct.get("99.000000", float("nan")) / 1000.0,
        "cpu": cpu,
    }


def load(out, labels):
    """-> data[("DEVICE JOBFILE/JOBNAME", mode)][label] = list of metric dicts, one per round."""
    data = {}
    for label in labels:
        for path in sorted(glob.glob(os.path.join(out, "raw", label, "*", "*", "*.json"))):
            rnd, dev, f = path.split(os.sep)[-3:]
            jobfile, mode = f[: -len(".json")].split(".", 1)
            try:
                with open(path) as fh:
                    doc = json.load(fh)
            except ValueError as e:
                print(f"uring-pi: compare: {label}/{rnd}/{dev}/{f}: not fio JSON ({e})", file=sys.stderr)
                continue
            try:
                with open(path[: -len(".json")] + ".planted") as fh:
                    cost = json.load(fh)
            except (OSError, ValueError):
                cost = {}
            for job in doc.get("jobs", []):
                key = (f"{dev} {jobfile}/{job['jobname']}", mode)
                m = job_metrics(job)
                m["round"] = rnd
                m["planted"] = cost.get(job["jobname"], float("nan"))
                data.setdefault(key, {}).setdefault(label, []).append(m)
    return data


def summary(runs, m):
    v = [r[m] for r in runs]
    med = statistics.median(v)
    lo, hi = min(v), max(v)
    spread = (hi - lo) / 2.0 / med * 100.0 if med else 0.0  # +- half the range
    return med, lo, hi, spread


def fmt(x):
    if x != x:
        return "-"
    if abs(x) >= 100:
        return f"{x:.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def pair_lines(data, labels):
    """Modes against each other, per kernel: ratios of A to B taken within each round, then median (min-max)."""
    lines = []
    for label in labels:
        rows = []
        for job in sorted({k[0] for k in data}):
            for a, b, what, goals in PAIRS:
                ra = {r["round"]: r for r in data.get((job, a), {}).get(label, [])}
                rb = {r["round"]: r for r in data.get((job, b), {}).get(label, [])}
                rounds = sorted(set(ra) & set(rb))
                if not rounds:
                    continue

                def stat(f):
                    v = [f(ra[r], rb[r]) for r in rounds]
                    v = [x for x in v if x == x]
                    return (statistics.median(v), min(v), max(v)) if v else (float("nan"),) * 3

                iops = stat(lambda x, y: x["iops"] / y["iops"])
                cpu = stat(lambda x, y: x["cpu"] / y["cpu"])
                dt = stat(lambda x, y: 1e6 / x["iops"] - 1e6 / y["iops"])
                dcpu = stat(lambda x, y: x["cpu"] - y["cpu"])
                arith = stat(lambda x, y: x["arith"] - (y["arith"] if y["arith"] == y["arith"] else 0.0))
                verdicts = []
                for m, (op, goal) in goals.items():
                    v = iops[0] if m == "iops" else cpu[0]
                    if v != v:
                        continue
                    met = v >= goal if op == ">=" else v <= goal
                    verdicts.append(f"{METRICS[m][0]} {op} {goal}: {'met' if met else '**not met**'}")
                rng = lambda t: f"{t[0]:.3f} ({t[1]:.3f}-{t[2]:.3f})"
                rows.append(f"| {job} | {what} | {len(rounds)} | {rng(iops)} | {rng(cpu)} | {fmt(dt[0])} "
                            f"({fmt(dt[1])} to {fmt(dt[2])}) | {fmt(dcpu[0])} | {fmt(arith[0])} | {'; '.join(verdicts)} |")
        if rows:
            lines += [f"### {label}", "",
                      "| job | A / B | rounds | IOPS ratio (min-max) | CPU/IO ratio (min-max) | time per I/O A-B us "
                      "(min to max) | CPU/IO A-B us | engine arithmetic A-B us/IO | goal |",
                      "|---|---|---|---|---|---|---|---|---|"] + rows + [""]
    if lines:
        lines = ["## PI modes against each other", "",
                 "Ratios of two modes measured in the same guest boot (same round), then the median and range over "
                 "the rounds. Time per I/O = 1/IOPS (at queue depth 1 the latency, at depth 32 the throughput cost). "
                 "Engine arithmetic = the engine's own count of time in PI generation and checking (TSC, "
                 "PI summary line): of the CPU/IO difference against PI off, that much is the arithmetic, the rest "
                 "the kernel and device.", ""] + lines
    return lines


def change(base_runs, runs, m):
    """-> (delta, low, high) in percent for metric m, signed so that negative is worse."""
    higher = METRICS[m][2]
    r, lo, hi = ratio_interval([x[m] for x in base_runs], [x[m] for x in runs])
    if higher:
        return (r - 1.0) * 100.0, (lo - 1.0) * 100.0, (hi - 1.0) * 100.0
    return (1.0 - r) * 100.0, (1.0 - hi) * 100.0, (1.0 - lo) * 100.0


def fmt_change(c):
    d, lo, hi = c
    if d != d:
        return "-"
    return f"{d:+.1f}%" if lo == hi else f"{d:+.1f}% ({lo:+.1f} to {hi:+.1f})"


def main():
    out, labels, baseline, threshold, gate = sys.argv[1], sys.argv[2].split(), sys.argv[3], sys.argv[4], sys.argv[5]
    timing = sys.argv[6] if len(sys.argv) > 6 else "real"
    if timing not in TIMINGS:
        sys.exit(f"uring-pi: compare: TIMING={timing}: not one of {', '.join(TIMINGS)}")
    thr = AUTO_THRESHOLD[timing] if threshold == "auto" else float(threshold)
    gate = [g for g in gate.split(",") if g]
    for g in gate:
        if g not in METRICS:
            sys.exit(f"uring-pi: compare: GATE={g}: not one of {','.join(METRICS)}")
    data = load(out, labels)
    if not data:
        print("uring-pi: compare: no results to report", file=sys.stderr)
        return 2

    def row_order(k):
        job, mode = k
        return (job, MODE_ORDER.index(mode) if mode in MODE_ORDER else 99, mode)

    lines = [
        "# uring-pi: kernel comparison",
        "",
        f"Kernels (in run order): {', '.join(labels)}. Baseline: `{baseline}`; a row the baseline lacks "
        "is compared with the first kernel in that order that has it. "
        f"Timing: {timing}. Threshold: {thr:g}%{' (auto)' if threshold == 'auto' else ''}; "
        f"gated metrics: {', '.join(gate)}.",
        "",
        "Each cell: median over the rounds; spread = +-(max-min)/2/median. Delta = the ratio of this kernel's "
        f"geometric mean to the baseline's, signed so that negative is worse, with its {LEVEL:.0%} interval "
        "(Welch's t on the logarithms; none with fewer than 2 rounds a side). Verdict of the gated metrics: "
        "**WORSE** / BETTER when the whole interval is beyond the threshold, worse / better when it excludes "
        "no change but not the threshold, = when it includes no change. "
        + ("Under icount the guest's clock counts its instructions: a figure is the guest's work per I/O, "
           "the same on an idle or a busy host, not a device's latency. Rows of NVMe devices are marked "
           "(paced) and do not decide the exit status: QEMU 7.2's NVMe model completes on host threads, and its "
           "completions then come about once per millisecond of guest time, so those IOPS show that pace, not the "
           "I/O path (docs/perf.md)."
           if timing == "icount" else "Under TCG emulation only ratios within one run mean anything."),
        "",
    ]
    regressions = []
    dat = []
    for key in sorted(data, key=row_order):
        job, mode = key
        per = data[key]
        base = baseline if baseline in per else next((l for l in labels if l in per), None)
        paced = " (paced)" if timing == "icount" and device_field(job.split()[0], "kind") == "nvme" else ""
        lines += [f"## {job} — PI {mode}{paced}", ""]
        lines.append("| kernel | n | IOPS (min-max) | spread | MiB/s | clat p50 us | clat p99 us | CPU us/IO | "
                     "delta IOPS | delta p99 | delta CPU/IO | verdict |")
        lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
        row_dat = []
        for label in labels:
            if label not in per:
                continue
            runs = per[label]
            s = {m: summary(runs, m) for m in METRICS}
            cells = [label + (" (baseline)" if label == base else ""), str(len(runs)),
                     f"{fmt(s['iops'][0])} ({fmt(s['iops'][1])}-{fmt(s['iops'][2])})", f"{s['iops'][3]:.1f}%",
                     fmt(s["bw"][0]), fmt(s["p50"][0]), fmt(s["p99"][0]), fmt(s["cpu"][0])]
            ratio = 1.0
            if label == base:
                cells += ["", "", "", "baseline"]
            else:
                ch = {m: change(per[base], runs, m) for m in METRICS}
                ratio = ch["iops"][0] / 100.0 + 1.0
                verdicts = {m: verdict(ch[m][1], ch[m][2], thr) for m in gate}
                for m in gate:
                    if verdicts[m] == "WORSE" and not paced:
                        d, lo, hi = ch[m]
                        regressions.append(f"{label} {job} PI {mode}: {METRICS[m][0]} {s[m][0]:.5g} vs {base} "
                                           f"{summary(per[base], m)[0]:.5g} ({d:+.1f}%, interval {lo:+.1f} to "
                                           f"{hi:+.1f}, threshold {thr:g}%)")
                shown = [f"{v} ({m})" if len(gate) > 1 else v for m, v in verdicts.items()]
                shown = ", ".join(f"**{v}**" if v.startswith("WORSE") and not paced else v for v in shown)
                if paced:
                    shown = "not gated: " + shown
                cost = statistics.median([r["planted"] for r in runs])
                if cost == cost:
                    # a planted cost per I/O in a CPU-bound row: time per I/O 1/IOPS + cost
                    base_iops = summary(per[base], "iops")[0]
                    shown += f" (planted {cost:.0f} ns/IO: {(1.0 / (1.0 + cost * 1e-9 * base_iops) - 1.0) * 100.0:+.1f}%)"
                cells += [fmt_change(ch["iops"]), fmt_change(ch["p99"]), fmt_change(ch["cpu"]), shown]
            row_dat.append((label, ratio))
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
        dat.append((f"{job} {mode}", dict(row_dat)))
    lines += pair_lines(data, labels)
    lines += ["## Verdict", ""]
    if regressions:
        lines += [f"- WORSE: {r}" for r in regressions]
    else:
        lines.append("No result worse than its baseline by more than the threshold.")
    lines.append("")
    with open(os.path.join(out, "report.md"), "w") as fh:
        fh.write("\n".join(lines))
    # gnuplot data: one line per job x mode, one column per kernel: median IOPS / the row's baseline
    with open(os.path.join(out, "report.dat"), "w") as fh:
        fh.write("row " + " ".join(labels) + "\n")
        for name, ratios in dat:
            fh.write('"' + name + '" ' + " ".join(fmt(ratios[l]) if l in ratios else "-" for l in labels) + "\n")
    for r in regressions:
        print(f"uring-pi: compare: WORSE: {r}")
    return 1 if regressions else 0


if __name__ == "__main__":
    sys.exit(main())
