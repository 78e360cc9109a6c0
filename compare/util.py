#!/usr/bin/env python3
"""Helpers of compare/compare.sh (standard library only):

  compare/util.py job JOBFILE|probe|cal|kcal MODE  the job to send with fio --client, ${VARS} filled in
                                            from the environment, then the file's "# default NAME=VALUE"
                                            lines (fio --client expands ${VARS} on the client's side).
                                            With SLOW_FROM=JSON SLOW_PCT=P SLOW_NS_PER_CYCLE=X: each job
                                            section gets thinkcycles worth P % of the time per I/O that
                                            section had in JSON (the baseline's result); with
                                            SLOW_PLANTED=FILE the ns planted per section go there
  compare/util.py kslow                     the kernel's busy loop per bio (iterations at SLOW_NS_PER_CYCLE
                                            ns each, tests/kernel/slow-submit.patch)
                                            worth SLOW_PCT % of the time per I/O of the first section
                                            in SLOW_FROM; SLOW_PLANTED as for job
  compare/util.py cycles JSON0 JSON1 N      ns per thinkcycle: the cal job run with 0 and N thinkcycles
  compare/util.py result CLIENTOUT JSON     fio --client's output -> plain fio JSON; exit 1 (with the
                                            reason) unless every job ran without error
  compare/util.py ctl PORT MSG              one exchange with compare/guest.sh's control port:
                                            prints its greeting ("ready DEV KERNEL"); exit 1 if none,
                                            or if the answer to MSG is not "ok" (printed on stderr)
  compare/util.py port                      a free TCP port on 127.0.0.1
  compare/util.py modes [auto]              the PI modes, in the report's order (auto: those MODES=auto
                                            tries)

PI modes: none (no PI in the engine, and the kernel's own PI turned off: guests only), off (no PI in
the engine; the kernel protects a PI device by itself), kernel (pi_act=1), engine-sqe128 / engine-attr (pi_act=0, the engine generates and
checks, on ABI 1 / ABI 2), engine-attr-noverify (engine-attr without the engine's check of reads,
pi_verify=0: what fio-pi does on reads), and the peer, fio 3.41's own ioengine=io_uring: fio (no PI)
and fio-pi (its PI options: pi_act=0, pi_chk=GUARD,REFTAG, md_per_io_size)."""
import json
import os
import re
import socket
import sys

ENGINE = "ioengine=external:engines/uring_pi.so"
DEVICES_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vm", "devices")
DEVICE_FIELDS = "name kind lbs ms pi pil pif guard format tag interval note".split()


def device_field(name, field):
    """A field of device NAME in vm/devices (the table scripts/lib.sh reads too; "note" is the rest of the line,
    "" for -); None for an unknown device."""
    with open(DEVICES_FILE) as f:
        for line in f:
            words = line.split(None, len(DEVICE_FIELDS) - 1)
            if words and not line.startswith("#") and words[0] == name:
                value = words[DEVICE_FIELDS.index(field)].strip()
                return "" if field == "note" and value == "-" else value
    return None


MODES = {
    "none": {"PI_CHK": "off", "PI_ACT": "1", "PI_ABI": "auto"},
    "off": {"PI_CHK": "off", "PI_ACT": "1", "PI_ABI": "auto"},
    "kernel": {"PI_CHK": "GUARD,REFTAG", "PI_ACT": "1", "PI_ABI": "auto"},
    "engine-sqe128": {"PI_CHK": "GUARD,REFTAG", "PI_ACT": "0", "PI_ABI": "sqe128"},
    "engine-attr": {"PI_CHK": "GUARD,REFTAG", "PI_ACT": "0", "PI_ABI": "attr"},
    "engine-attr-noverify": {"PI_CHK": "GUARD,REFTAG", "PI_ACT": "0", "PI_ABI": "attr"},
    "fio": {"PI_CHK": "off", "PI_ACT": "1", "PI_ABI": "auto"},
    "fio-pi": {"PI_CHK": "GUARD,REFTAG", "PI_ACT": "0", "PI_ABI": "auto"},
}
AUTO_MODES = ("off", "kernel", "engine-sqe128", "engine-attr")
# metadata per I/O for fio-pi: enough for 128 KiB in 512-byte blocks with 64-byte metadata
PEER_MD_PER_IO = 16384


