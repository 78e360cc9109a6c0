#!/usr/bin/env bash
# tests/host/compare-report.sh: make compare's statistics and verdicts (compare/stats.py,
# compare/report.py) on results made up here with known noise and known regressions:
# t quantiles against the table, the interval's coverage, and the report's verdict and exit
# status for a kernel against itself, a 3 % and a 10 % regression, a gated CPU cost, one round.
# Ends with "N passed, N failed".
set -uo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
PYTHONPATH=$TOP/compare python3 - "$TOP/compare/report.py" "$TMP" <<'PY'
import json, math, os, random, subprocess, sys
import stats as st

report, tmp = sys.argv[1], sys.argv[2]
npass = nfail = 0


def check(ok, what):
    global npass, nfail
    print(("ok   " if ok else "FAIL ") + what)
    npass, nfail = npass + bool(ok), nfail + (not ok)


# Student's t, two-sided 95 %: the printed table's values
for df, want in ((1, 12.706), (2, 4.303), (4, 2.776), (10, 2.228), (30, 2.042), (1e6, 1.960)):
    got = st.t_quantile(0.975, df)
    check(abs(got - want) < 0.0015, f"t quantile 0.975 with {df:g} df: {got:.4f} (table {want})")

# Coverage: 3 rounds a side, 0.5 % noise, a true ratio of 0.97: the 95 % interval holds it in
# 95 % of 4000 trials or a little more (Welch's degrees of freedom are an estimate, at most the
# pooled test's 4: the interval errs wide); binomial sd 0.34 %.
rng = random.Random(1)
hits = 0
for _ in range(4000):
    b = [100 * math.exp(rng.gauss(0, 0.005)) for _ in range(3)]
    v = [97 * math.exp(rng.gauss(0, 0.005)) for _ in range(3)]
    _, lo, hi = st.ratio_interval(b, v)
    hits += lo <= 0.97 <= hi
check(3740 <= hits <= 3940, f"interval covers the true ratio in {hits / 40:.1f} % of trials (want 93.5-98.5)")
r, lo, hi = st.ratio_interval([100, 100], [97])
check(math.isclose(r, 0.97) and r == lo == hi, f"one round: the ratio, no interval: {r} {lo} {hi}")
check(st.verdict(-5, -2, 1.5) == "WORSE" and st.verdict(-5, -1, 1.5) == "worse" and
      st.verdict(-1, 1, 1.5) == "=" and st.verdict(2, 3, 1.5) == "BETTER" and st.verdict(0.5, 1, 1.5) == "better",
      "verdicts: WORSE beyond the threshold, worse short of it, = across no change")


def fio_json(iops, cpu_us, p99_us):
    """One fio JSON document of a read job, runtime 5 s, with these figures."""
    ios = int(iops * 5)
    d = {"total_ios": ios, "iops": iops, "bw": iops * 4,
         "clat_ns": {"percentile": {"50.000000": 0.8 * p99_us * 1000, "99.000000": p99_us * 1000}}}
    w = {"total_ios": 0, "iops": 0, "bw": 0, "clat_ns": {}}
    cpu_pct = cpu_us * ios / 5e6 * 100.0
    return {"jobs": [{"jobname": "qd1", "read": d, "write": w, "job_runtime": 5000,
                      "usr_cpu": cpu_pct / 2, "sys_cpu": cpu_pct / 2}]}


def run(name, rounds, slow=None, gate="iops", noise=0.003, seed=2, dev="scsi-dif-crc", timing="icount",
        threshold="1.5", planted=None):
    """Raw results of base and cand (3 modes), cand's rows slowed by the dict slow (and the cost
    planted, ns per I/O, recorded as compare.sh does); -> (rc, report, out)."""
    rng = random.Random(seed)
    out = os.path.join(tmp, name)
    for label in ("base", "cand"):
        for r in range(1, rounds + 1):
            d = os.path.join(out, "raw", label, f"r{r}", dev)
            os.makedirs(d)
            for mode in ("off", "kernel", "engine-attr"):
                f = (slow or {}).get(mode, (1.0, 1.0)) if label == "cand" else (1.0, 1.0)
                n = lambda: math.exp(rng.gauss(0, noise))
                doc = fio_json(10000 / f[0] * n(), 40 * f[1] * n(), 120 * f[0] * n())
                with open(os.path.join(d, f"randread-4k.{mode}.json"), "w") as fh:
                    json.dump(doc, fh)
                if planted and label == "cand":
                    with open(os.path.join(d, f"randread-4k.{mode}.planted"), "w") as fh:
                        json.dump({"qd1": planted}, fh)
    p = subprocess.run([sys.executable, report, out, "base cand", "base", threshold, gate, timing],
                       capture_output=True, text=True)
    return p.returncode, open(os.path.join(out, "report.md")).read() if p.returncode < 2 else "", p.stdout


