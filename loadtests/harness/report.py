"""Writes a run's results: results.json (everything), results.md (the tables)
and two SVG plots. Figures are compared as ratios within the run: absolute
numbers belong to this machine on this day, ratios travel."""

from __future__ import annotations

import json
from pathlib import Path

from . import affinity

TARGETS = [
    # (what, numerator, denominator, at least)
    ("gateway plain route, throughput / nginx", "gateway_plain", "nginx", 1.0),
    ("gateway full edge, throughput / nginx", "gateway_edge", "nginx", 0.8),
    ("users direct, throughput / bare handler", "direct", "ceiling", 0.5),
]


def _max(scenarios: dict, key: str) -> float:
    return scenarios[key]["closed"]["median"]["throughput_rps"]


def targets(scenarios: dict) -> list[dict]:
    rows = []
    if not {"ceiling", "direct", "nginx", "gateway_plain", "gateway_edge"} <= scenarios.keys():
        return rows  # a partial run (--only)
    for what, numerator, denominator, floor in TARGETS:
        ratio = _max(scenarios, numerator) / max(_max(scenarios, denominator), 1e-9)
        rows.append({"target": f"{what} >= {floor}", "measured": round(ratio, 2), "met": ratio >= floor})
    # Latency at the same offered rate: half of nginx's maximum.
    half = round(_max(scenarios, "nginx") * 0.5)
    p99 = {
        key: next((run["latency_ms"]["p99"] for run in scenarios[key]["open"]
                   if run["offered_rps"] == half), None)
        for key in ("gateway_plain", "nginx")
    }
    if None not in p99.values():
        rows.append({
            "target": f"gateway plain p99 <= nginx p99, both at {half}/s (half nginx's maximum)",
            "measured": f"{p99['gateway_plain']} ms vs {p99['nginx']} ms",
            "met": p99["gateway_plain"] <= p99["nginx"],
        })
    return rows


def memory_bounds(scenarios: dict) -> list[dict]:
    """Each gated (scenario, process): its highest peak RSS over every run
    of the scenario, against the bound. `.get`: results of older runs have
    no bounds."""
    rows = []
    for key, scenario in scenarios.items():
        runs = scenario["closed"]["rounds"] + scenario["open"]
        for process, bound in scenario.get("rss_limits_mib", {}).items():
            peak = max(run["peak_rss_mib"].get(process, 0.0) for run in runs)
            rows.append({"scenario": key, "process": process, "peak_rss_mib": peak,
                         "bound_mib": bound, "met": peak <= bound})
    return rows


def memory_over_bounds(key: str, scenario: dict) -> list[str]:
    """What fails the run: a gated process whose peak RSS passed its bound."""
    return [f"{key}: {row['process']} peaked at {row['peak_rss_mib']} MiB RSS, "
            f"over its {row['bound_mib']:g} MiB bound"
            for row in memory_bounds({key: scenario}) if not row["met"]]


def _ms(latency: dict, key: str) -> str:
    return f"{latency[key]:.2f}"