def dev_job(name, **opts):
    """A job of the engine on ${DEV} with OPTS, and the PI mode's settings."""
    lines = [f"[{name}]", ENGINE, "filename=${DEV}", "direct=1"] + [f"{k}={v}" for k, v in opts.items()]
    return "\n".join(lines + ["pi_chk=${PI_CHK}", "pi_act=${PI_ACT}", "pi_abi=${PI_ABI}"]) + "\n"


# Which PI modes the device and kernel run: one 4 KiB read.
PROBE = dev_job("probe", rw="read", bs="4k", size="4k")
# The cost of one of fio's thinkcycles (a busy loop) on the machine that runs the jobs.
CAL_IOS = 2000
CAL = f"""[cal]
ioengine=null
rw=read
bs=4k
size=1g
number_ios={CAL_IOS}
thinkcycles=${{THINKCYCLES}}
"""
# The kernel's busy loop, timed on the device: CAL_IOS reads, PI off.
KCAL = dev_job("kcal", rw="randread", bs="4k", size="16m", iodepth=1, number_ios=CAL_IOS, randseed=7)


def base_iops():
    """section name -> IOPS of the baseline's result SLOW_FROM, in the file's order."""
    return {j["jobname"]: sum(j[d]["iops"] for d in ("read", "write")) for j in json.load(open(os.environ["SLOW_FROM"]))["jobs"]}


def planted(ns_per_section):
    """The cost planted per I/O in each section, for the report (SLOW_PLANTED, JSON)."""
    if os.environ.get("SLOW_PLANTED"):
        with open(os.environ["SLOW_PLANTED"], "w") as fh:
            json.dump(ns_per_section, fh)


def slow_sections(text):
    """thinkcycles after every job section's header (not [global]): SLOW_PCT % of the section's
    time per I/O (1/IOPS) in SLOW_FROM, at SLOW_NS_PER_CYCLE ns a cycle."""
    base = base_iops()
    pct, ns = float(os.environ["SLOW_PCT"]), float(os.environ["SLOW_NS_PER_CYCLE"])
    cost = {}

    def add(m):
        name = m.group(1)
        if name == "global":
            return m.group(0)
        if not base.get(name):
            sys.exit(f"uring-pi: compare: SLOW: the baseline has no result of section {name}")
        n = round(pct / 100.0 * 1e9 / base[name] / ns)
        cost[name] = n * ns
        return f"{m.group(0)}thinkcycles={n}\n"

    text = re.sub(r"^\[([^]\n]+)\]\n", add, text, flags=re.M)
    planted(cost)
    return text


def kslow():
    """Iterations of the kernel's busy loop per bio: SLOW_PCT % of the first section's time per I/O in
    SLOW_FROM, at SLOW_NS_PER_CYCLE ns an iteration (measured with the kcal job)."""
    base = base_iops()
    first = next(iter(base.values()), 0)
    if not first:
        sys.exit("uring-pi: compare: SLOW: the baseline's result has no I/O to size the cost by")
    per = float(os.environ["SLOW_NS_PER_CYCLE"])
    loops = round(float(os.environ["SLOW_PCT"]) / 100.0 * 1e9 / first / per)
    planted({name: round(loops * per) for name in base})
    print(loops)


def cycles(json0, json1, n):
    """ns per cycle from the cal (or kcal) job's runtime with 0 and n thinkcycles (kernel loops)."""
    t = [json.load(open(f))["jobs"][0]["job_runtime"] * 1e6 for f in (json0, json1)]
    per = (t[1] - t[0]) / CAL_IOS / float(n)
    if per <= 0:
        sys.exit(f"uring-pi: compare: the planted cost costs nothing here ({t[0]:.0f} ns, {t[1]:.0f} ns): cannot slow a run")
    print(f"{per:.6g}")


