"""Turns the raw outputs of bench/compare.sh (wrk text, k6 summary JSON, watchlat JSON and
records.jsonl) into the results JSON, bench/RESULTS.md and the latency plot. Medians over the
repeats, with the spread (min-max) beside them; nothing here measures anything."""
import argparse
import datetime
import glob
import json
import os
import platform
import re
import statistics

SCENARIOS = ["get", "list", "list-table", "create", "update", "apply", "watch", "watch-h2"]
TITLES = {
    "get": "get one object",
    "list": "list 1,000 objects (JSON)",
    "list-table": "list 1,000 objects (as=Table)",
    "create": "create",
    "update": "update (merge patch)",
    "apply": "server-side apply",
    "watch": "1,000 watchers, 10 updates/s",
    "watch-h2": "1,000 watchers on HTTP/2, 10 updates/s",
}
SERVERS = ["annex", "sample", "memory"]


def wrk_ms(value):
    m = re.match(r"([\d.]+)(us|ms|s)$", value)
    number, unit = float(m.group(1)), m.group(2)
    return number * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]


def parse_wrk(text):
    latency = {p: wrk_ms(v) for p, v in re.findall(r"^\s+(50|99)%\s+(\S+)$", text, re.M)}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    socket = re.search(r"Socket errors: (.*)", text)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),
        "requests": int(re.search(r"(\d+) requests in", text).group(1)),
        "p50_ms": latency.get("50"),
        "p99_ms": latency.get("99"),
        "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket.group(1).strip() if socket else "",
    }


def parse_k6(path):
    metrics = json.load(open(path))["metrics"]
    duration = metrics["http_req_duration"]["values"]
    return {
        "rps": metrics["http_reqs"]["values"]["rate"],
        "requests": metrics["http_reqs"]["values"]["count"],
        "p50_ms": duration["p(50)"],
        "p99_ms": duration["p(99)"],
        "p999_ms": duration["p(99.9)"],
        "failed_ratio": metrics.get("http_req_failed", {}).get("values", {}).get("rate", 0),
        "dropped_iterations": metrics.get("dropped_iterations", {}).get("values", {}).get("count", 0),
    }


def spread(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def fmt(s, unit="", digits=None):
    if s is None:
        return "–"
    def one(v):
        if digits is not None:
            return f"{v:,.{digits}f}"
        return f"{v:,.0f}" if v >= 100 else f"{v:,.1f}" if v >= 10 else f"{v:,.2f}"
    text = one(s["median"]) + unit
    if s["n"] > 1:
        text += f" ({one(s['min'])}–{one(s['max'])})"
    return text


def ratio(a, b):
    if a is None or b is None or not b["median"]:
        return None
    return a["median"] / b["median"]


def main():
    ap = argparse.ArgumentParser()
    for flag in ["raw", "out", "results-md", "plot", "commit", "versions"]:
        ap.add_argument("--" + flag, required=True)
    ap.add_argument("--phase", type=int, required=True)
    ap.add_argument("--repeats", type=int, required=True)
    ap.add_argument("--warmup", type=int, required=True)
    args = ap.parse_args()

    records = [json.loads(line) for line in open(os.path.join(args.raw, "records.jsonl"))]
    phases = {}
    for r in (r for r in records if r["kind"] == "phase"):
        path = os.path.join(args.raw, r["file"])
        if r["scenario"].startswith("watch"):
            m = json.loads(open(path).read().strip().splitlines()[-1])
            m["rps"] = None
        elif r["mode"] == "saturation":
            m = parse_wrk(open(path).read())
        else:
            m = parse_k6(path[: -len(".out")] + ".json")
        m["generator_cpu_pct"] = 100 * r["generator_cpu_s"] / r["wall_s"]
        m["server_cpu_pct"] = 100 * r["server_cpu_s"] / r["wall_s"]
        if m.get("requests"):
            m["server_cpu_ms_per_request"] = 1000 * r["server_cpu_s"] / m["requests"]
        phases.setdefault((r["scenario"], r["mode"], r["server"]), []).append(m)

    summary = {}
    for (scenario, mode, server), runs in phases.items():
        keys = sorted({k for run in runs for k, v in run.items() if isinstance(v, (int, float))})
        summary.setdefault(scenario, {}).setdefault(mode, {})[server] = {
            "runs": runs, **{k: spread([run.get(k) for run in runs]) for k in keys}}

    startup = [r for r in records if r["kind"] in ("startup", "rss")]
    operator = [r for r in records if r["kind"] == "operator"]
    meminfo = dict(line.split(":", 1) for line in open("/proc/meminfo"))
    machine = {
        "cores": os.cpu_count(),
        "memory_gib": round(int(meminfo["MemTotal"].split()[0]) / 2**20, 1),
        "cpu": next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), ""),
        "kernel": platform.release(),
    }
    result = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "commit": args.commit, "versions": args.versions, "machine": machine,
        "phase_seconds": args.phase, "repeats": args.repeats, "warmup_seconds": args.warmup,
        "scenarios": summary, "startup_and_memory": startup, "operator": operator,
    }
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    json.dump(result, open(args.out, "w"), indent=1)
    write_markdown(args, result, summary, startup, machine)
    plot(args.plot, summary)


