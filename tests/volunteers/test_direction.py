"""Arrows point down: reports and discussions never import volunteers; the call block
reaches their pages through a template tag loaded by name."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import discussions
import reports

ROOT = Path(discussions.__file__).parent.parent


def imported_modules(package_root: Path) -> list[tuple[str, str]]:
    found = []
    for path in package_root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found += [(str(path.relative_to(ROOT)), alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.append((str(path.relative_to(ROOT)), node.module))
            elif (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", "")) == "import_module"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.append((str(path.relative_to(ROOT)), str(node.args[0].value)))
    return found


@pytest.mark.parametrize("package", [reports, discussions], ids=["reports", "discussions"])
def test_package_never_imports_volunteers(package):
    root = Path(package.__file__).parent
    offenders = [
        f"{path}: {name}"
        for path, name in imported_modules(root)
        if name.split(".")[0] == "volunteers"
    ]
    assert offenders == []


def test_report_and_topic_pages_load_the_call_block_by_name():
    for template in ("reports/detail.html", "discussions/topic_detail.html"):
        text = (ROOT / "templates" / template).read_text()
        assert "volunteers %}" in text and "{% volunteer_calls " in text, template