def markdown(results: dict) -> str:
    meta, scenarios = results["meta"], results["scenarios"]
    lines = [
        f"Measured {meta['date']} on {meta['machine']} at commit `{meta['commit']}`, "
        f"profile `{meta['profile']}` ({meta['profile_detail']}). "
        "Regenerate: `bash loadtests/run.sh`.",
        "",
        "### Closed loop: the maximum rate",
        "",
        "| scenario | req/s | x ceiling | x nginx | p50 ms | p99 ms | p99.9 ms | errors | CPU s per 10k req | peak RSS MiB |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    ceiling = _max(scenarios, "ceiling") if "ceiling" in scenarios else 0
    nginx = _max(scenarios, "nginx") if "nginx" in scenarios else 0
    for key, scenario in scenarios.items():
        run = scenario["closed"]["median"]
        cached = scenario["group"] == "cached read"
        ratio = lambda base: f"{run['throughput_rps'] / base:.2f}" if cached and base else ""
        cpu = ", ".join(f"{name} {spent}" for name, spent in run["cpu_s_per_10k"].items())
        rss = ", ".join(f"{name} {mib}" for name, mib in run["peak_rss_mib"].items())
        lines.append(
            f"| {scenario['title']} | {run['throughput_rps']:.0f} | {ratio(ceiling)} | {ratio(nginx)} "
            f"| {_ms(run['latency_ms'], 'p50')} | {_ms(run['latency_ms'], 'p99')} "
            f"| {_ms(run['latency_ms'], 'p999')} | {run['errors'] + run['transport_errors']} | {cpu} | {rss} |"
        )
    lines += [
        "",
        "### Open loop: latency at fixed offered rates (corrected for coordinated omission)",
        "",
        "| scenario | offered/s | served/s | p50 ms | p90 ms | p99 ms | p99.9 ms | errors | not sent |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for scenario in scenarios.values():
        for run in scenario["open"]:
            latency = run["latency_ms"]
            lines.append(
                f"| {scenario['title']} | {run['offered_rps']:.0f} | {run['throughput_rps']:.0f} "
                f"| {_ms(latency, 'p50')} | {_ms(latency, 'p90')} | {_ms(latency, 'p99')} "
                f"| {_ms(latency, 'p999')} | {run['errors'] + run['transport_errors']} | {run['not_sent']} |"
            )
    if results["targets"]:
        lines += ["", "### Targets", "", "| target | measured | met |", "|---|---|---|"]
        for row in results["targets"]:
            lines.append(f"| {row['target']} | {row['measured']} | {'yes' if row['met'] else 'no'} |")
    if {"patch", "register"} <= results["scenarios"].keys():
        lines += _pipeline_lines(results)
    bounds = memory_bounds(scenarios)
    if bounds:
        lines += ["", "### Memory bounds (the run fails above them)", "",
                  "| scenario | process | peak RSS MiB | bound MiB | met |", "|---|---|---|---|---|"]
        lines += [f"| {row['scenario']} | {row['process']} | {row['peak_rss_mib']:.1f} "
                  f"| {row['bound_mib']:g} | {'yes' if row['met'] else 'no'} |" for row in bounds]
    if "affinity" in results:
        lines += affinity.markdown(results["affinity"])
    lines += ["", "### Memory at rest", "", "| process | RSS MiB before load | RSS MiB after |", "|---|---|---|"]
    lines += [f"| {name} | {mib:.1f} | {results['rss_after_load_mib'][name]:.1f} |"
              for name, mib in results["idle_rss_mib"].items()]
    return "\n".join(lines) + "\n"


def _pipeline_lines(results: dict) -> list[str]:
    lines = [
        "",
        "### Event pipeline: acknowledged against arrived",
        "",
        "Each run's events are matched by id: outbox rows committed in the run's window "
        "against audit rows the worker wrote. Latency is `recorded_at - occurred_at`.",
        "",
        "| run | answered 2xx | committed | arrived | lost | events/s | p50 ms | p99 ms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for key in ("patch", "register"):
        scenario = results["scenarios"][key]
        runs = [("max", scenario["closed"]["median"])]
        runs += [(f"{run['offered_rps']:.0f}/s", run) for run in scenario["open"]]
        for label, run in runs:
            events = run["events"]
            latency = events.get("latency_ms", {"p50": 0, "p99": 0})
            lines.append(
                f"| {key} {label} | {run['ok']} | {events['committed']} | {events['arrived']} "
                f"| {events['lost']} | {events.get('events_per_s')} | {latency['p50']} | {latency['p99']} |"
            )
    for label, run in results["broker_baseline"].items():
        latency = run["latency_ms"]
        lines.append(
            f"| broker alone (publish-confirm, consume-ack) {label} | {run['messages']} | | "
            f"{run['messages'] - run['missing']} | {run['missing']} | {run['rate_per_s']:.0f} "
            f"| {_ms(latency, 'p50')} | {_ms(latency, 'p99')} |"
        )
    argon2 = results["argon2"]
    lines += [
        "",
        "### Password hashing under load",
        "",
        f"Registrations per CPU-second of the users service: {argon2['registrations_per_cpu_s']}; "
        f"the criterion bench's argon2id hashes per second on one core: "
        f"{argon2['criterion_hashes_per_s'] or 'not run in this profile'}.",
    ]
    return lines


def plots(results: dict, out: Path) -> None:
    import matplotlib

    matplotlib.use("svg")
    import matplotlib.pyplot as plt

    matplotlib.rcParams["svg.hashsalt"] = "capstone"  # stable ids: diffs show real changes
    matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text: small, searchable
    scenarios = results["scenarios"]
    cached = [s for s in scenarios.values() if s["group"] == "cached read"]
    if not cached:
        return  # a partial run (--only) with nothing to plot

    figure, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for scenario in cached:
        runs = sorted(scenario["open"], key=lambda run: run["offered_rps"])
        rates = [run["offered_rps"] for run in runs]
        for axis, percentile in zip(axes, ("p50", "p99")):
            axis.plot(rates, [run["latency_ms"][percentile] for run in runs], marker="o",
                      label=scenario["title"])
    for axis, percentile in zip(axes, ("p50", "p99")):
        axis.set_title(f"Cached read, {percentile} latency at a fixed offered rate")
        axis.set_xlabel("offered rate (requests/s, open loop)")
        axis.set_ylabel(f"{percentile} latency (ms, corrected)")
        axis.set_yscale("log")
        axis.grid(True, which="both", alpha=0.3)
    axes[1].legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(out / "latency.svg", metadata={"Date": None})
    plt.close(figure)

    figure, axis = plt.subplots(figsize=(8, 3.8))
    shown = [s for s in scenarios.values() if s["group"] in ("cached read", "uncached read")]
    titles = [s["title"] for s in shown]
    maxima = [s["closed"]["median"]["throughput_rps"] for s in shown]
    axis.barh(titles[::-1], maxima[::-1], color="#4c72b0")
    for y, value in enumerate(maxima[::-1]):
        axis.text(value, y, f" {value:,.0f}", va="center", fontsize=8)
    axis.set_xlim(0, max(maxima) * 1.15)  # room for the value labels
    axis.set_xlabel("requests/s (closed loop, median of rounds)")
    axis.set_title("GET /api/v1/users/{id}: maximum rate by path")
    axis.tick_params(axis="y", labelsize=8)
    figure.tight_layout()
    figure.savefig(out / "throughput.svg", metadata={"Date": None})
    plt.close(figure)


def write(results: dict, out: Path, plots_to: Path) -> None:
    """results.json and results.md to `out`, the SVGs to `plots_to` (the
    book's own directory for the published run: mdBook serves only what is
    under docs/src)."""
    out.mkdir(parents=True, exist_ok=True)
    plots_to.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (out / "results.md").write_text(markdown(results))
    plots(results, plots_to)