def write_markdown(args, result, summary, startup, machine):
    watch_runs = [summary.get(w, {}).get("fixed", {}) for w in ("watch", "watch-h2")]
    servers = sorted({server for runs in watch_runs for server in runs})
    retries = ", ".join(f"{server}: {sum(run.get('watch_429_retries', 0) for runs in watch_runs for run in runs.get(server, {}).get('runs', []))} "
                        "such retries in all" for server in servers) or "no watch run"
    rows = []
    verdicts = []
    for scenario in SCENARIOS:
        modes = summary.get(scenario, {})
        sat, fixed = modes.get("saturation", {}), modes.get("fixed", {})
        if sat:
            a, b, m = (sat.get(s, {}).get("rps") for s in SERVERS)
            r = ratio(a, b)
            rows.append(f"| {TITLES[scenario]} | saturation, requests/s | {fmt(a)} | {fmt(b)} | "
                        f"{'–' if r is None else f'{r:.2f}x'} | {fmt(m)} |")
            if scenario in ("get", "list", "list-table") and r is not None:
                verdicts.append(f"{TITLES[scenario]}: throughput {r:.2f}x (target >= 1.5x): {'met' if r >= 1.5 else 'NOT met'}")
            elif r is not None:
                verdicts.append(f"{TITLES[scenario]}: throughput {r:.2f}x (target: ahead): {'met' if r > 1 else 'NOT met'}")
        if fixed:
            a, b = fixed.get("annex", {}), fixed.get("sample", {})
            rate = (a.get("rate") or a.get("rps") or {}).get("median") if a else None
            label = ("fixed 10 updates/s, delivery latency" if scenario.startswith("watch")
                     else f"fixed {rate:,.0f}/s, latency" if rate else "fixed rate, latency")
            for p, name in (("p50_ms", "p50"), ("p99_ms", "p99"), ("p999_ms", "p99.9")):
                r = ratio(a.get(p), b.get(p))
                rows.append(f"| {TITLES[scenario]} | {label} {name} | {fmt(a.get(p), ' ms')} | {fmt(b.get(p), ' ms')} | "
                            f"{'–' if r is None else f'{r:.2f}x'} | |")
            r = ratio(a.get("p99_ms"), b.get("p99_ms"))
            if r is not None:
                verdicts.append(f"{TITLES[scenario]}: p99 at a fixed rate {r:.2f}x (target <= 0.7x): {'met' if r <= 0.7 else 'NOT met'}")

    cpu_rows = []
    for scenario in SCENARIOS:
        for mode, modes in summary.get(scenario, {}).items():
            for server in SERVERS:
                s = modes.get(server)
                if s:
                    cpu_rows.append(f"| {TITLES[scenario]} | {mode} | {server} | {fmt(s.get('generator_cpu_pct'), ' %', 0)} | "
                                    f"{fmt(s.get('server_cpu_pct'), ' %', 0)} | {fmt(s.get('server_cpu_ms_per_request'), ' ms', 3)} |")
    start_rows = [f"| {r['server']} | {r['state']} | {r.get('ready_ms', '–')} | {r['rss_kib'] // 1024} |" for r in startup]
    operator_rows = [f"| {r['figure']} | {r['value']:,} | {r['note']} |" for r in result["operator"]] or [
        "| (not run: see the log of `make bench`) | | |"]

    text = f"""# Annex runtime against k8s.io/sample-apiserver

Written by `make bench` (`bench/compare.sh`) on {result['date']}, commit `{args.commit}`; the raw
figures are in `results/{os.path.basename(args.out)}`, the plot in [latency.png](latency.png).

Machine: {machine['cores']} cores ({machine['cpu']}), {machine['memory_gib']} GiB, Linux {machine['kernel']}.
The servers, etcd, kube-apiserver and the load generators share these cores, so timings are noisy: compare the
two columns of one run, not runs with each other. Versions: {args.versions}.

How: both servers on one etcd (prefixes `/bench/annex` and `/bench/sample`), both reached directly
over HTTPS/1.1 (the watch also over HTTP/2) with one ServiceAccount's bearer token; both delegate authentication (TokenReview) and
authorization (SubjectAccessReview) to the same kube-apiserver and cache its answers for 10 s
(their defaults: Annex's `ReviewCache`, k8s.io/apiserver's webhook token and authorizer caches).
Each scenario: the same {args.warmup} s wrk warm-up for both, then {args.repeats} x {args.phase} s at
saturation with wrk (2 threads, 32 connections, 8 for lists), alternated Annex, sample, Annex,
sample, ...; then {args.repeats} x {args.phase} s at a fixed arrival rate with k6 (constant-arrival-rate,
HTTP/1.1) at half the slower server's median saturation throughput, the same rate for both,
alternated the same way. Watch: a small Go client (`bench/watchlat`; wrk and k6 cannot read a
response that never ends), after the same {args.warmup} s run of it for both (not measured), opens 1,000 watches and merge-patches the watched object 10 times a
second with the send time in it; the latency is from sending the patch to each watcher's event; a
watch refused with 429 is asked again after its Retry-After, as client-go does ({retries}). The
watches each have their own HTTP/1.1 connection, as wrk's requests do; "on HTTP/2" opens them as
streams of one HTTP/2 connection (both servers allow 1,000 or more per connection), which is how
kube-aggregator proxies its clients' watches to an aggregated apiserver.
Medians with (min–max) over the repeats. Annex: `-Xmx1g`, etcd3 storage with its watch cache; the
memory column is the runtime with `--storage-backend memory`, measured alone after the others
(create last there: the objects it makes stay in the heap).

| scenario | figure | Annex (etcd3) | sample-apiserver | Annex / sample | Annex (memory) |
|---|---|---|---|---|---|
{chr(10).join(rows)}

Targets (issue 11):
{chr(10).join('- ' + v for v in verdicts)}

## Start-up and resident memory

Start-up: from starting the process until `/readyz` and an authorized list both answer (JVM start
included). RSS 5 s after that, idle; "10000 objects" is a restart on a new etcd prefix holding
10,000 objects and nothing else, then again after listing them.

| server | state | start-up ms | RSS MiB |
|---|---|---|---|
{chr(10).join(start_rows)}

## The operator at scale

`bench/operator.sh`, on `make run`'s control plane (etcd, kube-apiserver with the aggregation
layer, kube-controller-manager; the operator in-process as `deploy/`'s ServiceAccount). The one
`AggregatedApi` gets its runtime (started once the operator has written its Secret, as `make run`
does) and must reach `Ready=True`; the 100 and then 400 more point at an external backend where
nothing listens (one runtime per group would not fit this machine), so the time is to
`APIServicesRegistered=True` on all, every object the operator makes in place, and Ready stays False.

| figure | value | what |
|---|---|---|
{chr(10).join(operator_rows)}

## CPU

The load generator shares the 2 cores with the servers, etcd and kube-apiserver: its CPU use (100 %
= one core) and the server's, per phase, medians with spread.

| scenario | mode | server | load generator CPU | server CPU | server CPU per request |
|---|---|---|---|---|---|
{chr(10).join(cpu_rows)}
"""
    open(args.results_md, "w").write(text)


