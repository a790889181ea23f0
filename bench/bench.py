#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""tcpinc against plain TCP and stunnel, side by side (`make bench`).

Two hosts, A (client side) and B (server side): network namespaces joined by
a veth pair, 10.88.0.1/16 and 10.88.0.2/16 (B also has 10.88.1.x: fresh
peers for first-connection fallback figures). One tcpincd per host, one
cgroup per contender under <cgroup2>/tcib-<pid>/, one run of the load
generator build/bench/tcpbench (C) per measurement, in the contender's
cgroup on A, against a tcpbench server on B. Every contender gets the same
payloads, the same 128 KiB reads and writes, default (autotuned) socket
buffers, TCP_NODELAY, and the same veth topology.

Contenders (client cgroup on A -> server on B):
  plain        unattached cgroup -> plain server (no tcpinc at all)
  aes128/aes256/chacha
               `tcpinc attach --aeads 0x0001|0x0002|0x0010` -> server in a
               cgroup attached with all three AEADs (RFC 8548 frames)
  resume       `tcpinc attach --resume` on both sides (2nd and later
               connections resume: TEP 0xa3)
  ktls         only where the kernel has kernel TLS: `tcpinc attach --teps
               0x20 --aeads 0x0001` (TEP 0x20, records sealed by the
               kernel) -> the same server as aes128. The frame contenders
               above are attached with --teps 0x23 so that they stay
               frames on such a kernel.
  fb_first     attached (AES-128-GCM) -> plain server at an address A never
               talked to (one fresh address per run or connection)
  fb_later     attached -> plain server at an address A already talked to
  stunnel      stunnel4 client on A (127.0.0.1:5401) -> stunnel4 server on
               B -> plain server on B's loopback; TLS 1.3,
               TLS_AES_128_GCM_SHA256, ECDSA P-256 self-signed certificate
               made at run time, sessionResume = no (a full handshake each)
  stunnel_res  the same with session resumption (second stunnel client,
               sessionResume = yes; every measured connection resumes)

Measurements, each repeated BENCH_REPS times (5; interleaved: every rep
runs every contender once, in a rotated order) and reported as median and
min..max:
  bulk1/bulk4 A->B, B->A  throughput of 1 or 4 connections, measured by the
               receiver after a warm-up
  rr64/rr4k    round trips of 64 B / 4 KiB (echo) over one established
               connection: p50 and p99
  connect      sequential connect + 1-byte exchange + close: connections
               per second, and time to first byte (connect() to the echoed
               byte): p50, p99
  cpu/GB       CPU seconds per GB (1e9 bytes) moved during the bulk runs:
               usage_usec of the cgroups that hold every process involved
               (load generator, stunnel, both tcpincd), plus ksoftirqd,
               over the receiver's window; /proc/stat's system-wide busy
               time is recorded beside it (raw data) as a cross-check
  memory       tcpincd RSS per idle encrypted connection: fresh daemons,
               BENCH_MEM_CONNS (10,000) connections held open, (RSS after -
               RSS before) / N on each host

