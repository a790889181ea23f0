# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Statistics, table, targets, raw data and plots of a bench run (bench.py)."""

import csv
import json
import os
import shutil
import statistics
import subprocess

# One colour per contender in every plot.
COLOR = {"plain": "#555555", "aes128": "#1a9850", "aes256": "#66bd63",
         "chacha": "#a6d96a", "resume": "#3288bd", "fb_first": "#fdae61",
         "fb_later": "#f46d43", "stunnel": "#9e0142", "stunnel_res": "#d53e4f",
         "ktls": "#006837"}

MEM_LABEL = {"mem_A": "tcpincd on A (client side)",
             "mem_B": "tcpincd on B (server side)"}


def _values(bench, cfg, by_rep=None):
    """metric -> contender -> [one value per rep]; by_rep, if given, gets
    metric -> contender -> {rep: value} for pairing contenders per rep."""
    v = {}

    def add(metric, name, x, rep=None):
        if x is not None:
            v.setdefault(metric, {}).setdefault(name, []).append(x)
            if by_rep is not None and rep is not None:
                by_rep.setdefault(metric, {}).setdefault(name, {})[rep] = x

    cpu = {}  # (contender, rep) -> [ours_s, system_s, gb]
    for r in bench.runs:
        res, name, test = r["result"], r["contender"], r["test"]
        if res is None:
            continue
        rep = r["rep"]
        if test.startswith("bulk"):
            add(test, name, res["gbps"], rep)
            c = r.get("cpu")
            if c and c["gb"] > 0:
                acc = cpu.setdefault((name, rep), [0.0, 0.0, 0.0])
                acc[0] += c["ours_s"]
                acc[1] += c["system_s"]
                acc[2] += c["gb"]
        elif test.startswith("rr"):
            add(test + "_p50", name, res["rtt_us"]["p50"], rep)
            add(test + "_p99", name, res["rtt_us"]["p99"], rep)
        elif test in ("connect", "ttfb_first"):
            if test == "connect":
                add("conn_rate", name, res["rate"], rep)
            add("ttfb_p50", name, res["ttfb_us"]["p50"])
            add("ttfb_p99", name, res["ttfb_us"]["p99"])
    for (name, rep), (ours, system, gb) in sorted(cpu.items()):
        add("cpu_per_gb", name, ours / gb, rep)
        add("cpu_per_gb_sys", name, system / gb)
    per = bench.mem.get("kib_per_conn") or {}
    for h in ("A", "B"):
        if h in per:
            add("mem_per_conn", "mem_" + h, per[h])
    return v


def _ref(name):
    return "stunnel_res" if name in ("resume", "stunnel_res") else "stunnel"


def summarize(bench, cfg, metrics, by_rep=None):
    vals = _values(bench, cfg, by_rep)
    rows = []
    for metric in metrics:
        byc = vals.get(metric, {})
        med = {c: statistics.median(x) for c, x in byc.items()}
        for c, x in byc.items():
            m = med[c]
            xp = m / med["plain"] if med.get("plain") else None
            ref = _ref(c)
            if ref not in med:
                ref = "stunnel"
            xs = m / med[ref] if med.get(ref) else None
            rows.append({"metric": metric, "contender": c, "median": m,
                         "min": min(x), "max": max(x), "n": len(x),
                         "values": x, "x_plain": xp, "x_stunnel": xs,
                         "stunnel_ref": ref if xs is not None else None})
    return rows


def _get(rows, metric, contender):
    for r in rows:
        if r["metric"] == metric and r["contender"] == contender:
            return r["median"]
    return None


