#!/usr/bin/env python3
"""Keep the Spanish catalog (locale/es/LC_MESSAGES/django.po and .mo) complete, with no
extra dependency. After adding or changing marked strings:

    .venv/bin/python scripts/translations.py update todo.json   # makemessages, then list
    # edit todo.json: {"English msgid": "Spanish", "msgid with plural": ["uno", "varios"]}
    .venv/bin/python scripts/translations.py fill todo.json     # write, check, compile
    git add locale/                                             # the .po and the .mo

`update` runs makemessages (the project's ignore list, no source locations, so the .po
diffs stay small) and writes every entry that is empty or fuzzy to the JSON file, with
gettext's fuzzy guess as a starting value. `fill` takes the non-empty values of one or
more JSON files, clears their fuzzy flag, re-wraps the file with msgcat, prints what is
still missing or whose placeholders differ, and runs compilemessages. `check` prints the
problems only. Placeholders (%(name)s, %s, {name}, HTML tags) must be kept exactly; a
singular form may drop its count ("Un comentario"). Terms used throughout: report =
"aviso", authority = "organismo", staff = "personal", follow = "seguir", me too = "A mí
también", volunteer call = "convocatoria de voluntariado", usted form.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
LANGUAGE = "es"
CATALOGS = [LOCALE / LANGUAGE / "LC_MESSAGES" / "django.po"]
IGNORED = [".venv/*", "data/*", "static/vendor/*", "staticfiles/*", "node_modules/*"]

# %(name)s, %s, %d, %%; {name} as used by the page scripts' format(); HTML tags.
PLACEHOLDER = re.compile(r"%\([A-Za-z0-9_]+\)[sdif]|%[sdif%]|\{[A-Za-z0-9_]+\}|</?[a-zA-Z][^>]*>")


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), text
    body = text[1:-1]
    return re.sub(
        r"\\(.)", lambda m: {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}[m.group(1)], body
    )


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
    lines = escaped.split("\n")
    parts = [line + "\\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
    if len(parts) <= 1:
        return f'"{parts[0] if parts else ""}"'
    return '""\n' + "\n".join(f'"{part}"' for part in parts)


@dataclass
class Entry:
    comments: list[str] = field(default_factory=list)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    obsolete: bool = False

    @property
    def key(self) -> str:
        return f"{self.msgctxt}\x04{self.msgid}" if self.msgctxt is not None else self.msgid

    @property
    def fuzzy(self) -> bool:
        return any(c.startswith("#,") and "fuzzy" in c for c in self.comments)

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr.values()) and not self.fuzzy

    def unfuzz(self) -> None:
        kept = []
        for comment in self.comments:
            if comment.startswith("#,"):
                flags = [f.strip() for f in comment[2:].split(",") if f.strip() != "fuzzy"]
                if flags:
                    kept.append("#, " + ", ".join(flags))
            elif not comment.startswith("#|"):  # the previous msgid of a fuzzy match
                kept.append(comment)
        self.comments = kept

    def render(self) -> str:
        out = list(self.comments)
        if self.msgctxt is not None:
            out.append("msgctxt " + _quote(self.msgctxt))
        out.append("msgid " + _quote(self.msgid))
        if self.msgid_plural is not None:
            out.append("msgid_plural " + _quote(self.msgid_plural))
            for index in sorted(self.msgstr):
                out.append(f"msgstr[{index}] " + _quote(self.msgstr[index]))
        else:
            out.append("msgstr " + _quote(self.msgstr.get(0, "")))
        return "\n".join(out)


def parse(path: Path) -> tuple[list[Entry], list[str]]:
    """The entries of a .po file, and its obsolete (#~) lines kept as they are."""
    entries: list[Entry] = []
    obsolete: list[str] = []
    entry = Entry()
    target: tuple[str, int] | None = None

    def flush() -> None:
        nonlocal entry, target
        if target is not None:
            entries.append(entry)
        entry, target = Entry(), None

    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#~"):
            obsolete.append(line)
            continue
        if not line.strip():
            flush()
            continue
        if line.startswith("#"):
            if target is not None:
                flush()
            entry.comments.append(line)
            continue
        match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(.*)$", line)
        if match:
            keyword, index, rest = match.groups()
            # A new msgctxt or msgid starts the next entry (unless msgid follows its msgctxt).
            if keyword in ("msgctxt", "msgid") and target is not None and target[0] != "msgctxt":
                flush()
            target = (keyword.split("[")[0], int(index or 0))
            value = _unquote(rest)
        else:
            value = _unquote(line)
        name, index = target
        if name == "msgstr":
            entry.msgstr[index] = entry.msgstr.get(index, "") + value
        elif name == "msgid_plural":
            entry.msgid_plural = (entry.msgid_plural or "") + value
        else:
            setattr(entry, name, (getattr(entry, name) or "") + value)
    flush()
    return entries, obsolete


def write(path: Path, entries: list[Entry], obsolete: list[str]) -> None:
    text = "\n\n".join(entry.render() for entry in entries) + "\n"
    if obsolete:
        text += "\n" + "\n".join(obsolete) + "\n"
    path.write_text(text, encoding="utf-8")
    # msgcat re-wraps long lines the way makemessages writes them: small diffs.
    subprocess.run(["msgcat", "--no-location", "-o", str(path), str(path)], check=True)


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def problems(entries: list[Entry]) -> list[str]:
    """Untranslated, fuzzy, or placeholders that differ between msgid and msgstr."""
    found = []
    for entry in entries:
        if not entry.msgid:
            continue  # the header
        if not entry.translated:
            found.append(f"untranslated or fuzzy: {entry.msgid!r}")
            continue
        for index, text in entry.msgstr.items():
            source = entry.msgid if index == 0 or entry.msgid_plural is None else entry.msgid_plural
            # A singular may drop the count ("Un comentario"), never add or change one.
            expected, got = placeholders(source), placeholders(text)
            if expected != got and not (
                entry.msgid_plural is not None and set(got) <= set(placeholders(entry.msgid_plural))
            ):
                found.append(f"placeholders differ in {entry.msgid!r}: {expected} vs {got}")
    return found


def makemessages() -> None:
    command = [sys.executable, "manage.py", "makemessages", "-l", LANGUAGE, "--no-location"]
    for pattern in IGNORED:
        command += ["-i", pattern]
    subprocess.run(command, cwd=ROOT, check=True)


def missing(out: Path) -> int:
    todo: dict[str, object] = {}
    for catalog in CATALOGS:
        entries, _obsolete = parse(catalog)
        for entry in entries:
            if entry.msgid and not entry.translated:
                if entry.msgid_plural is not None:
                    todo[entry.key] = [
                        entry.msgstr.get(i, "") if entry.fuzzy else "" for i in (0, 1)
                    ]
                else:
                    todo[entry.key] = entry.msgstr.get(0, "") if entry.fuzzy else ""
    out.write_text(json.dumps(todo, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(todo)} entries to translate in {out}")
    return len(todo)


def fill(sources: list[Path]) -> None:
    translations: dict[str, object] = {}
    for source in sources:
        translations.update(json.loads(source.read_text(encoding="utf-8")))
    for catalog in CATALOGS:
        entries, obsolete = parse(catalog)
        filled = 0
        for entry in entries:
            value = translations.get(entry.key)
            if not entry.msgid or not value:
                continue
            if entry.msgid_plural is not None:
                forms = list(value) if isinstance(value, list) else [value, value]
                entry.msgstr = dict(enumerate(forms[:2]))
            else:
                entry.msgstr = {0: str(value)}
            entry.unfuzz()
            filled += 1
        write(catalog, entries, obsolete)
        left = problems(entries)
        print(f"{catalog.relative_to(ROOT)}: {filled} filled, {len(left)} problems left")
        for problem in left[:40]:
            print("  " + problem)
    subprocess.run(
        [sys.executable, "manage.py", "compilemessages", "-l", LANGUAGE], cwd=ROOT, check=True
    )


def main(argv: list[str]) -> int:
    command, *args = argv or ["help"]
    if command == "extract":
        makemessages()
        return 0
    if command == "update":
        makemessages()
        return 1 if missing(Path(args[0])) else 0
    if command == "missing":
        return 1 if missing(Path(args[0])) else 0
    if command == "fill":
        fill([Path(arg) for arg in args])
        return 0
    if command == "check":
        left = [p for catalog in CATALOGS for p in problems(parse(catalog)[0])]
        print("\n".join(left) or "complete")
        return 1 if left else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
