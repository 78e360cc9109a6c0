#!/bin/bash
# Guest side of compare/compare.sh, run by vm/vm.sh -p HOSTPORT:8765 -p HOSTPORT2:8766: serves
# "fio --server" on port 8765 to the host's fio --client until the host sends "stop" to
# port 8766. Port 8766 answers each connection, once the fio server listens, with
# "ready KERNEL NAME=/dev/DEV ..." (the guest's devices, in vm/vm.sh -d order), then
# takes one line: "stop", "integrity 0|1 /dev/DEV" (the kernel's own PI on DEV, both
# directions: integrity/write_generate and read_verify; for PI mode none), "slow N" (a
# busy loop of N iterations per bio, on a kernel with tests/kernel/slow-submit.patch: vm/kernel.sh
# patched-slow) or anything else (no-op), and answers "ok" or "error: WHY".
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
build/fio/fio --server=ip:0.0.0.0,8765 &
server=$!
python3 - "$URING_PI_DEVICES" "${URING_PI_KERNEL:-unknown}" "$server" <<'PY'
import os, socket, sys, time
devices, kernel, server = sys.argv[1], sys.argv[2], int(sys.argv[3])
devs = [l.split() for l in open(devices) if len(l.split()) == 2]

def listening(port):
    with open("/proc/net/tcp") as f:
        return any(l.split()[1].endswith(f":{port:04X}") and l.split()[3] == "0A" for l in f.readlines()[1:])

while not listening(8765):
    if not os.path.exists(f"/proc/{server}"):
        sys.exit("uring-pi: compare: fio --server stopped")
    time.sleep(0.1)
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 8766))
s.listen()
while True:
    c, _ = s.accept()
    with c:
        c.settimeout(10)
        try:
            c.sendall(f"ready {kernel} {' '.join(n + '=' + d for n, d in devs)}\n".encode())
            msg = c.makefile().readline().strip()
            reply = "ok"
            if msg.startswith("slow "):
                knob = "/sys/module/kernel/parameters/upi_slow_submit_loops"
                try:
                    with open(knob, "w") as fh:
                        fh.write(str(int(msg.split()[1])))
                except FileNotFoundError:
                    reply = f"error: kernel {kernel} has no {knob} (build vm/kernel.sh patched-slow)"
                except (OSError, ValueError, IndexError) as e:
                    reply = f"error: {e}"
            elif msg.startswith("integrity "):
                try:
                    _, on, dev = msg.split()
                    if dev not in (d for _, d in devs):
                        raise OSError(f"{dev} is not a device of this guest")
                    for f in ("write_generate", "read_verify"):
                        with open(f"/sys/block/{os.path.basename(dev)}/integrity/{f}", "w") as fh:
                            fh.write(on)
                except (OSError, ValueError) as e:
                    reply = f"error: {e}"
            c.sendall(f"{reply}\n".encode())
        except OSError:
            continue
    if msg == "stop":
        break
PY
rc=$?
kill "$server" 2>/dev/null
wait "$server"
exit $rc