def targets(rows, by_rep=None):
    """PASS/MISS from the ratio of medians; beside it, the ratios of the
    two contenders' runs in each repetition (run back to back), whose
    spread shows how much a slow drift of the machine moved them."""
    t = []

    def ratio(name, m, ca, cb, op, limit):
        """Target m(ca) / m(cb) op limit."""
        a, b = _get(rows, m, ca), _get(rows, m, cb)
        ok = None
        r = None
        if a is not None and b:
            r = a / b
            ok = r >= limit if op == ">=" else r <= limit
        row = {"target": name, "ratio": r, "op": op, "limit": limit,
               "numerator": a, "denominator": b,
               "status": "NO DATA" if ok is None else ("PASS" if ok else "MISS")}
        if by_rep:
            ra, rb = by_rep.get(m, {}).get(ca, {}), by_rep.get(m, {}).get(cb, {})
            per = [ra[k] / rb[k] for k in sorted(ra) if k in rb and rb[k]]
            if per:
                row["per_rep"] = per
        t.append(row)

    bulk = [("bulk1_ab", "1 stream A->B"), ("bulk1_ba", "1 stream B->A"),
            ("bulk4_ab", "4 streams A->B"), ("bulk4_ba", "4 streams B->A")]
    for m, d in bulk:
        ratio(f"bulk AES-128-GCM, {d} >= 0.5x plain", m, "aes128", "plain",
              ">=", 0.5)
    ratio("rr 64 B p50 <= 0.75x stunnel", "rr64_p50", "aes128", "stunnel",
          "<=", 0.75)
    ratio("rr 64 B p99 <= 1x stunnel", "rr64_p99", "aes128", "stunnel",
          "<=", 1.0)
    ratio("fresh setup rate >= 3x stunnel fresh", "conn_rate", "aes128",
          "stunnel", ">=", 3.0)
    ratio("resumed setup rate >= 1.3x tcpinc fresh", "conn_rate", "resume",
          "aes128", ">=", 1.3)
    for m, d in bulk[:2]:
        ratio(f"fallback 1st connection, bulk {d} >= 0.6x plain", m,
              "fb_first", "plain", ">=", 0.6)
    for m, d in bulk:
        ratio(f"fallback later connections, bulk {d} >= 0.9x plain", m,
              "fb_later", "plain", ">=", 0.9)
    ratio("CPU per GB <= 0.6x stunnel", "cpu_per_gb", "aes128", "stunnel",
          "<=", 0.6)
    # kernel TLS (TEP 0x20): only where this run had it
    if _get(rows, "bulk1_ab", "ktls") is not None:
        for m, d in bulk:
            ratio(f"bulk kernel TLS AES-128-GCM, {d} >= 0.5x plain", m,
                  "ktls", "plain", ">=", 0.5)
        ratio("kernel TLS CPU per GB <= 0.6x stunnel", "cpu_per_gb", "ktls",
              "stunnel", "<=", 0.6)
    for h in ("A", "B"):
        v = _get(rows, "mem_per_conn", "mem_" + h)
        t.append({"target": f"tcpincd memory per idle encrypted connection, {h} <= 32 KiB",
                  "value_kib": v, "op": "<=", "limit": 32,
                  "status": "NO DATA" if v is None else ("PASS" if v <= 32 else "MISS")})
    return t


def _fmt(x, unit):
    if x is None:
        return "-"
    if unit == "Gbit/s":
        return f"{x:.2f}"
    if unit in ("s/GB",):
        return f"{x:.3f}"
    if abs(x) >= 100:
        return f"{x:.0f}"
    return f"{x:.1f}"


