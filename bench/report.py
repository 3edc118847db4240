#!/usr/bin/env python3
"""report: turn one bench/run.sh run into bench/results/<date>-<N>.md and
<date>-<N>.tsv, then redraw the CPU-per-operation plot from every .tsv there
(the newest run of each size).

  report.py META.json RAW.jsonl OUTDIR

Figures per workload and backend, summed over the rounds: slapd CPU time
(utime+stime from /proc/PID/stat) per operation, the primary figure; ops/s
(mean of the rounds); p50/p99 latency (median of the rounds); and the ratio
to back_mdb.  For back_clusterdb on PostgreSQL (backend clusterdb_pg) also the
database server's CPU per operation (all its processes), and slapd's plus the
server's against back_mdb.  Standard library only (the plot needs gnuplot).
"""
import glob
import re
import json
import os
import statistics
import subprocess
import sys

WORKLOADS = ["uid", "uid-nslcd", "uid-host", "uidnumber", "memberuid", "base", "enum",
             "enum-paged", "bind-cheap", "bind-argon2id", "modify"]
WHAT = {
    "uid": "`(&(objectClass=posixAccount)(uid=X))`",
    "uid-nslcd": "the same, nslcd's passwd attributes",
    "uid-host": "the same, nslcd's passwd attributes and host (as SSSD asks)",
    "uidnumber": "`(&(objectClass=posixAccount)(uidNumber=N))`",
    "memberuid": "`(&(objectClass=posixGroup)(memberUid=X))`, attrs cn gidNumber",
    "base": "base-scope `(objectClass=*)` on `uid=X,ou=people,...`",
    "enum": "`(objectClass=posixAccount)`, all users, 1 client",
    "enum-paged": "the same with paged results (500), 1 client",
    "bind-cheap": "simple bind, argon2id m=8,t=1,p=1",
    "bind-argon2id": "simple bind, argon2id (default params)",
    "modify": "replace mail (rootdn), 1 client",
}
NAMES = {"clusterdb": "clusterdb", "clusterdb_pg": "clusterdb on PostgreSQL", "mdb": "back-mdb",
         "sql": "back-sql"}
BACKENDS = ["clusterdb", "clusterdb_pg", "mdb", "sql"]


def load(meta_path, raw_path):
    meta = json.load(open(meta_path))
    runs = [json.loads(line) for line in open(raw_path) if line.strip()]
    table = {}
    for r in runs:
        table.setdefault((r["backend"], r["workload"]), []).append(r)
    figures = {}
    for (backend, workload), rs in table.items():
        ops = sum(r["ops"] for r in rs)
        cpu = sum(r["cpu_seconds"] for r in rs)
        server = sum(r.get("server_cpu_seconds", 0) for r in rs)
        figures[(backend, workload)] = {
            "ops": ops,
            "errors": sum(r["errors"] for r in rs),
            "first_error": next((r["first_error"] for r in rs if r["first_error"]), ""),
            "entries": sum(r["entries"] for r in rs),
            "ops_per_sec": statistics.mean(r["ops_per_sec"] for r in rs),
            "p50_us": statistics.median(r["p50_us"] for r in rs),
            "p99_us": statistics.median(r["p99_us"] for r in rs),
            "cpu_us": cpu / ops * 1e6 if ops else float("nan"),
            "server_cpu_us": server / ops * 1e6 if ops else float("nan"),
            "cpu_spread": spread([r["cpu_seconds"] / r["ops"] for r in rs if r["ops"]]),
        }
    return meta, figures


def spread(values):
    """Largest over smallest per-round CPU/op: how far the rounds agree."""
    return max(values) / min(values) if len(values) > 1 and min(values) > 0 else 1.0


def fmt_us(v):
    if v != v:
        return "-"
    if v >= 10000:
        return "%.0f ms" % (v / 1000) if v >= 100000 else "%.1f ms" % (v / 1000)
    return "%.0f us" % v if v >= 100 else "%.1f us" % v


def ratio(a, b):
    return a / b if a == a and b == b and b > 0 else float("nan")