Environment: BENCH_QUICK=1 (2 reps, short runs, 1,000 idle connections),
BENCH_REPS, BENCH_MEM_CONNS, BENCH_OUT (default bench/out),
BENCH_HALT_POLL_NS (in a guest with the haltpoll cpuidle governor: how long
an idle vCPU polls before it halts, set for the run and restored after it;
the run records the value in effect either way, since it decides what a
wake-up costs on an idle guest). For working on one figure: BENCH_TESTS
(comma-separated test names below, and "memory") and BENCH_CONTENDERS
(comma-separated contender names) run a subset.
`bench.py --report OUT/results.json` prints the table and redraws the plots
of an earlier run (into BENCH_OUT, default the file's directory).
Writes results.json, runs.csv, summary.csv, table.txt and *.png to the
output directory. Exit status 0 when the measurements ran (targets met or
not), 1 when the harness itself failed.
"""

import json
import os
import random
import re
import resource
import selectors
import shutil
import signal
import statistics
import subprocess
import sys
import socket
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(REPO, "build")
TCPINC = os.path.join(BUILD, "tcpinc")
TCPBENCH = os.path.join(BUILD, "bench", "tcpbench")
OUT = os.environ.get("BENCH_OUT") or os.path.join(REPO, "bench", "out")
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
HALT_POLL = "/sys/module/haltpoll/parameters/guest_halt_poll_ns"
CPUIDLE = "/sys/devices/system/cpu/cpuidle"


def env_int(name, default):
    v = os.environ.get(name, "")
    return int(v) if v.strip() else default


CFG = {
    "quick": QUICK,
    "reps": env_int("BENCH_REPS", 2 if QUICK else 5),
    "bulk_s": 0.5 if QUICK else 2.0,
    "bulk_warmup_s": 0.1 if QUICK else 0.25,
    "rr_s": 0.4 if QUICK else 1.5,
    "rr_warmup_s": 0.1 if QUICK else 0.2,
    "connect_s": 0.4 if QUICK else 1.5,
    "ttfb_first_per_rep": 5 if QUICK else 10,
    "mem_conns": env_int("BENCH_MEM_CONNS", 1000 if QUICK else 10000),
    "settle_s": 0.15 if QUICK else 0.3,
    "io_size": 131072,
}

PREFIX = "tcib"
NET = "10.88"
ADDR_A = NET + ".0.1"
ADDR_B = NET + ".0.2"
IFACE = "veth0"
PORT_PLAIN, PORT_ENC, PORT_RESUME, PORT_MEM = 5201, 5301, 5302, 5303
PORT_STUNNEL_BACKEND = 5203
PORT_STUNNEL, PORT_STUNNEL_RES = 5401, 5402

# name, label, client cgroup (A), kind
CONTENDERS = [
    ("plain", "plain TCP", "a-plain", "plain"),
    ("aes128", "tcpinc AES-128-GCM", "a-aes128", "tcpinc"),
    ("aes256", "tcpinc AES-256-GCM", "a-aes256", "tcpinc"),
    ("chacha", "tcpinc ChaCha20-Poly1305", "a-chacha", "tcpinc"),
    ("resume", "tcpinc resumed", "a-resume", "resume"),
    ("ktls", "tcpinc kernel TLS AES-128-GCM", "a-ktls", "tcpinc"),
    ("fb_first", "tcpinc fallback, 1st conn", "a-fb", "fallback"),
    ("fb_later", "tcpinc fallback, later", "a-fb", "fallback"),
    ("stunnel", "stunnel TLS1.3 AES128GCM", "a-plain", "stunnel"),
    ("stunnel_res", "stunnel resumed", "a-plain", "stunnel"),
]
LABEL = {c[0]: c[1] for c in CONTENDERS}
CGROUP_OF = {c[0]: c[2] for c in CONTENDERS}
KIND = {c[0]: c[3] for c in CONTENDERS}
AEAD_OF = {"aes128": "0x0001", "aes256": "0x0002", "chacha": "0x0010",
           "ktls": "0x0001",
           "resume": "0x0001", "fb_first": "0x0001", "fb_later": "0x0001"}



def ktls_available():
    """The TLS ULP exists (tcpincd's own probe: ENOTCONN, not ENOENT)."""
    with socket.socket() as s:
        try:
            s.setsockopt(socket.IPPROTO_TCP, 31, b"tls")  # TCP_ULP
        except OSError as e:
            return e.errno == 107  # ENOTCONN
    return False


KTLS = ["ktls"] if ktls_available() else []
BULK = ["plain", "aes128", "aes256", "chacha"] + KTLS + ["fb_later", "stunnel"]
RR = ["plain", "aes128", "aes256", "chacha"] + KTLS + ["fb_first", "fb_later",
                                                      "stunnel"]
CONNECT = ["plain", "aes128"] + KTLS + ["resume", "fb_later", "stunnel",
                                        "stunnel_res"]

# test name -> (tool mode, extra args, contenders)
TESTS = [
    ("bulk1_ab", "send", ["--streams", "1"], BULK + ["fb_first"]),
    ("bulk1_ba", "recv", ["--streams", "1"], BULK + ["fb_first"]),
    ("bulk4_ab", "send", ["--streams", "4"], BULK),
    ("bulk4_ba", "recv", ["--streams", "4"], BULK),
    ("rr64", "rr", ["--size", "64"], RR),
    ("rr4k", "rr", ["--size", "4096"], RR),
    ("connect", "connect", [], CONNECT),
    ("ttfb_first", "connect", [], ["fb_first"]),
]



def env_list(name):
    v = os.environ.get(name, "").strip()
    return [x.strip() for x in v.split(",") if x.strip()] if v else None


ONLY_TESTS = env_list("BENCH_TESTS")
ONLY_CONTENDERS = env_list("BENCH_CONTENDERS")
if ONLY_TESTS:
    TESTS = [t for t in TESTS if t[0] in ONLY_TESTS]
if ONLY_CONTENDERS:
    TESTS = [(t, m, e, [n for n in names if n in ONLY_CONTENDERS])
             for t, m, e, names in TESTS]
    TESTS = [t for t in TESTS if t[3]]
MEASURE_MEMORY = not ONLY_TESTS or "memory" in ONLY_TESTS

# metric -> (title, unit, higher is better)
METRICS = {
    "bulk1_ab": ("bulk, 1 stream, A->B", "Gbit/s", True),
    "bulk1_ba": ("bulk, 1 stream, B->A", "Gbit/s", True),
    "bulk4_ab": ("bulk, 4 streams, A->B", "Gbit/s", True),
    "bulk4_ba": ("bulk, 4 streams, B->A", "Gbit/s", True),
    "cpu_per_gb": ("CPU per GB moved (bulk runs, all processes)", "s/GB", False),
    "rr64_p50": ("request/response 64 B, p50", "us", False),
    "rr64_p99": ("request/response 64 B, p99", "us", False),
    "rr4k_p50": ("request/response 4 KiB, p50", "us", False),
    "rr4k_p99": ("request/response 4 KiB, p99", "us", False),
    "conn_rate": ("connection setup rate (sequential)", "conn/s", True),
    "ttfb_p50": ("time to first byte, p50", "us", False),
    "ttfb_p99": ("time to first byte, p99", "us", False),
    "mem_per_conn": ("memory per idle encrypted connection", "KiB", False),
}


def log(msg):
    print(f"bench: {msg}", flush=True)


class HarnessError(Exception):
    pass


def run(argv, check=True, timeout=60, input=None):
    p = subprocess.run(argv, input=input, capture_output=True, text=True,
                       timeout=timeout)
    if check and p.returncode != 0:
        raise HarnessError(f"{' '.join(argv)}: exit {p.returncode}: "
                           f"{(p.stderr or p.stdout).strip()[-600:]}")
    return p


def median(v):
    return statistics.median(v) if v else None


class Bench:
    def __init__(self):
        self.id = os.getpid()
        self.ns = {"A": f"{PREFIX}-{self.id}-a", "B": f"{PREFIX}-{self.id}-b"}
        self.cg_root = None
        self.cg = None
        self.tmp = None
        self.procs = []
        self.cpu_fds = []
        self.cpu_names = []
        self.fresh_pool = []
        self.warnings = []
        self.runs = []
        self.failed_runs = 0
        self.verified = {}
        self.mem = {}
        self.info = {}
        self.ns_created = []
        self.host_pin_before = os.path.exists("/sys/fs/bpf/tcpinc")
        self.stunnel_logs = {}
        self.halt_poll_want = ""  # BENCH_HALT_POLL_NS, read by preflight()
        self.halt_poll_before = None  # restored by cleanup() when set

    # ---- helpers ----------------------------------------------------------

    def nsx(self, host, *argv, **kw):
        return run(["ip", "netns", "exec", self.ns[host], *argv], **kw)

    def tcpinc(self, host, *args, **kw):
        return self.nsx(host, TCPINC, *args, **kw)

    def stats(self, host="A"):
        out = self.tcpinc(host, "stats", "-j").stdout
        return json.loads(out)["counters"]

    def show(self, host="A"):
        return json.loads(self.tcpinc(host, "show", "-j", timeout=120).stdout)

    def spawn(self, host, cgroup, argv, stdin=subprocess.DEVNULL,
              stdout=None, pass_fds=(), stderr=None):
        """Start argv in a host, in one of our cgroups; stdout and stderr
        are pipes unless given (long-lived processes log to files, so
        that a pipe nobody reads cannot block them)."""
        cgdir = os.path.join(self.cg, cgroup)

        def into_cgroup():
            with open(os.path.join(cgdir, "cgroup.procs"), "w") as f:
                f.write(str(os.getpid()))

        p = subprocess.Popen(["ip", "netns", "exec", self.ns[host], *argv],
                             stdin=stdin,
                             stdout=stdout if stdout is not None else subprocess.PIPE,
                             stderr=stderr if stderr is not None else subprocess.PIPE,
                             preexec_fn=into_cgroup,
                             start_new_session=True, pass_fds=pass_fds)
        self.procs.append(p)
        return p

    @staticmethod
    def readline(p, timeout):
        """One line of p's stdout within timeout seconds, or None."""
        sel = selectors.DefaultSelector()
        sel.register(p.stdout, selectors.EVENT_READ)
        buf = b""
        deadline = time.monotonic() + timeout
        fd = p.stdout.fileno()
        try:
            while not buf.endswith(b"\n"):
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    return None
                chunk = os.read(fd, 1)
                if not chunk:
                    return None
                buf += chunk
        finally:
            sel.close()
        return buf.decode()

    def daemon_pid(self, host):
        out = run(["ip", "netns", "pids", self.ns[host]], check=False).stdout
        for pid in out.split():
            try:
                with open(f"/proc/{pid}/comm") as f:
                    if f.read().strip() == "tcpincd":
                        return int(pid)
            except OSError:
                pass
        return None

    @staticmethod
    def rss_kib(pid):
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return None

    def netns_ino(self, host):
        return os.stat(f"/run/netns/{self.ns[host]}").st_ino

    def warn(self, msg):
        self.warnings.append(msg)
        log(f"WARNING: {msg}")

    # ---- setup ------------------------------------------------------------

    def preflight(self):
        if os.geteuid() != 0:
            raise HarnessError("run as root (network namespaces, cgroups, BPF)")
        for f in (TCPINC, os.path.join(BUILD, "tcpincd"), TCPBENCH):
            if not os.access(f, os.X_OK):
                raise HarnessError(f"{f} missing: run make first")
        for tool in ("stunnel4", "openssl", "gnuplot", "ip"):
            if not shutil.which(tool):
                raise HarnessError(f"{tool} missing: run bash selftests/install-deps.sh")
        with open("/proc/self/mounts") as f:
            for line in f:
                fields = line.split()
                if fields[2] == "cgroup2":
                    self.cg_root = fields[1]
                    break
        if not self.cg_root:
            raise HarnessError("no cgroup2 mount")
        want = os.environ.get("BENCH_HALT_POLL_NS", "").strip()
        self.halt_poll_want = want
        if want and not os.path.exists(HALT_POLL):
            raise HarnessError("BENCH_HALT_POLL_NS: no haltpoll cpuidle governor "
                               f"here ({HALT_POLL} missing)")
        if want and not want.isdigit():
            raise HarnessError(f"BENCH_HALT_POLL_NS: {want!r} is not a number "
                               "of nanoseconds")

    def set_halt_poll(self):
        """BENCH_HALT_POLL_NS for this run only (preflight checked it)."""
        want = self.halt_poll_want
        if not want:
            return
        with open(HALT_POLL) as f:
            before = f.read().strip()
        with open(HALT_POLL, "w") as f:
            f.write(want)
        self.halt_poll_before = before
        log(f"guest_halt_poll_ns {before} -> {want} for this run")

    def prune_stale(self):
        """Remove what an earlier run killed with SIGKILL left behind."""
        def dead(pid):
            return not os.path.exists(f"/proc/{pid}")

        out = run(["ip", "netns", "list"], check=False).stdout
        for line in out.splitlines():
            name = line.split()[0] if line.split() else ""
            m = re.fullmatch(PREFIX + r"-(\d+)-[ab]", name)
            if m and dead(m.group(1)):
                log(f"removing {name}, left by an earlier run")
                run(["ip", "netns", "exec", name, TCPINC, "down"], check=False,
                    timeout=30)
                self.kill_ns(name)
                run(["ip", "netns", "del", name], check=False)
        for d in os.listdir(self.cg_root):
            m = re.fullmatch(PREFIX + r"-(\d+)", d)
            if m and dead(m.group(1)):
                log(f"removing cgroup {d}, left by an earlier run")
                self.remove_cgroup(os.path.join(self.cg_root, d))

    def setup_net(self):
        a, b = self.ns["A"], self.ns["B"]
        for ns in (a, b):
            run(["ip", "netns", "add", ns])
            self.ns_created.append(ns)
        run(["ip", "-n", a, "link", "add", IFACE, "type", "veth", "peer",
             "name", IFACE, "netns", b])
        for ns in (a, b):
            run(["ip", "-n", ns, "link", "set", "lo", "up"])
            run(["ip", "-n", ns, "link", "set", IFACE, "up"])
            # bench-only settings, gone with the namespace
            self.nsx("A" if ns == a else "B", "sysctl", "-qw",
                     "net.ipv4.tcp_tw_reuse=1",
                     "net.ipv4.ip_local_port_range=20000 60999",
                     "net.core.somaxconn=8192",
                     "net.ipv4.tcp_max_syn_backlog=8192")
        run(["ip", "-n", a, "addr", "add", ADDR_A + "/16", "dev", IFACE])
        run(["ip", "-n", b, "addr", "add", ADDR_B + "/16", "dev", IFACE])
        n_fresh = CFG["reps"] * (4 + CFG["ttfb_first_per_rep"]) + 4
        if n_fresh > 250:
            raise HarnessError("too many repetitions for the address pool")
        self.fresh_pool = [f"{NET}.1.{i}" for i in range(1, n_fresh + 1)]
        batch = "".join(f"addr add {ip}/16 dev {IFACE}\n" for ip in self.fresh_pool)
        run(["ip", "-n", b, "-batch", "-"], input=batch)
        # Permanent neighbour entries: no ARP in any measured connection
        # (a fresh address would otherwise pay for one).
        mac = {}
        for h, ns in (("A", a), ("B", b)):
            out = run(["ip", "-n", ns, "-j", "link", "show", IFACE]).stdout
            mac[h] = json.loads(out)[0]["address"]
        batch = "".join(f"neigh replace {ip} lladdr {mac['B']} dev {IFACE} nud permanent\n"
                        for ip in [ADDR_B] + self.fresh_pool)
        run(["ip", "-n", a, "-batch", "-"], input=batch)
        run(["ip", "-n", b, "neigh", "replace", ADDR_A, "lladdr", mac["A"],
             "dev", IFACE, "nud", "permanent"])
        for _ in range(50):
            up = all("state UP" in run(["ip", "-n", ns, "link", "show", IFACE]).stdout
                     for ns in (a, b))
            if up:
                break
            time.sleep(0.1)
        else:
            raise HarnessError("veth link not up")

    def setup_cgroups(self):
        self.cg = os.path.join(self.cg_root, f"{PREFIX}-{self.id}")
        os.mkdir(self.cg)
        for d in ("a-plain", "a-aes128", "a-aes256", "a-chacha", "a-resume",
                  "a-ktls", "a-fb", "a-stunnel", "b-plain", "b-enc", "b-resume",
                  "b-stunnel"):
            os.mkdir(os.path.join(self.cg, d))

    def daemons_up(self):
        for h in ("A", "B"):
            self.tcpinc(h, "up")
            self.tcpinc(h, "show", "-j")
        frames = ["--teps", "0x23"]  # not TEP 0x20, where kernel TLS is
        att = [
            ("A", "a-aes128", frames + ["--aeads", "0x0001"]),
            ("A", "a-aes256", frames + ["--aeads", "0x0002"]),
            ("A", "a-chacha", frames + ["--aeads", "0x0010"]),
            ("A", "a-resume", frames + ["--resume", "--aeads", "0x0001"]),
            ("A", "a-fb", frames + ["--aeads", "0x0001"]),
            ("B", "b-enc", ["--aeads", "0x0001,0x0002,0x0010"]),
            ("B", "b-resume", ["--resume", "--aeads", "0x0001"]),
        ]
        if KTLS:
            att.append(("A", "a-ktls", ["--teps", "0x20", "--aeads", "0x0001"]))
        for h, cg, opts in att:
            self.tcpinc(h, "attach", *opts, os.path.join(self.cg, cg))

    def start_server(self, cgroup, port, bind="0.0.0.0"):
        errf = os.path.join(self.tmp, f"server-{port}.err")
        with open(errf, "w") as err:
            p = self.spawn("B", cgroup, [TCPBENCH, "server", "--bind", bind,
                                         "--port", str(port)], stderr=err)
        line = self.readline(p, 10)
        if not line or "listening" not in line:
            with open(errf) as f:
                raise HarnessError(f"tcpbench server on port {port} did not "
                                   f"start: {f.read()[-500:]}")

    def setup_stunnel(self):
        t = self.tmp
        run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
             "-subj", "/CN=tcpinc-bench", "-keyout", f"{t}/key.pem",
             "-out", f"{t}/cert.pem"])
        common = ("sslVersionMin = TLSv1.3\nsslVersionMax = TLSv1.3\n"
                  "ciphersuites = TLS_AES_128_GCM_SHA256\n"
                  "socket = l:TCP_NODELAY=1\nsocket = r:TCP_NODELAY=1\n")
        glob = "foreground = quiet\npid =\nsyslog = no\ndebug = info\n"
        srv = glob + f"output = {t}/stunnel-b.log\n"
        for name, port in (("fresh", PORT_STUNNEL), ("resume", PORT_STUNNEL_RES)):
            srv += (f"[{name}]\naccept = {ADDR_B}:{port}\n"
                    f"connect = 127.0.0.1:{PORT_STUNNEL_BACKEND}\n"
                    f"cert = {t}/cert.pem\nkey = {t}/key.pem\n" + common)
        with open(f"{t}/stunnel-b.conf", "w") as f:
            f.write(srv)
        for name, port, resume in (("stunnel", PORT_STUNNEL, "no"),
                                   ("stunnel_res", PORT_STUNNEL_RES, "yes")):
            logf = f"{t}/{name}-a.log"
            self.stunnel_logs[name] = logf
            with open(f"{t}/{name}-a.conf", "w") as f:
                f.write(glob + f"output = {logf}\n[{name}]\nclient = yes\n"
                        f"accept = 127.0.0.1:{port}\nconnect = {ADDR_B}:{port}\n"
                        f"sessionResume = {resume}\n" + common)
        for host, cg, conf in (("B", "b-stunnel", "stunnel-b"),
                               ("A", "a-stunnel", "stunnel-a"),
                               ("A", "a-stunnel", "stunnel_res-a")):
            with open(f"{t}/{conf}.err", "w") as err:
                self.spawn(host, cg, ["stunnel4", f"{t}/{conf}.conf"],
                           stdout=subprocess.DEVNULL, stderr=err)
        for host, port in (("B", PORT_STUNNEL), ("B", PORT_STUNNEL_RES),
                           ("A", PORT_STUNNEL), ("A", PORT_STUNNEL_RES)):
            for _ in range(100):
                if self.nsx(host, "ss", "-Hltn", f"sport = :{port}").stdout.strip():
                    break
                time.sleep(0.1)
            else:
                errs = ""
                for conf in ("stunnel-b", "stunnel-a", "stunnel_res-a"):
                    with open(f"{t}/{conf}.err", errors="replace") as f:
                        errs += f.read()[-300:]
                raise HarnessError(f"stunnel does not listen on {host}:{port}: {errs}")

    def open_cpu_sources(self):
        srcs = [("system", "stat", "/proc/stat"),
                ("bench", "cg", os.path.join(self.cg, "cpu.stat"))]
        for h in ("A", "B"):
            d = os.path.join(self.cg_root, f"tcpinc.daemon.{self.netns_ino(h)}")
            if os.path.exists(d):
                srcs.append((f"tcpincd_{h}", "cg", os.path.join(d, "cpu.stat")))
            else:
                self.warn(f"no daemon cgroup {d}: tcpincd {h}'s CPU is not counted")
        for pid in os.listdir("/proc"):
            if pid.isdigit():
                try:
                    with open(f"/proc/{pid}/comm") as f:
                        comm = f.read().strip()
                except OSError:
                    continue
                if comm.startswith("ksoftirqd/"):
                    srcs.append((comm, "pid", f"/proc/{pid}/stat"))
        for name, kind, path in srcs:
            self.cpu_fds.append(os.open(path, os.O_RDONLY))
            self.cpu_names.append(name)
        self.cpu_kinds = [k for _, k, _ in srcs]

    def cpu_args(self):
        args = []
        for fd, kind in zip(self.cpu_fds, self.cpu_kinds):
            args += ["--cpu", f"{kind}:/proc/self/fd/{fd}"]
        return args

    # ---- one measurement --------------------------------------------------

    def target(self, name):
        """(addresses, port) of a contender's server, as the client sees it."""
        if name == "plain" or name == "fb_later":
            return [ADDR_B], PORT_PLAIN
        if name == "fb_first":
            return [self.fresh_pool.pop(0)], PORT_PLAIN
        if KIND[name] == "tcpinc":
            return [ADDR_B], PORT_ENC
        if name == "resume":
            return [ADDR_B], PORT_RESUME
        if name == "stunnel":
            return ["127.0.0.1"], PORT_STUNNEL
        if name == "stunnel_res":
            return ["127.0.0.1"], PORT_STUNNEL_RES
        raise HarnessError(name)

    def client(self, name, mode, extra, addrs, port, timeout):
        argv = [TCPBENCH, "client", "--connect", ",".join(addrs),
                "--port", str(port), "--mode", mode,
                "--timeout", str(int(timeout)), *extra]
        fds = ()
        if mode in ("send", "recv"):
            argv += self.cpu_args()
            fds = tuple(self.cpu_fds)
        p = self.spawn("A", CGROUP_OF[name], argv, pass_fds=fds)
        try:
            out, err = p.communicate(timeout=timeout + 10)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
        self.procs.remove(p)
        lines = out.decode().strip().splitlines()
        res = None
        if lines:
            try:
                res = json.loads(lines[-1])
            except ValueError:
                res = None
        if p.returncode != 0 or not res or not res.get("ok"):
            return None, (f"exit {p.returncode}: {err.decode().strip()[-300:]} "
                          f"{(lines[-1] if lines else '')[:300]}")
        return res, None

    def counters_snapshot(self, name):
        if KIND[name] in ("plain", "stunnel"):
            snap = {}
            if KIND[name] == "stunnel":
                with open(self.stunnel_logs[name], errors="replace") as f:
                    text = f.read()
                snap["ssl_new"] = len(re.findall(r"connected: new session negotiated", text))
                snap["ssl_reused"] = len(re.findall(r"connected: previous session reused", text))
            if KIND[name] == "plain":
                snap["conn_out"] = self.stats("A").get("conn_out", 0)
            return snap
        return self.stats("A")

    def check(self, name, test, before, after, conns):
        """Does the run show what the contender claims? A list of problems."""
        d = {k: after.get(k, 0) - before.get(k, 0) for k in after}
        fb = sum(v for k, v in d.items() if k.startswith("fallback_"))
        ab = sum(v for k, v in d.items() if k.startswith("abort_"))
        kind = KIND[name]
        bad = []
        if kind == "plain" and d.get("conn_out", 0):
            bad.append(f"tcpincd saw {d['conn_out']} plain-TCP connections")
        if kind in ("tcpinc", "resume"):
            if d.get("negotiated", 0) < conns or fb or ab:
                bad.append(f"expected {conns} encrypted: negotiated "
                           f"+{d.get('negotiated', 0)}, fallbacks +{fb}, aborts +{ab}")
        if kind == "resume" and test == "connect" and d.get("resumed", 0) < conns:
            bad.append(f"expected {conns} resumed, resumed +{d.get('resumed', 0)}")
        if kind == "fallback" and (d.get("negotiated", 0) or ab):
            bad.append(f"fallback contender: negotiated +{d.get('negotiated', 0)}, aborts +{ab}")
        if name == "stunnel" and d.get("ssl_reused", 0):
            bad.append(f"stunnel fresh: {d['ssl_reused']} sessions reused")
        if name == "stunnel_res" and test == "connect" and d.get("ssl_reused", 0) < conns:
            bad.append(f"stunnel resumed: {d.get('ssl_reused', 0)} of {conns} reused")
        return bad, d

    def measure(self, rep, test, mode, extra, name):
        addrs, port = self.target(name)
        if test == "ttfb_first":
            addrs = [addrs[0]] + [self.fresh_pool.pop(0)
                                  for _ in range(CFG["ttfb_first_per_rep"] - 1)]
        if mode in ("send", "recv"):
            extra = extra + ["--seconds", str(CFG["bulk_s"]),
                             "--warmup", str(CFG["bulk_warmup_s"])]
            timeout = CFG["bulk_s"] + 60
        elif mode == "rr":
            extra = extra + ["--seconds", str(CFG["rr_s"]),
                             "--warmup", str(CFG["rr_warmup_s"])]
            timeout = CFG["rr_s"] + 60
        elif test == "ttfb_first":
            extra = extra + ["--seconds", "60", "--count", str(len(addrs))]
            timeout = 90
        else:
            extra = extra + ["--seconds", str(CFG["connect_s"]),
                             "--warmup-conns", "1"]
            timeout = CFG["connect_s"] + 60
        before = self.counters_snapshot(name)
        res, err = self.client(name, mode, extra, addrs, port, timeout)
        time.sleep(CFG["settle_s"])  # let closing connections drain
        after = self.counters_snapshot(name)
        rec = {"rep": rep, "test": test, "contender": name, "addrs": addrs,
               "port": port, "result": res, "error": err}
        if res is None:
            self.failed_runs += 1
            self.warn(f"{test} {name} (rep {rep + 1}) failed: {err}")
        else:
            conns = 1
            if mode in ("send", "recv"):
                conns = res["streams"]
            elif mode == "connect":
                conns = res["conns"]
            bad, delta = self.check(name, test, before, after, conns)
            rec["counters_delta"] = {k: v for k, v in delta.items() if v}
            if bad:
                rec["check_failed"] = bad
                self.warn(f"{test} {name} (rep {rep + 1}): " + "; ".join(bad))
            if mode in ("send", "recv"):
                self.add_cpu(rec)
        self.runs.append(rec)
        return rec

    def add_cpu(self, rec):
        res = rec["result"]
        win = res["cpu_window_ns"] / 1e9
        us = dict(zip(self.cpu_names, res["cpu_us"]))
        ours = sum(v for k, v in us.items() if k != "system" and v > 0)
        gb = res["gbps"] / 8 * win
        rec["cpu"] = {
            "window_s": win,
            "sources_us": us,
            "ours_s": ours / 1e6,
            "system_s": us.get("system", 0) / 1e6,
            "gb": gb,
            "background_cpus": (us.get("system", 0) - ours) / 1e6 / win if win else None,
        }

    # ---- verification of each contender, once, before measuring ----------

    def hold_one(self, name, addrs, port, warmups=0):
        """Open one idle connection, return A's `tcpinc show -j` row for it."""
        for _ in range(warmups):
            self.client(name, "connect", ["--count", "1", "--seconds", "10"],
                        addrs, port, 20)
        p = self.spawn("A", CGROUP_OF[name],
                       [TCPBENCH, "client", "--connect", ",".join(addrs),
                        "--port", str(port), "--mode", "hold", "--count", "1",
                        "--timeout", "60"], stdin=subprocess.PIPE)
        try:
            line = self.readline(p, 30)
            if not line or '"ready":1' not in line:
                return None, "no connection"
            time.sleep(0.1)
            rows = [r for r in self.show("A")["connections"]
                    if r["remote"] == f"{addrs[0]}:{port}"]
            return (rows[0] if rows else {}), None
        finally:
            p.stdin.close()
            p.wait(timeout=30)
            self.procs.remove(p)

    def verify(self):
        res, err = self.client("plain", "connect", ["--count", "3", "--seconds", "10"],
                               [ADDR_B], PORT_PLAIN, 20)
        self.verified["plain"] = "ok" if res else f"FAILED: {err}"
        for name in ["aes128", "aes256", "chacha", "resume"] + KTLS:
            addrs, port = self.target(name)
            row, err = self.hold_one(name, addrs, port,
                                     warmups=1 if name == "resume" else 0)
            want_tep = {"resume": "0xa3", "ktls": "0x20"}.get(name, "0x23")
            if err or not row:
                v = f"FAILED: {err or 'no row in tcpinc show'}"
            elif (row.get("state") != "encrypted" or row.get("aead") != AEAD_OF[name]
                  or row.get("tep") != want_tep):
                v = (f"FAILED: state {row.get('state')} aead {row.get('aead')} "
                     f"tep {row.get('tep')}, want encrypted {AEAD_OF[name]} {want_tep}")
            else:
                v = f"ok: encrypted, tep {row['tep']}, aead {row['aead']}"
            self.verified[name] = v
        # The fallback peer: the first connection falls back (the peer
        # becomes known), so the later ones are "later".
        row, err = self.hold_one("fb_later", [ADDR_B], PORT_PLAIN)
        if err:
            self.verified["fb_later"] = f"FAILED: {err}"
        elif row and row.get("state") != "plain":
            self.verified["fb_later"] = f"FAILED: state {row.get('state')}"
        else:
            self.verified["fb_later"] = ("ok: plain" + (f" ({row['reason']})" if row
                                                        else " (not relayed)"))
        for name in ("stunnel", "stunnel_res"):
            addrs, port = self.target(name)
            before = self.counters_snapshot(name)
            res, err = self.client(name, "connect", ["--count", "3", "--seconds", "10"],
                                   addrs, port, 20)
            time.sleep(0.3)
            after = self.counters_snapshot(name)
            with open(self.stunnel_logs[name], errors="replace") as f:
                text = f.read()
            suite = "TLS_AES_128_GCM_SHA256" in text and "TLSv1.3" in text
            new = after["ssl_new"] - before["ssl_new"]
            reused = after["ssl_reused"] - before["ssl_reused"]
            ok = res and suite and (reused == 0 if name == "stunnel" else reused >= 2)
            self.verified[name] = (f"{'ok' if ok else 'FAILED'}: TLSv1.3 "
                                   f"TLS_AES_128_GCM_SHA256 {'seen' if suite else 'NOT seen'}; "
                                   f"3 connections: {new} new, {reused} resumed"
                                   + (f"; {err}" if err else ""))
        for k, v in self.verified.items():
            log(f"check {k:12} {v}")
            if not v.startswith("ok"):
                self.warn(f"contender {k} is not what it claims: {v}")

    # ---- memory -------------------------------------------------------------

    def measure_memory(self):
        n = CFG["mem_conns"]
        log(f"memory: fresh daemons, {n} idle encrypted connections")
        for h in ("A", "B"):
            self.tcpinc(h, "down")
        for h in ("A", "B"):
            self.tcpinc(h, "up")
        self.tcpinc("A", "attach", "--aeads", "0x0001",
                    os.path.join(self.cg, "a-aes128"))
        self.tcpinc("B", "attach", "--aeads", "0x0001,0x0002,0x0010",
                    os.path.join(self.cg, "b-enc"))
        # A new server: a daemon learns its services' listeners when they
        # listen(), so the one listening since before the restart would no
        # longer be steered to it.
        self.start_server("b-enc", PORT_MEM)
        res, err = self.client("aes128", "connect", ["--count", "1", "--seconds", "10"],
                               [ADDR_B], PORT_MEM, 20)
        if err:
            raise HarnessError(f"memory: first connection failed: {err}")
        time.sleep(0.5)
        pid = {h: self.daemon_pid(h) for h in ("A", "B")}
        if not all(pid.values()):
            raise HarnessError("tcpincd not found after restart")
        before = {h: self.rss_kib(pid[h]) for h in pid}
        p = self.spawn("A", "a-aes128",
                       [TCPBENCH, "client", "--connect", ADDR_B, "--port",
                        str(PORT_MEM), "--mode", "hold", "--count", str(n),
                        "--timeout", "900"], stdin=subprocess.PIPE)
        res = {"conns": n, "rss_before_kib": before}
        try:
            line = self.readline(p, 600)
            ready = json.loads(line) if line else {}
            res["hold"] = ready
            if ready.get("ready") != n:
                self.warn(f"memory: only {ready.get('ready')} of {n} connections opened")
            time.sleep(1.0)
            res["rss_after_kib"] = {h: self.rss_kib(pid[h]) for h in pid}
            enc = {}
            for h in ("A", "B"):
                conns = self.show(h)["connections"]
                enc[h] = sum(1 for r in conns if r["state"] == "encrypted")
            res["encrypted_rows"] = enc
            opened = ready.get("ready") or 0
            for h in ("A", "B"):
                if enc[h] < opened:
                    self.warn(f"memory: {h} shows {enc[h]} encrypted connections, "
                              f"{opened} held")
            if opened:
                res["kib_per_conn"] = {
                    h: (res["rss_after_kib"][h] - before[h]) / opened for h in pid}
        finally:
            p.stdin.close()
            try:
                p.wait(timeout=120)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            self.procs.remove(p)
        time.sleep(1.0)
        res["rss_after_close_kib"] = {h: self.rss_kib(pid[h]) for h in pid}
        self.mem = res
        log(f"memory: {json.dumps(res.get('kib_per_conn'))} KiB per connection "
            f"(RSS {before} -> {res.get('rss_after_kib')} KiB)")

    # ---- the run --------------------------------------------------------------

    def background_load(self, seconds=1.0):
        def busy():
            with open("/proc/stat") as f:
                v = [int(x) for x in f.readline().split()[1:9]]
            return v[0] + v[1] + v[2] + v[5] + v[6] + v[7], sum(v)

        b0, t0 = busy()
        time.sleep(seconds)
        b1, t1 = busy()
        return (b1 - b0) / (t1 - t0) * os.cpu_count() if t1 > t0 else 0.0

    def raise_nofile(self):
        """Room for the idle connections: tcpincd holds two descriptors per
        relayed connection (the application's and the network's), and
        inherits this limit through `tcpinc up`."""
        want = 2 * CFG["mem_conns"] + 400
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (max(want, hard), max(want, hard)))
        except (ValueError, OSError):
            # no CAP_SYS_RESOURCE (a container): the hard limit is the limit
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            fit = (hard - 400) // 2
            if fit < CFG["mem_conns"]:
                self.warn(f"RLIMIT_NOFILE hard limit {hard} cannot be raised here "
                          f"(no CAP_SYS_RESOURCE): memory measured at {fit} "
                          f"connections instead of {CFG['mem_conns']}")
                CFG["mem_conns_requested"] = CFG["mem_conns"]
                CFG["mem_conns"] = fit
        self.info["nofile"] = resource.getrlimit(resource.RLIMIT_NOFILE)[1]

    def machine_info(self):
        info = {"kernel": os.uname().release, "cpus": os.cpu_count()}
        try:
            with open("/proc/cpuinfo") as f:
                m = re.search(r"model name\s*:\s*(.*)", f.read())
                info["cpu_model"] = m.group(1) if m else ""
        except OSError:
            pass
        info["tcpinc"] = run(["git", "-C", REPO, "describe", "--always", "--dirty"],
                             check=False).stdout.strip()
        info["stunnel"] = (run(["stunnel4", "-version"], check=False).stderr
                           .splitlines() or [""])
        info["stunnel"] = next((l.strip() for l in info["stunnel"]
                                if l.startswith("stunnel")), "")
        info["openssl"] = run(["openssl", "version"], check=False).stdout.strip()
        info["date"] = time.strftime("%Y-%m-%d %H:%M:%S %z")
        idle = []
        for f in ("current_driver", "current_governor"):
            try:
                with open(os.path.join(CPUIDLE, f)) as fh:
                    idle.append(fh.read().strip())
            except OSError:
                pass
        info["cpuidle"] = "/".join(idle)
        try:
            with open(HALT_POLL) as f:
                info["halt_poll_ns"] = int(f.read().strip())
        except (OSError, ValueError):
            info["halt_poll_ns"] = None
        info["halt_poll_set"] = self.halt_poll_before is not None
        return info

    def main(self):
        t_start = time.monotonic()
        self.preflight()
        self.raise_nofile()
        self.prune_stale()
        self.set_halt_poll()
        self.info.update(self.machine_info())
        self.info["background_cpus_before"] = round(self.background_load(), 2)
        log(f"{'QUICK ' if QUICK else ''}run {self.id}: {CFG['reps']} reps; "
            f"background load before start: {self.info['background_cpus_before']} "
            f"of {os.cpu_count()} CPUs busy")
        self.tmp = tempfile.mkdtemp(prefix=f"{PREFIX}-{self.id}-")
        self.setup_net()
        self.setup_cgroups()
        self.daemons_up()
        self.start_server("b-plain", PORT_PLAIN)
        self.start_server("b-enc", PORT_ENC)
        self.start_server("b-resume", PORT_RESUME)
        self.start_server("b-stunnel", PORT_STUNNEL_BACKEND, bind="127.0.0.1")
        self.setup_stunnel()
        self.open_cpu_sources()
        self.verify()
        n_runs = sum(len(t[3]) for t in TESTS) * CFG["reps"]
        done = 0
        for rep in range(CFG["reps"]):
            log(f"rep {rep + 1}/{CFG['reps']} ({time.monotonic() - t_start:.0f} s)")
            for test, mode, extra, names in TESTS:
                k = rep % len(names)
                for name in names[k:] + names[:k]:
                    self.measure(rep, test, mode, extra, name)
                    done += 1
        log(f"{done} of {n_runs} runs done, {self.failed_runs} failed")
        if MEASURE_MEMORY:
            self.measure_memory()
        self.info["duration_s"] = round(time.monotonic() - t_start)
        plain = [r for r in self.runs if r["contender"] == "plain"]
        if plain and all(r["result"] is None for r in plain):
            raise HarnessError("every plain-TCP run failed: the harness is broken")

    # ---- teardown -----------------------------------------------------------

    def kill_ns(self, ns):
        for sig in ("TERM", "KILL"):
            pids = run(["ip", "netns", "pids", ns], check=False).stdout.split()
            if not pids:
                return True
            run(["kill", f"-{sig}", *pids], check=False)
            for _ in range(30):
                if not run(["ip", "netns", "pids", ns], check=False).stdout.split():
                    return True
                time.sleep(0.1)
        return not run(["ip", "netns", "pids", ns], check=False).stdout.split()

    @staticmethod
    def remove_cgroup(top):
        dirs = []
        for d, _, _ in os.walk(top):
            dirs.append(d)
        for d in reversed(dirs):  # deepest first
            for _ in range(30):
                try:
                    with open(os.path.join(d, "cgroup.kill"), "w") as f:
                        f.write("1")
                except OSError:
                    pass
                try:
                    os.rmdir(d)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.1)
        return not os.path.exists(top)

    def cleanup(self):
        problems = []
        for p in self.procs:
            if p.poll() is None:
                p.kill()
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                problems.append(f"process {p.pid} does not die")
        inos = []
        for h, ns in self.ns.items():
            if ns not in self.ns_created:
                continue
            try:
                inos.append(self.netns_ino(h))
            except OSError:
                pass
            try:
                run(["ip", "netns", "exec", ns, TCPINC, "down"], check=False,
                    timeout=30)
            except subprocess.TimeoutExpired:
                problems.append(f"tcpinc down in {ns} timed out")
            if not self.kill_ns(ns):
                problems.append(f"processes survive in {ns}")
        for fd in self.cpu_fds:
            os.close(fd)
        self.cpu_fds = []
        if self.cg and os.path.exists(self.cg):
            if not self.remove_cgroup(self.cg):
                problems.append(f"cannot remove {self.cg}")
        if self.cg_root:
            for d in os.listdir(self.cg_root):
                if any(d == f"tcpinc.daemon.{i}" or d.startswith(f"tcpinc.run.{i}.")
                       for i in inos):
                    problems.append(f"tcpinc left {d}")
                    self.remove_cgroup(os.path.join(self.cg_root, d))
        for ns in self.ns_created:
            run(["ip", "netns", "del", ns], check=False)
        listed = run(["ip", "netns", "list"], check=False).stdout
        for ns in self.ns_created:
            if re.search(rf"^{re.escape(ns)}\b", listed, re.M):
                problems.append(f"netns {ns} still exists")
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
        if self.halt_poll_before is not None:
            try:
                with open(HALT_POLL, "w") as f:
                    f.write(self.halt_poll_before)
                log(f"cleanup: guest_halt_poll_ns back to {self.halt_poll_before}")
            except OSError as e:
                problems.append(f"cannot restore guest_halt_poll_ns "
                                f"{self.halt_poll_before}: {e}")
        if not self.host_pin_before and os.path.exists("/sys/fs/bpf/tcpinc"):
            problems.append("/sys/fs/bpf/tcpinc appeared on the host")
        for p in problems:
            log(f"cleanup: {p}")
        if not problems:
            log("cleanup: namespaces, cgroups, processes and temp files removed")
        return not problems