def plot(path, summary):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = [s for s in SCENARIOS if "fixed" in summary.get(s, {})]
    fig, axes = plt.subplots(2, (len(shown) + 1) // 2, figsize=(16, 8), squeeze=False)
    percentiles = [("p50_ms", "p50"), ("p99_ms", "p99"), ("p999_ms", "p99.9")]
    for ax, scenario in zip(axes.flat, shown):
        fixed = summary[scenario]["fixed"]
        for i, (server, label, color) in enumerate((("annex", "Annex", "#1f77b4"), ("sample", "sample-apiserver", "#ff7f0e"))):
            stats = [fixed.get(server, {}).get(p) for p, _ in percentiles]
            medians = [s["median"] if s else 0 for s in stats]
            low = [s["median"] - s["min"] if s else 0 for s in stats]
            high = [s["max"] - s["median"] if s else 0 for s in stats]
            xs = [x + (i - 0.5) * 0.38 for x in range(len(percentiles))]
            ax.bar(xs, medians, 0.38, yerr=[low, high], capsize=3, label=label, color=color)
        rate = (fixed.get("annex", {}).get("rps") or {}).get("median")
        ax.set_title(TITLES[scenario] + (f"\nfixed {rate:,.0f}/s" if rate else ""), fontsize=9)
        ax.set_xticks(range(len(percentiles)), [n for _, n in percentiles])
        ax.set_yscale("log")
        ax.set_ylabel("ms")
        ax.grid(axis="y", alpha=0.3)
    for ax in list(axes.flat)[len(shown):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=8)
    fig.suptitle("Latency at a fixed rate: medians over repeats, bars span min-max (lower is better)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