def fmt_ratio(r):
    return "-" if r != r else "%.2fx" % r


def older_runs(outdir, users):
    """{N: {(backend, workload): cpu_us}} from the newest .tsv of each other size."""
    newest = {}
    for path in sorted(glob.glob(os.path.join(outdir, "*.tsv"))):
        # Full runs only (DATE-USERS.tsv): partial runs carry a suffix.
        m = re.match(r"^\d{4}-\d\d-\d\d-(\d+)\.tsv$", os.path.basename(path))
        if m:
            newest[int(m.group(1))] = path
    out = {}
    for n, path in newest.items():
        rows = {}
        for line in open(path):
            if line.startswith("#"):
                continue
            f = line.rstrip("\n").split("\t")
            rows[(f[2], f[1])] = float(f[3])
        out[n] = rows
    return out


def main():
    meta_path, raw_path, outdir = sys.argv[1:4]
    meta, fig = load(meta_path, raw_path)
    rss = {}
    if len(sys.argv) > 4:
        for line in open(sys.argv[4]):
            w, b, kb = line.split()
            rss[(w, b)] = int(kb)
    n = meta["users"]
    date = meta["started"][:10]
    backends = [b for b in BACKENDS if any(k[0] == b for k in fig)]
    with_server = "clusterdb_pg" in backends
    containers = meta.get("containers", 0)
    # A run with containers, or with PostgreSQL, is another comparison: its
    # own files (and not a point of the plot against size).
    base = os.path.join(outdir, "%s-%d%s%s" % (date, n, "-c%d" % containers if containers else "",
                                               "-pg" if with_server else ""))

    with open(base + ".tsv", "w") as f:
        f.write("# users\tworkload\tbackend\tcpu_us_per_op\tops_per_sec\tp50_us\tp99_us%s\n"
                % ("\tserver_cpu_us_per_op" if with_server else ""))
        for w in WORKLOADS:
            for b in backends:
                x = fig.get((b, w))
                if x:
                    f.write("%d\t%s\t%s\t%.3f\t%.1f\t%d\t%d%s\n" % (
                        n, w, b, x["cpu_us"], x["ops_per_sec"], x["p50_us"], x["p99_us"],
                        "\t%.3f" % x["server_cpu_us"] if with_server else ""))

    L = []
    L.append("# Benchmark: %s, %d users / %d groups%s"
             % (" vs ".join(NAMES[b] for b in backends), n, meta["groups"],
                " / %d containers" % containers if containers else ""))
    L.append("")
    L.append("Run %s .. %s with `BENCH_USERS=%d bench/run.sh`: %d rounds per workload, backends "
             "alternating (A B C A B C), %s s per run (enumeration 2x, argon2id binds 4x), %d client "
             "threads unless noted (argon2id binds: 2)." % (meta["started"], meta["finished"], n, meta["rounds"],
                                        meta["seconds"], meta["threads"]))
    L.append("")
    L.append("Machine: %d CPUs, %s; kernel %s; slapd %s. Load average before/after the run: %s / %s "
             "(the machine is shared with other jobs: compare the ratios, which come from one run, "
             "rather than absolute figures)." % (meta["nproc"], meta["cpu_model"], meta["kernel"],
                                                 meta["slapd"], meta["load_before"], meta["load_after"]))
    L.append("")
    L.append("slapd log level: %s (to syslog, which this container lacks: each logged line is a failed "
             "connect)." % meta.get("loglevel", "default (stats)"))
    L.append("")
    L.append("Data: generated in %s s (tests/tools/gen-directory); slapadd + back-mdb start %s s." %
             (meta["generate_seconds"], meta["slapadd_seconds"] or "-"))
    if with_server:
        L.append("")
        L.append("PostgreSQL: %s, a throwaway instance on a Unix socket with its default settings "
                 "(tests/lib-engines.sh), on the same two CPUs; initdb, `clusterdb init`, the rows loaded "
                 "as SQL and ANALYZE took %s s." % (meta.get("postgresql") or "-", meta.get("pg_load_seconds") or "-"))
    L.append("")
    last_before = None
    for w in WORKLOADS:
        if w == "bind-argon2id":
            break
        if (w, backends[0]) in rss:
            last_before = w
    L.append("Peak RSS of slapd (VmHWM): %s after the searches and cheap binds; %s at the end (argon2id "
             "default params take 64 MiB per hash in progress)." % (
                 ", ".join("%s %.1f MB" % (NAMES[b], rss.get((last_before, b), 0) / 1024) for b in backends)
                 if last_before else "-",
                 ", ".join("%s %.1f MB" % (NAMES[b], meta["peak_rss_kb"][b] / 1024) for b in backends)))
    L.append("")
    L.append("**CPU/op** is slapd's CPU time (user+system, all threads, from /proc/PID/stat) over the "
             "runs divided by the operations completed: the primary figure. *spread* is the largest over "
             "the smallest per-round CPU/op. p50/p99 are medians over the rounds.")
    L.append("")
    if with_server:
        L.append("*server CPU/op* is the PostgreSQL server's CPU time (the postmaster and every backend "
                 "process, user+system) over the same runs; *with server vs back-mdb* compares slapd's "
                 "plus the server's CPU per operation with back-mdb's (which has no server).")
        L.append("")
    extra_head = " server CPU/op | with server vs back-mdb |" if with_server else ""
    L.append("| workload | backend | ops/s | p50 | p99 | CPU/op | spread | vs back-mdb |%s errors |" % extra_head)
    L.append("|---|---|---:|---:|---:|---:|---:|---:|%s---:|" % ("---:|---:|" if with_server else ""))
    for w in WORKLOADS:
        m = fig.get(("mdb", w))
        for b in backends:
            x = fig.get((b, w))
            if not x:
                continue
            err = "%d (%s)" % (x["errors"], x["first_error"]) if x["errors"] else "0"
            extra = ""
            if with_server:
                if b == "clusterdb_pg":
                    total = x["cpu_us"] + x["server_cpu_us"]
                    extra = " %s | %s |" % (fmt_us(x["server_cpu_us"]),
                                            fmt_ratio(ratio(total, m["cpu_us"]) if m else float("nan")))
                else:
                    extra = " - | - |"
            L.append("| %s | %s | %.1f | %s | %s | **%s** | %.2f | %s |%s %s |" % (
                w, NAMES[b], x["ops_per_sec"], fmt_us(x["p50_us"]), fmt_us(x["p99_us"]),
                fmt_us(x["cpu_us"]), x["cpu_spread"], fmt_ratio(ratio(x["cpu_us"], m["cpu_us"]) if m else
                                                                  float("nan")), extra, err))
    L.append("")
    L.append("Workloads: " + "; ".join("**%s** %s" % (w, WHAT[w]) for w in WORKLOADS) + ".")
    if meta.get("skip"):
        L.append("")
        L.append("Not run: %s." % meta["skip"])
    L.append("")

    def cpu(b, w):
        x = fig.get((b, w))
        return x["cpu_us"] if x else float("nan")

    L.append("## Targets (reported, not asserted)")
    L.append("")
    L.append("| target | measured | met |")
    L.append("|---|---|---|")

    def row(text, value, ok):
        L.append("| %s | %s | %s |" % (text, value, "-" if ok is None else ("yes" if ok else "**no**")))

    for w in ("uid", "uidnumber", "memberuid"):
        r = ratio(cpu("clusterdb", w), cpu("mdb", w))
        row("%s CPU/op within 1.1x of back-mdb%s" % (w, "" if n == 10000 else " (target stated at 10k)"),
            fmt_ratio(r), None if r != r else r <= 1.1)
    for w in ("enum", "enum-paged"):
        r = ratio(cpu("clusterdb", w), cpu("mdb", w))
        row("%s CPU/op within 1.5x of back-mdb" % w, fmt_ratio(r), None if r != r else r <= 1.5)
    for w in ("uid", "uidnumber", "memberuid", "base"):
        r = ratio(cpu("sql", w), cpu("clusterdb", w))
        row("back-sql %s at least 10x clusterdb's CPU/op" % w, fmt_ratio(r), None if r != r else r >= 10)
    cheap, strong = cpu("clusterdb", "bind-cheap"), cpu("clusterdb", "bind-argon2id")
    if cheap == cheap and strong == strong:
        over = cheap / strong * 100
        row("argon2id bind: work beyond the hash under 5 % (clusterdb cheap-hash bind / argon2id bind)",
            "%.2f %%" % over, over < 5)
        row("argon2id bind vs back-mdb (same hashes)", fmt_ratio(ratio(strong, cpu("mdb", "bind-argon2id"))),
            None)
        L.append("")
        L.append("The argon2id hash alone (libargon2 verify in one process, same load): %s per check; a "
                 "cheap one %s. The cheap-hash bind measures everything a bind costs except the hash." %
                 (fmt_us(meta["hash_argon2id_cpu"] * 1e6), fmt_us(meta["hash_cheap_cpu"] * 1e6)))
    others = older_runs(outdir, n)
    sizes = sorted(others)
    if len(sizes) > 1 and not with_server:
        L.append("")
        L.append("Flatness across sizes (clusterdb CPU/op at the largest size over the smallest, from the "
                 "newest run of each size in this directory: %s):" % ", ".join(str(s) for s in sizes))
        L.append("")
        L.append("| workload | " + " | ".join("%d" % s for s in sizes) + " | largest/smallest | within 1.2x |")
        L.append("|---|" + "---:|" * len(sizes) + "---:|---|")
        for w in ("uid", "uidnumber", "memberuid", "base"):
            vals = [others[s].get(("clusterdb", w), float("nan")) for s in sizes]
            r = ratio(vals[-1], vals[0])
            L.append("| %s | %s | %s | %s |" % (w, " | ".join(fmt_us(v) for v in vals), fmt_ratio(r),
                                                "-" if r != r else ("yes" if r <= 1.2 else "**no**")))
    L.append("")
    L.append("![slapd CPU per operation against directory size](cpu-per-op.png)")
    L.append("")
    notes = os.path.join(outdir, "notes-%d.md" % n)
    if os.path.exists(notes):
        L.append(open(notes).read().rstrip("\n"))
        L.append("")
    with open(base + ".md", "w") as f:
        f.write("\n".join(L))
    plot(outdir)
    print("report: %s.md" % base)


