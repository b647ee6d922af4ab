"""The arrows between the parts of Rakor (docs/architecture.md), walked from the code's own
imports, every one of them (module-level and inside functions):

    meetings -> messaging -> organisation -> platform;  the wiring -> everything.

The wiring is coordination/wiring/ and the Django entry points beside it (settings, urls,
asgi, admin, apps, the models module Django loads, templatetags, management commands). No
other part imports the wiring, and none imports a part above it. A new forbidden import fails
this test, naming the file, the line and the arrow.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGES = ("coordination", "messaging", "meetings")

# Each part and the parts it may import (besides itself).
ALLOWED = {
    "platform": set(),
    "organisation": {"platform"},
    "messaging": {"organisation", "platform"},
    "meetings": {"messaging", "organisation", "platform"},
    "wiring": {"platform", "organisation", "messaging", "meetings"},
}


def part_of(module: str) -> str | None:
    """The part a dotted module name belongs to (None: not Rakor's code)."""
    top, *rest = module.split(".")
    if top in ("messaging", "meetings"):
        return top
    if top != "coordination":
        return None
    if rest[:1] in (["platform"], ["organisation"]):
        return rest[0]
    return "wiring"


def modules() -> list[tuple[str, Path]]:
    found = []
    for package in PACKAGES:
        for path in sorted((BASE_DIR / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(BASE_DIR).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found.append((".".join(parts), path))
    return found


def imported(module: str, path: Path) -> list[tuple[int, str]]:
    """(line, dotted module) for every import in the file, resolved to modules: `from a
    import b` is `a.b` when that is a module, else `a`."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                is_module = importlib.util.find_spec(candidate.split(".")[0]) and _exists(candidate)
                found.append((node.lineno, candidate if is_module else base))
    return found


def _exists(dotted: str) -> bool:
    path = BASE_DIR.joinpath(*dotted.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def test_every_module_belongs_to_a_part_and_the_parts_exist():
    parts = {part_of(name) for name, _path in modules()}
    assert parts == set(ALLOWED)


@pytest.mark.parametrize("name,path", modules(), ids=[name for name, _path in modules()])
def test_no_module_imports_a_part_above_it(name, path):
    here = part_of(name)
    wrong = []
    for line, target in imported(name, path):
        there = part_of(target)
        if there is None or there == here:
            continue
        if there not in ALLOWED[here]:
            wrong.append(
                f"{path.relative_to(BASE_DIR)}:{line} imports {target} ({here} -> {there})"
            )
    assert not wrong, "\n".join(wrong)


def test_the_parts_import_models_from_where_they_are_defined():
    """coordination.models gathers the models for Django; the parts import them from the
    organisation or the platform (else they would reach into the wiring)."""
    wrong = [
        f"{path.relative_to(BASE_DIR)}:{line}"
        for name, path in modules()
        if part_of(name) != "wiring"
        for line, target in imported(name, path)
        if target == "coordination.models"
    ]
    assert not wrong, wrong


def test_the_walk_sees_a_forbidden_arrow(tmp_path):
    """The test itself can fail: an organisation module importing an app is caught."""
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from messaging import services\n")
    assert imported("coordination.organisation.sample", sample) == [(2, "messaging.services")]
    assert "messaging" not in ALLOWED[part_of("coordination.organisation.sample")]