def on_signal(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def report_only(path):
    """--report RESULTS.JSON: the table and plots again, without measuring."""
    import report
    import types

    with open(path) as f:
        d = json.load(f)
    b = types.SimpleNamespace(runs=d["runs"], mem=d["memory"], info=d["machine"],
                              verified=d["checks"], warnings=d["warnings"],
                              cpu_names=d["cpu_sources"])
    out = os.environ.get("BENCH_OUT") or os.path.dirname(os.path.abspath(path))
    report.write(b, d["config"], METRICS, LABEL, out)
    return 0


def main():
    # report.py holds the statistics, table, targets and plots
    sys.dont_write_bytecode = True  # no __pycache__ in the source tree
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import report

    if len(sys.argv) == 3 and sys.argv[1] == "--report":
        return report_only(sys.argv[2])
    if len(sys.argv) != 1:
        print("usage: bench.py [--report RESULTS.JSON]", file=sys.stderr)
        return 2

    # SIGINT too: a shell that started us in the background ignores it
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)
    b = Bench()
    rc = 0
    try:
        b.main()
    except KeyboardInterrupt:
        log("interrupted")
        rc = 130
    except (HarnessError, OSError, subprocess.SubprocessError) as e:
        log(f"harness failure: {e}")
        rc = 1
    finally:
        for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(s, signal.SIG_IGN)
        clean = b.cleanup()
    if rc == 0:
        report.write(b, CFG, METRICS, LABEL, OUT)
        if not clean:
            rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main())