def plot(outdir):
    """CPU/op against directory size, one panel per workload, three backends."""
    runs = older_runs(outdir, 0)
    if not runs:
        return
    dat = os.path.join(outdir, "cpu-per-op.dat")
    with open(dat, "w") as f:
        f.write("# users workload backend cpu_us_per_op (newest run of each size)\n")
        for n in sorted(runs):
            for (b, w), v in sorted(runs[n].items()):
                f.write("%d %s %s %.3f\n" % (n, w, b, v))
    panels = ["uid", "uidnumber", "memberuid", "base", "enum", "bind-cheap"]
    gp = ["set terminal pngcairo size 1200,800 font ',9'" if has_cairo() else "set terminal png size 1200,800",
          "set output '%s'" % os.path.join(outdir, "cpu-per-op.png"),
          "set multiplot layout 2,3 title 'slapd CPU time per operation (us) against directory size'",
          "set logscale xy", "set xrange [500:200000]", "set key top left", "set grid",
          "set xlabel 'users'"]
    for w in panels:
        gp.append("set title '%s'" % w)
        gp.append("plot " + ", ".join(
            "'< grep \" %s %s \" %s' using 1:4 with linespoints title '%s'" % (w, b, dat, NAMES[b])
            for b in ("clusterdb", "mdb", "sql")))
    gp.append("unset multiplot")
    try:
        subprocess.run(["gnuplot"], input="\n".join(gp) + "\n", text=True, check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print("report: no plot (%s)" % e, file=sys.stderr)


def has_cairo():
    try:
        out = subprocess.run(["gnuplot", "-e", "set terminal"], capture_output=True, text=True)
        return "pngcairo" in out.stdout + out.stderr
    except OSError:
        return False


if __name__ == "__main__":
    main()
