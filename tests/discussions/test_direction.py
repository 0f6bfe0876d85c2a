"""The direction rule: discussions knows nothing of reports or volunteers."""

from __future__ import annotations

import ast
from pathlib import Path

import discussions

FORBIDDEN = ("reports", "volunteers")


def test_discussions_never_imports_reports_or_volunteers():
    root = Path(discussions.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.relative_to(root)}: {name}"
                for name in names
                if name.split(".")[0] in FORBIDDEN
            ]
    assert offenders == []


def test_discussion_templates_name_no_report_urls():
    templates = Path(discussions.__file__).parent.parent / "templates" / "discussions"
    for path in templates.rglob("*.html"):
        assert "reports:" not in path.read_text(), path