def row(text, mode):
    sec = text.split(f"randread-4k/qd1 — PI {mode}\n", 1)[1].split("\n## ", 1)[0]
    return next(l for l in sec.splitlines() if l.startswith("| cand |"))


rc, text, outp = run("self", 3)
check(rc == 0 and "WORSE" not in "".join(l for l in text.splitlines() if l.startswith("| ")) and "WORSE" not in outp, f"a kernel against itself, 0.3 % noise: exit {rc}, no row WORSE")
check(all(row(text, m).endswith("| = |") for m in ("off", "kernel", "engine-attr")),
      "... every row =: " + row(text, "off"))
falses = sum(run(f"self{i}", 3, seed=10 + i)[0] for i in range(20))
check(falses == 0, f"20 more runs of a kernel against itself (3 rounds): {falses} exited 1")

rc, text, outp = run("slow3", 3, slow={"kernel": (1.03, 1.03)})
check(rc == 1 and "WORSE: cand scsi-dif-crc randread-4k/qd1 PI kernel: IOPS" in outp and
      outp.count("WORSE:") == 1, f"3 % slower in mode kernel: exit {rc}, that row named alone: {outp.strip()}")
check("**WORSE**" in row(text, "kernel") and "(-" in row(text, "kernel").split("|")[9],
      "... its row WORSE with an interval: " + row(text, "kernel"))
missed = sum(run(f"slow3-{i}", 3, slow={"kernel": (1.03, 1.03)}, seed=40 + i)[0] != 1 for i in range(20))
check(missed <= 1, f"20 more runs with 3 % planted: {missed} missed")
rc, _, outp = run("slow10", 3, slow={"off": (1.10, 1.10), "engine-attr": (1.10, 1.10)})
check(rc == 1 and outp.count("WORSE:") == 2 and "PI kernel" not in outp, f"10 % slower in two modes: exit {rc}, both named")
rc, text, outp = run("cpu", 3, slow={"engine-attr": (1.0, 1.05)}, gate="iops,cpu")
check(rc == 1 and "PI engine-attr: CPU/IO" in outp and "**WORSE (cpu)**" in row(text, "engine-attr"),
      f"5 % more CPU per I/O, IOPS the same, GATE=iops,cpu: exit {rc}, {row(text, 'engine-attr')}")
rc, text, outp = run("cpu-ungated", 3, slow={"engine-attr": (1.0, 1.05)})
check(rc == 0, f"... with GATE=iops alone: exit {rc}")
rc, text, outp = run("one", 1, slow={"kernel": (1.03, 1.03)})
check(rc == 1 and "-2.9% |" in row(text, "kernel"), f"one round: the point change alone decides: exit {rc}, {row(text, 'kernel')}")
rc, text, outp = run("noisy", 3, slow={"kernel": (1.03, 1.03)}, noise=0.05)
check(rc == 0 and "| = |" in row(text, "kernel"), f"3 % inside 5 % noise: no verdict it cannot support: exit {rc}")
rc, text, outp = run("planted", 3, slow={"kernel": (1.03, 1.03)}, planted=3000.0)
check(rc == 1 and "(planted 3000 ns/IO: -2.9%)" in row(text, "kernel"),
      f"a planted cost: its expected change next to the verdict: {row(text, 'kernel')}")
rc, text, outp = run("auto-icount", 3, slow={"kernel": (1.03, 1.03)}, threshold="auto")
check(rc == 1 and "Threshold: 2% (auto)" in text, f"THRESHOLD=auto under icount: 2 %, 3 % slower is WORSE: exit {rc}")
rc, text, outp = run("auto-real", 3, slow={"kernel": (1.03, 1.03)}, threshold="auto", timing="real", dev="nvme-512-8-t1")
check(rc == 0 and "Threshold: 10% (auto)" in text and "(paced)" not in text,
      f"THRESHOLD=auto under real time: 10 %, 3 % slower is not WORSE: exit {rc}")
rc, text, outp = run("paced", 3, slow={"kernel": (1.03, 1.03)}, dev="nvme-512-8-t1")
check(rc == 0 and text.count("randread-4k/qd1 — PI off (paced)\n") == 1 and "WORSE:" not in outp and
      row(text, "kernel (paced)").endswith("| not gated: WORSE |"),
      f"an NVMe device under icount: its rows marked paced, 3 % slower shown but not gated: exit {rc}, "
      + row(text, "kernel (paced)"))
p = subprocess.run([sys.executable, report, os.path.join(tmp, "self"), "base cand", "base", "auto", "iops", "bogus"],
                   capture_output=True, text=True)
check(p.returncode == 1 and p.stderr.strip() == "uring-pi: compare: TIMING=bogus: not one of real, icount",
      f"TIMING=bogus: one line, exit {p.returncode}: {p.stderr.strip()}")
print(f"{npass} passed, {nfail} failed")
sys.exit(1 if nfail else 0)
PY