def table(bench, cfg, metrics, labels, rows, tgts):
    lab = dict(labels)
    lab.update(MEM_LABEL)
    info = bench.info
    out = []
    out.append(f"tcpinc bench {info.get('date', '')}: {info.get('tcpinc', '')}, "
               f"kernel {info.get('kernel', '')}, {info.get('cpus')} CPUs "
               f"({info.get('cpu_model', '')})")
    out.append(f"{info.get('stunnel', '')}; {info.get('openssl', '')}; "
               f"{cfg['reps']} reps{' (QUICK)' if cfg['quick'] else ''}: "
               f"bulk {cfg['bulk_s']} s, rr {cfg['rr_s']} s, connect {cfg['connect_s']} s "
               f"per run; memory at {cfg['mem_conns']} connections")
    if info.get("cpuidle"):
        hp = info.get("halt_poll_ns")
        line = f"cpuidle {info['cpuidle']}"
        if hp is not None:
            line += f", guest_halt_poll_ns {hp}"
            line += " (set for this run)" if info.get("halt_poll_set") else ""
            if hp == 0:
                line += (" (no polling: a halted vCPU wakes through the "
                         "hypervisor, so every cross-CPU wake-up is slow)")
        out.append(line)
    bg = [r["cpu"]["background_cpus"] for r in bench.runs
          if r.get("cpu") and r["cpu"].get("background_cpus") is not None]
    if bg:
        out.append(f"background load (other processes): {info.get('background_cpus_before')} "
                   f"CPUs before start, median {statistics.median(bg):.2f} CPUs during "
                   f"bulk runs")
        if statistics.median(bg) > 0.25:
            out.append("  (the machine was not idle: figures and spreads are noisy; each "
                       "rep runs every contender back to back, so slow drift hits all alike)")
    out.append("median [min .. max] over reps; x plain / x stunnel: ratio of medians "
               "(x stunnel: to stunnel resumed for the resumed rows)")
    out.append("")
    hdr = f"  {'contender':28} {'median':>9}  {'min .. max':>19}  {'x plain':>8} {'x stunnel':>9}"
    for metric, (title, unit, higher) in metrics.items():
        mrows = [r for r in rows if r["metric"] == metric]
        if not mrows:
            continue
        order = list(lab)
        mrows.sort(key=lambda r: order.index(r["contender"]) if r["contender"] in order else 99)
        out.append(f"{title} ({unit}, {'higher' if higher else 'lower'} is better)")
        out.append(hdr)
        for r in mrows:
            rng = f"{_fmt(r['min'], unit)} .. {_fmt(r['max'], unit)}"
            xp = f"{r['x_plain']:.2f}" if r["x_plain"] is not None else "-"
            xs = f"{r['x_stunnel']:.2f}" if r["x_stunnel"] is not None else "-"
            out.append(f"  {lab.get(r['contender'], r['contender']):28} "
                       f"{_fmt(r['median'], unit):>9}  {rng:>19}  {xp:>8} {xs:>9}")
        out.append("")
    m = bench.mem
    if m.get("rss_before_kib"):
        out.append(f"memory: {m.get('conns')} idle encrypted connections; tcpincd RSS "
                   f"before {m['rss_before_kib']} KiB, with them {m.get('rss_after_kib')} "
                   f"KiB, after closing {m.get('rss_after_close_kib')} KiB")
        out.append("")
    out.append("contender checks: " + "; ".join(f"{k} {v}" for k, v in bench.verified.items()))
    out.append("")
    out.append("targets (issue 5), from this run's medians:")
    for t in tgts:
        detail = ""
        if "ratio" in t:
            val = f"{t['ratio']:.3f}x" if t["ratio"] is not None else "-"
            if t["ratio"] is not None:
                detail = f"({t['numerator']:.4g} / {t['denominator']:.4g})"
            per = t.get("per_rep")
            if per and len(per) > 1:
                detail += f" per rep {min(per):.2f}..{max(per):.2f}"
        else:
            val = f"{t['value_kib']:.1f} KiB" if t.get("value_kib") is not None else "-"
        out.append(f"  [{t['status']:>7}] {t['target']:62} {val:>9} {detail}".rstrip())
    met = sum(1 for t in tgts if t["status"] == "PASS")
    out.append(f"  {met} of {len(tgts)} targets met")
    if bench.warnings:
        out.append("")
        out.append(f"{len(bench.warnings)} warning(s):")
        out.extend(f"  {w}" for w in bench.warnings)
    return "\n".join(out) + "\n"


def _bar_plot(gdir, png, title, ylabel, clusters, contenders, rows, lab, logy=False):
    """Clustered bars (median) with min..max error bars."""
    dat = os.path.join(gdir, os.path.basename(png).replace(".png", ".dat"))
    names = [c for c in contenders
             if any(_get(rows, m, c) is not None for m, _ in clusters)]
    if not names:
        return False
    with open(dat, "w") as f:
        f.write("# cluster " + " ".join(f"{c}_median {c}_min {c}_max" for c in names) + "\n")
        for m, label in clusters:
            cells = []
            for c in names:
                r = next((r for r in rows if r["metric"] == m and r["contender"] == c), None)
                cells += ([f"{r['median']:.6g}", f"{r['min']:.6g}", f"{r['max']:.6g}"]
                          if r else ["?", "?", "?"])
            f.write(f'"{label}" ' + " ".join(cells) + "\n")
    plots = []
    for i, c in enumerate(names):
        col = 2 + 3 * i
        src = f"'{dat}'" if i == 0 else "''"
        xt = ":xtic(1)" if i == 0 else ""
        plots.append(f'{src} using {col}:{col + 1}:{col + 2}{xt} '
                     f'title "{lab.get(c, c)}" lc rgb "{COLOR.get(c, "#000000")}"')
    gp = os.path.join(gdir, os.path.basename(png).replace(".png", ".gp"))
    with open(gp, "w") as f:
        f.write(f"""set terminal pngcairo size 1100,560 font ",10"
set output '{png}'
set title "{title}"
set ylabel "{ylabel}"
set datafile missing "?"
set style data histogram
set style histogram errorbars gap 2 lw 1
set style fill solid 0.8 border -1
set key outside right top vertical
set grid ytics
set yrange [{'*' if logy else '0'}:*]
{'set logscale y' if logy else ''}
set boxwidth 0.9
plot {', '.join(plots)}
""")
    p = subprocess.run(["gnuplot", gp], capture_output=True, text=True)
    if p.returncode != 0:
        print(f"bench: gnuplot {gp}: {p.stderr.strip()[-300:]}")
        return False
    return True