def job(path, mode):
    if mode not in MODES:
        sys.exit(f"uring-pi: compare: unknown PI mode {mode} (known: {' '.join(MODES)})")
    text = {"probe": PROBE, "cal": CAL, "kcal": KCAL}.get(path) or open(path).read()
    env = dict(re.findall(r"^# default ([A-Z_][A-Z0-9_]*)=(.*)$", text, re.M))
    env.update(os.environ)
    env.update(MODES[mode])

    def sub(m):
        if m.group(1) not in env:
            sys.exit(f"uring-pi: compare: {path} needs {m.group(1)}")
        return env[m.group(1)]

    text = re.sub(r"\$\{([A-Z_][A-Z0-9_]*)\}", sub, text)
    if mode.endswith("-noverify"):
        # an option of the whole file: after the first section header ([global] or the only job)
        text = re.sub(r"^(\[[^]\n]+\]\n)", r"\1pi_verify=0\n", text, count=1, flags=re.M)
    if mode.startswith("fio"):
        if ENGINE not in text:
            sys.exit(f"uring-pi: compare: {path} does not use {ENGINE}: no peer mode for it")
        drop = ("pi_abi=",) if mode == "fio-pi" else ("pi_abi=", "pi_chk=", "pi_act=")
        peer = "ioengine=io_uring" + (f"\nmd_per_io_size={PEER_MD_PER_IO}" if mode == "fio-pi" else "")
        text = "\n".join(l for l in text.replace(ENGINE, peer).split("\n") if not l.startswith(drop))
    if os.environ.get("SLOW_FROM"):
        text = slow_sections(text)
    sys.stdout.write(text)


def result(client_out, out):
    text = open(client_out).read()
    start = 0 if text.startswith("{") else text.find("\n{") + 1
    if start < 0 or not text[start:].strip():
        sys.exit("no JSON in fio's output")
    try:
        doc = json.loads(text[start:])
    except ValueError as e:
        sys.exit(f"fio's JSON does not parse: {e}")
    jobs = doc.get("client_stats", doc.get("jobs", []))
    jobs = [j for j in jobs if j.get("jobname") != "All clients"]
    # what fio and the engine said (the server's lines, "<host> " first)
    said = [l.split("> ", 1)[-1] for l in text[:start].split("\n") if "fio:" in l or "uring_pi: " in l]
    said = " / ".join([l for l in said if "PI summary" not in l][:2])
    if not jobs:
        # a job file the server could not parse: fio --client exits 0 with no job
        sys.exit("no job ran" + (": " + said if said else ""))
    bad = [f"{j['jobname']}: error {j['error']}" for j in jobs if j.get("error")]
    # fio 3.41's io_uring without PI capabilities does no I/O and reports no error
    bad += [f"{j['jobname']}: no I/O" for j in jobs if not j.get("error") and
            not sum(j.get(d, {}).get("total_ios", 0) for d in ("read", "write", "trim"))]
    if bad:
        sys.exit("; ".join(bad) + (": " + said if said else ""))
    # the engine's PI summary lines (arithmetic per I/O), in job order
    arith = [float(x) for x in re.findall(r"arithmetic ([0-9.]+) ns per I/O", text[:start])]
    if len(arith) == len(jobs):
        for j, a in zip(jobs, arith):
            j["uring_pi_arith_ns"] = a
    with open(out, "w") as fh:
        json.dump({"jobs": jobs}, fh)


def ctl(port, msg):
    try:
        with socket.create_connection(("127.0.0.1", int(port)), timeout=5) as s:
            s.settimeout(10)
            greeting = s.makefile().readline()
            if not greeting.startswith("ready "):
                return 1
            s.sendall(msg.encode() + b"\n")
            answer = s.makefile().readline().strip()
            print(greeting.strip())
            if answer != "ok":
                print(answer or "no answer", file=sys.stderr)
                return 1
            return 0
    except OSError:
        return 1


def port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "job":
        job(*args)
    elif cmd == "result":
        result(*args)
    elif cmd == "ctl":
        sys.exit(ctl(*args))
    elif cmd == "kslow":
        kslow()
    elif cmd == "cycles":
        cycles(*args)
    elif cmd == "port":
        port()
    elif cmd == "modes":
        print(" ".join(AUTO_MODES if args == ["auto"] else MODES))
    else:
        sys.exit(__doc__)
