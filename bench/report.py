"""Gather what the benchmarks recorded (bench/results/parts/*.json) into one report:

bench/results/<date>.json      every figure, with the machine it was measured on
bench/results/<date>.md        the tables (printed too), with ratios to the bare server
bench/results/<date>-*.png     latency against clients per rung; page latency against rate
bench/results/latest.md        the newest report (the README links it)

python bench/report.py
"""

from __future__ import annotations

import datetime
import json
import math
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BASE_DIR, PARTS, RESULTS

ORDER = ["sockets", "feed", "pages", "send", "bench", "fanout", "agenda", "decisions"]


def load_parts() -> list[dict]:
    parts = [json.loads(p.read_text()) for p in sorted(PARTS.glob("*.json"))]
    rank = {name: n for n, name in enumerate(ORDER)}
    return sorted(parts, key=lambda p: rank.get(p["section"], len(ORDER)))


def cell(value, digits: int | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "**NO**"
    if isinstance(value, float):
        return f"{value:.{1 if digits is None else digits}f}"
    return str(value)


def table(part: dict) -> str:
    rows = part.get("rows") or []
    if not rows:
        return "(no rows)\n"
    columns = part.get("columns") or [[key, key, None] for key in rows[0]]
    lines = [
        "| " + " | ".join(c[1] for c in columns) + " |",
        "|" + "|".join("---" for _ in columns) + "|",
    ]
    for row in rows:
        lines.append("| " + " | ".join(cell(row.get(c[0]), c[2]) for c in columns) + " |")
    return "\n".join(lines) + "\n"


def machine() -> dict:
    def run(*command: str) -> str:
        try:
            return subprocess.run(command, capture_output=True, text=True, check=False).stdout
        except OSError:
            return ""

    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "commit": run("git", "-C", str(BASE_DIR), "rev-parse", "--short", "HEAD").strip(),
        "redis": run("redis-server", "--version").split(" v=")[-1].split()[0]
        if shutil.which("redis-server")
        else None,
    }


def plots(parts: list[dict], stem: str) -> list[str]:
    """PNG plots beside the report; their file names."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    made = []
    by_section = {p["section"]: p for p in parts}
    sockets = by_section.get("sockets")
    if sockets:
        rows = [r for r in sockets["rows"] if r["case"] == "1 room"]
        figure, axes = plt.subplots(1, 2, figsize=(11, 4.2))
        for rung in dict.fromkeys(r["rung"] for r in rows):
            mine = sorted((r for r in rows if r["rung"] == rung), key=lambda r: r["clients"])
            for axis, key in zip(axes, ("p50", "p99"), strict=True):
                axis.plot(
                    [r["clients"] for r in mine], [r[key] for r in mine], marker="o", label=rung
                )
        for axis, key in zip(axes, ("p50", "p99"), strict=True):
            axis.set_title(f"Delivery latency {key}, one room, 1 message/s")
            axis.set_xlabel("clients")
            axis.set_ylabel("ms")
            axis.set_yscale("log")
            axis.grid(True, alpha=0.3)
            axis.legend()
        figure.tight_layout()
        name = f"{stem}-sockets.png"
        figure.savefig(RESULTS / name, dpi=110)
        plt.close(figure)
        made.append(name)
    pages = by_section.get("pages")
    if pages:
        rows = [
            r
            for r in pages["rows"]
            if isinstance(r.get("rate"), (int, float)) and isinstance(r.get("p99_ms"), (int, float))
        ]
        figure, axis = plt.subplots(figsize=(8, 4.5))
        for page in dict.fromkeys(r["page"] for r in rows):
            mine = sorted((r for r in rows if r["page"] == page), key=lambda r: r["rate"])
            axis.plot(
                [r["rate"] for r in mine], [r["p99_ms"] for r in mine], marker="o", label=page
            )
        axis.axhline(100, color="grey", linestyle="--", linewidth=1)
        axis.set_title("Page latency p99 against request rate")
        axis.set_xlabel("requests per second")
        axis.set_ylabel("p99 ms")
        axis.grid(True, alpha=0.3)
        axis.legend(fontsize=8)
        figure.tight_layout()
        name = f"{stem}-pages.png"
        figure.savefig(RESULTS / name, dpi=110)
        plt.close(figure)
        made.append(name)
    return made


def main() -> None:
    parts = load_parts()
    if not parts:
        sys.exit("No benchmark results in bench/results/parts: run make bench first.")
    stem = datetime.date.today().isoformat()
    RESULTS.mkdir(parents=True, exist_ok=True)
    about = machine()
    images = plots(parts, stem)
    lines = [
        f"# Rakor benchmarks, {stem}",
        "",
        f"Commit {about['commit']}, {about['cpu']}, {about['cores']} cores, "
        f"Python {about['python']}. Reproduce with `make bench` (docs/performance.md).",
        "",
    ]
    for part in parts:
        lines += [f"## {part.get('title', part['section'])}", "", table(part)]
        lines += [f"- {note}" for note in part.get("notes", [])]
        lines.append("")
    lines += [f"![{name}]({name})" for name in images]
    text = "\n".join(lines) + "\n"
    (RESULTS / f"{stem}.md").write_text(text)
    (RESULTS / "latest.md").write_text(text)
    (RESULTS / f"{stem}.json").write_text(
        json.dumps({"date": stem, "machine": about, "sections": parts}, indent=1, default=str)
    )
    print(text)
    print(f"Written: bench/results/{stem}.json, {stem}.md, latest.md, {', '.join(images)}")


if __name__ == "__main__":
    main()