def plots(out, rows, lab):
    gdir = os.path.join(out, "gnuplot")
    os.makedirs(gdir, exist_ok=True)
    allc = list(lab)
    made = []
    specs = [
        ("bulk.png", "Bulk throughput (median, min..max)", "Gbit/s",
         [("bulk1_ab", "1 stream A->B"), ("bulk1_ba", "1 stream B->A"),
          ("bulk4_ab", "4 streams A->B"), ("bulk4_ba", "4 streams B->A")], False),
        ("cpu.png", "CPU seconds per GB moved (bulk runs, all processes)", "CPU s / GB",
         [("cpu_per_gb", "cgroups + ksoftirqd"),
          ("cpu_per_gb_sys", "system-wide /proc/stat")], False),
        ("rr.png", "Request/response round trip over an established connection",
         "microseconds (log)",
         [("rr64_p50", "64 B p50"), ("rr64_p99", "64 B p99"),
          ("rr4k_p50", "4 KiB p50"), ("rr4k_p99", "4 KiB p99")], True),
        ("connect.png", "Sequential connection setup (connect, 1 byte each way, close)",
         "connections / s", [("conn_rate", "setup rate")], False),
        ("ttfb.png", "Time to first byte (connect() to the echoed byte)",
         "microseconds (log)", [("ttfb_p50", "p50"), ("ttfb_p99", "p99")], True),
    ]
    for png, title, ylabel, clusters, logy in specs:
        path = os.path.join(out, png)
        if _bar_plot(gdir, path, title, ylabel, clusters, allc, rows, lab, logy):
            made.append(path)
    return made


def write(bench, cfg, metrics, labels, out):
    metrics = dict(metrics)
    # system-wide CPU per GB: raw cross-check, shown after the main figure
    items = list(metrics.items())
    i = [k for k, _ in items].index("cpu_per_gb") + 1
    items.insert(i, ("cpu_per_gb_sys",
                     ("CPU per GB moved, system-wide /proc/stat (includes other load)",
                      "s/GB", False)))
    metrics = dict(items)
    lab = dict(labels)
    by_rep = {}
    rows = summarize(bench, cfg, metrics, by_rep)
    tgts = targets(rows, by_rep)
    text = table(bench, cfg, metrics, labels, rows, tgts)
    os.makedirs(out, exist_ok=True)
    for f in ("results.json", "runs.csv", "summary.csv", "table.txt"):
        if os.path.exists(os.path.join(out, f)):
            os.remove(os.path.join(out, f))
    shutil.rmtree(os.path.join(out, "gnuplot"), ignore_errors=True)
    for f in os.listdir(out):
        if f.endswith(".png"):
            os.remove(os.path.join(out, f))
    with open(os.path.join(out, "table.txt"), "w") as f:
        f.write(text)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump({"config": cfg, "machine": bench.info, "contenders": labels,
                   "metrics": {k: {"title": t, "unit": u, "higher_is_better": h}
                               for k, (t, u, h) in metrics.items()},
                   "checks": bench.verified, "warnings": bench.warnings,
                   "summary": rows, "targets": tgts, "memory": bench.mem,
                   "cpu_sources": bench.cpu_names, "runs": bench.runs}, f, indent=1)
    with open(os.path.join(out, "summary.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["metric", "unit", "contender", "median", "min", "max", "n",
                    "x_plain", "x_stunnel", "stunnel_ref"])
        for r in rows:
            w.writerow([r["metric"], metrics[r["metric"]][1], r["contender"],
                        f"{r['median']:.6g}", f"{r['min']:.6g}", f"{r['max']:.6g}", r["n"],
                        "" if r["x_plain"] is None else f"{r['x_plain']:.4f}",
                        "" if r["x_stunnel"] is None else f"{r['x_stunnel']:.4f}",
                        r["stunnel_ref"] or ""])
    with open(os.path.join(out, "runs.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["rep", "test", "contender", "ok", "gbps", "p50_us", "p99_us",
                    "rate", "conns", "cpu_s", "system_cpu_s", "gb", "window_s", "error"])
        for r in bench.runs:
            res = r["result"] or {}
            lat = res.get("rtt_us") or res.get("ttfb_us") or {}
            c = r.get("cpu") or {}
            w.writerow([r["rep"] + 1, r["test"], r["contender"], int(bool(res)),
                        res.get("gbps", ""), lat.get("p50", ""), lat.get("p99", ""),
                        res.get("rate", ""), res.get("conns", res.get("streams", "")),
                        c.get("ours_s", ""), c.get("system_s", ""), c.get("gb", ""),
                        c.get("window_s", ""), r.get("error") or ""])
    pngs = plots(out, rows, lab)
    print()
    print(text, end="")
    print()
    print(f"bench: raw results {out}/results.json, {out}/runs.csv; summary {out}/summary.csv; "
          f"table {out}/table.txt")
    print(f"bench: plots {', '.join(pngs) if pngs else '(none: gnuplot failed)'}")
    print(f"bench: took {bench.info.get('duration_s')} s")
