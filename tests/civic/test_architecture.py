"""The shape of the house (docs/architecture.md): every room under the import contracts,
files and functions small enough to read, and reports, comments, calls and sign-ups
changed only by their rooms' actions."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAX_FILE_LINES = 500
MAX_FUNCTION_LINES = 80

# What is written only through actions, and the modules allowed to write it: the
# actions themselves, and the volunteer models' own locked methods (sign up, withdraw,
# capacity), which volunteers.actions calls.
GUARDED = {
    "Report": ("reports/actions/",),
    "Comment": ("discussions/actions.py",),
    "Opportunity": ("volunteers/actions.py", "volunteers/models.py"),
    "Signup": ("volunteers/actions.py", "volunteers/models.py"),
}
# Demo and benchmark data: history written in bulk, not changes anyone makes.
DEMO = ("volunteers/demo.py", "civic_site/benchmark/")
WRITES = {"update", "create", "bulk_create", "bulk_update", "delete", "get_or_create"}
WRITES |= {"update_or_create"}


def rooms() -> list[str]:
    return sorted(path.parent.name for path in ROOT.glob("*/apps.py"))


def source_files():
    for room in [*rooms(), "scripts"]:
        for path in sorted((ROOT / room).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_every_room_is_under_the_import_contracts():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    assert sorted(config["root_packages"]) == rooms()
    layers = next(c for c in config["contracts"] if c["type"] == "layers")["layers"]
    layered = sorted(name.strip() for layer in layers for name in layer.split("|"))
    assert layered == rooms()
    acyclic = next(c for c in config["contracts"] if c["type"] == "acyclic_siblings")
    assert sorted(acyclic["ancestors"]) == rooms()


def test_no_file_is_over_500_lines():
    long = {
        relative(path): lines
        for path in source_files()
        if (lines := len(path.read_text().splitlines())) > MAX_FILE_LINES
    }
    assert long == {}


def test_no_function_is_over_80_lines():
    long = {}
    for path in source_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long[f"{relative(path)}:{node.name}"] = lines
    assert long == {}


def _manager_writes(tree: ast.AST):
    """(model name, method, line) of each `Model.objects....<write>(...)` call."""
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in WRITES:
            continue
        receiver = node.func.value
        while isinstance(receiver, ast.Call | ast.Attribute | ast.Subscript):
            if (
                isinstance(receiver, ast.Attribute)
                and receiver.attr == "objects"
                and isinstance(receiver.value, ast.Name)
            ):
                yield receiver.value.id, node.func.attr, node.lineno
                break
            receiver = receiver.func if isinstance(receiver, ast.Call) else receiver.value


def test_reports_comments_calls_and_signups_change_only_through_actions():
    outside = []
    for path in source_files():
        name = relative(path)
        if name.startswith(DEMO):
            continue
        for model, method, line in _manager_writes(ast.parse(path.read_text())):
            allowed = GUARDED.get(model)
            if allowed is not None and not name.startswith(allowed):
                outside.append(f"{name}:{line} {model}.objects…{method}()")
    assert outside == []


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("Report.objects.filter(pk=1).update(state='fixed')", [("Report", "update")]),
        ("Comment.objects.create(body='x')", [("Comment", "create")]),
        ("Report.objects.filter(pk=1).first()", []),
    ],
)
def test_the_write_scan_sees_a_write_through_a_manager(source, found):
    assert [(m, w) for m, w, _line in _manager_writes(ast.parse(source))] == found
