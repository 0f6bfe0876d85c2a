"""Personal data in public text: found, hidden behind a marker, and kept for staff.

Every public text (a report's title and description, comments, topics, volunteer calls,
official notes) is masked by the action that saves it, so the stored public field holds
the masked text and every output that reads it (pages, live fragments, feeds, the API,
exports, emails, search) is masked with no work of its own. The original goes into a
`PrivateOriginal` row that only staff see. Forms warn the author first
(`PersonalDataCheck`); the Open311 API cannot ask, so it only masks.

What is found:

- email addresses (name@domain.tld);
- phone numbers, by Google's libphonenumber (`phonenumbers`): international forms
  ("+34 612 345 678", "0044 20 7946 0958") anywhere, and national forms with spaces,
  dots, dashes or brackets for the regions in `settings.PRIVACY_PHONE_REGIONS`; only
  numbers valid in their numbering plan count, which leaves dates, times, prices,
  postcodes, report numbers, years and coordinates alone;
- vehicle number plates: the current Spanish format ("1234 ABC", "1234-ABC"), the old
  provincial one ("M-1234-AB", "GI 1234 AB"), the British one ("AB12 CDE"), and any
  other letters-and-digits code right after a word such as "plate", "registration" or
  "matrícula" ("plate: KA 01 AB 1234").

Not found: numbers written out in words or with letters for digits ("six one two…"),
emails spelled "name at domain dot com", plates in lower case or of other countries
without a cue word, and anything inside a web address (left whole, so links work).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

import phonenumbers
from django import forms
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Model, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from civic.models import PrivateOriginal

EMAIL = "email"
PHONE = "phone"
PLATE = "plate"
KINDS = (EMAIL, PHONE, PLATE)


def _markers() -> dict[str, str]:
    return {
        EMAIL: _("[email hidden]"),
        PHONE: _("[phone number hidden]"),
        PLATE: _("[number plate hidden]"),
    }


def _names() -> dict[str, str]:
    return {
        EMAIL: _("an email address"),
        PHONE: _("a phone number"),
        PLATE: _("a vehicle number plate"),
    }


@dataclass(frozen=True)
class Finding:
    kind: str
    start: int
    end: int
    value: str


@dataclass(frozen=True)
class Masked:
    text: str
    kinds: list[str] = field(default_factory=list)
    original: str = ""

    @property
    def changed(self) -> bool:
        return bool(self.kinds)


_EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_URL_RE = re.compile(r"(?i)\b(?:https?://|www\.)\S+")

# Spanish plates since 2000: four digits and three letters (consonants on real plates,
# but people type "1234 ABC" too).
_PLATE_ES = r"\d{4}[ -]?[A-Z]{3}"
# Spanish provincial plates before 2000: province, four digits, one or two letters.
# fmt: off
_PROVINCES = (
    "A", "AB", "AL", "AV", "B", "BA", "BI", "BU", "C", "CA", "CC", "CE", "CO", "CR", "CS",
    "CU", "GC", "GE", "GI", "GR", "GU", "H", "HU", "IB", "J", "L", "LE", "LO", "LU", "M",
    "MA", "ML", "MU", "NA", "O", "OR", "OU", "P", "PM", "PO", "S", "SA", "SE", "SG", "SO",
    "SS", "T", "TE", "TF", "TO", "V", "VA", "VI", "Z", "ZA",
)
# fmt: on
_PROVINCE_RE = "|".join(sorted(_PROVINCES, key=len, reverse=True))
_PLATE_ES_OLD = rf"(?:{_PROVINCE_RE})[ -]?\d{{4}}[ -]?[A-Z]{{1,2}}"
# British plates since 2001: two letters, two digits, three letters.
_PLATE_UK = r"[A-Z]{2}\d{2} ?[A-Z]{3}"
_PLATE_RE = re.compile(rf"(?<![\w-])(?:{_PLATE_ES}|{_PLATE_ES_OLD}|{_PLATE_UK})(?![\w-])")
# Any other plate, only where a word says it is one: letters and digits both.
_PLATE_CUE_RE = re.compile(
    r"(?i:\b(?:number plate|licen[cs]e plate|plate|registration|reg\.?|matr[ií]cula|placa)"
    r"(?:\s+(?:number|no\.?|n[º°o]\.?))?\s*[:#]?\s*)"
    r"(?P<plate>[A-Z0-9](?:[A-Z0-9]|[ -](?=[A-Z0-9])){2,11})(?![\w-])"
)
# Uppercase three-letter words that follow a number without being a plate.
_NOT_PLATES = {
    "EUR",
    "USD",
    "GBP",
    "UTC",
    "GMT",
    "CET",
    "KMH",
    "PDF",
    "JPG",
    "PNG",
    "AEM",
    "CEO",
    "DNI",
    "NIE",
}


def _phone_findings(text: str) -> list[Finding]:
    found: dict[tuple[int, int], Finding] = {}
    for region in settings.PRIVACY_PHONE_REGIONS:
        for match in phonenumbers.PhoneNumberMatcher(
            text, region, leniency=phonenumbers.Leniency.VALID
        ):
            start, end, raw = match.start, match.end, match.raw_string
            # "(612 345 678)": the bracket around the number is the sentence's, not its.
            if raw.startswith("(") and ")" not in raw:
                start, raw = start + 1, raw[1:]
            found.setdefault((start, end), Finding(PHONE, start, end, raw))
    return list(found.values())


def _plate_findings(text: str) -> list[Finding]:
    found = []
    for match in _PLATE_RE.finditer(text):
        if match.group()[-3:] in _NOT_PLATES:
            continue
        found.append(Finding(PLATE, match.start(), match.end(), match.group()))
    for match in _PLATE_CUE_RE.finditer(text):
        plate = match.group("plate")
        if re.search(r"\d", plate) and re.search(r"[A-Z]", plate):
            found.append(Finding(PLATE, match.start("plate"), match.end("plate"), plate))
    return found


def find(text: str) -> list[Finding]:
    """The personal data in `text`, in order, none overlapping another."""
    if not text:
        return []
    urls = [match.span() for match in _URL_RE.finditer(text)]
    candidates = [
        Finding(EMAIL, match.start(), match.end(), match.group())
        for match in _EMAIL_RE.finditer(text)
    ]
    candidates += _phone_findings(text)
    candidates += _plate_findings(text)
    # The longest of overlapping findings wins (an email's digits are not a phone).
    candidates.sort(key=lambda f: (f.start, -(f.end - f.start)))
    findings: list[Finding] = []
    for finding in candidates:
        if any(start < finding.end and finding.start < end for start, end in urls):
            continue
        if findings and finding.start < findings[-1].end:
            continue
        findings.append(finding)
    return findings


def mask(text: str) -> Masked:
    """`text` with each finding replaced by its marker, and the kinds found."""
    findings = find(text)
    if not findings:
        return Masked(text=text, original=text)
    markers = _markers()
    parts, position = [], 0
    for finding in findings:
        parts += [text[position : finding.start], markers[finding.kind]]
        position = finding.end
    parts.append(text[position:])
    kinds = list(dict.fromkeys(f.kind for f in findings))
    return Masked(text="".join(parts), kinds=kinds, original=text)


@cache
def _all_markers(languages: tuple[str, ...]) -> tuple[str, ...]:
    markers = set()
    for code in languages:
        with translation.override(code):
            markers.update(_markers().values())
    return tuple(sorted(markers, key=len, reverse=True))


def markdown_safe(text: str) -> str:
    """Markers escaped for Markdown, so "[phone number hidden](…)" never becomes a link."""
    if "[" not in (text or ""):
        return text
    languages = tuple(code for code, _name in settings.LANGUAGES)
    for marker in _all_markers(languages):
        text = text.replace(marker, "\\[" + marker[1:-1] + "\\]")
    return text


def warning(findings: list[Finding]) -> str:
    """What the author is told before posting text with personal data."""
    names, markers = _names(), _markers()
    what = ", ".join(f"{names[f.kind]} ({f.value})" for f in findings)
    shown = ", ".join(dict.fromkeys(markers[f.kind] for f in findings))
    return ngettext(
        "Your text looks like it contains %(what)s. It will be shown as %(shown)s; staff "
        "can still see it. Remove it, or post as it is.",
        "Your text looks like it contains %(what)s. They will be shown as %(shown)s; staff "
        "can still see them. Remove them, or post as it is.",
        len(findings),
    ) % {"what": what, "shown": shown}


class PersonalDataCheck:
    """A form mixin (put it first among the bases): the fields in `privacy_fields` that
    look like they hold personal data get a warning as their error, until the author
    ticks "post as it is" (`post_as_is`, shown with the warning)."""

    privacy_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["post_as_is"] = forms.BooleanField(
            label=gettext_lazy("Post as it is: the details above are hidden from the public"),
            required=False,
        )
        self.privacy_findings: dict[str, list[Finding]] = {}

    def clean(self) -> dict:
        cleaned = super().clean()
        self.privacy_findings = {}
        for name in self.privacy_fields:
            value = cleaned.get(name)
            if isinstance(value, str) and (found := find(value)):
                self.privacy_findings[name] = found
        if not cleaned.get("post_as_is"):
            for name, found in self.privacy_findings.items():
                self.add_error(name, ValidationError(warning(found), code="personal_data"))
        return cleaned

    @property
    def warns_of_personal_data(self) -> bool:
        return bool(self.privacy_findings)


# --- the originals, for staff ----------------------------------------------------------


def keep(obj: Model, masked: dict[str, Masked], *, new: bool = False) -> None:
    """Keep for staff the originals of `obj`'s fields just saved from `masked` (field name
    to `mask()` result); a field whose new text needed no mask loses its kept original
    (nothing to look up for a new object: `new=True`)."""
    kept = {name: m for name, m in masked.items() if m.changed}
    clean = [name for name, m in masked.items() if not m.changed]
    if not kept and (new or not clean):
        return
    content_type = ContentType.objects.get_for_model(obj)
    if clean and not new:
        PrivateOriginal.objects.filter(
            content_type=content_type, object_id=obj.pk, field__in=clean
        ).delete()
    now = timezone.now()
    for name, m in kept.items():
        PrivateOriginal.objects.update_or_create(
            content_type=content_type,
            object_id=obj.pk,
            field=name,
            defaults={"original": m.original, "kinds": m.kinds, "updated_at": now},
            create_defaults={
                "original": m.original,
                "kinds": m.kinds,
                "created_at": now,
                "updated_at": now,
            },
        )


def forget(obj: Model, *fields: str) -> None:
    """The author took the text back (a deleted comment): its original goes too."""
    PrivateOriginal.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk, field__in=fields
    ).delete()


def originals_of(*targets: tuple[type[Model], object]) -> list[PrivateOriginal]:
    """The kept originals of several sets of objects at once: each target is (model, ids),
    the ids a list or a queryset of primary keys. One query."""
    where = Q(pk__in=[])
    for model, ids in targets:
        # By name, not by a looked-up ContentType: no query of its own.
        meta = model._meta
        where |= Q(
            content_type__app_label=meta.app_label,
            content_type__model=meta.model_name,
            object_id__in=ids,
        )
    return list(
        PrivateOriginal.objects.filter(where)
        .select_related("content_type")
        .order_by("created_at", "pk")
    )


def kind_labels(kinds: list[str]) -> str:
    names = {
        EMAIL: _("email"),
        PHONE: _("phone number"),
        PLATE: _("number plate"),
    }
    return ", ".join(str(names.get(kind, kind)) for kind in kinds)


__all__ = [
    "EMAIL",
    "PHONE",
    "PLATE",
    "Finding",
    "Masked",
    "PersonalDataCheck",
    "find",
    "forget",
    "keep",
    "kind_labels",
    "markdown_safe",
    "mask",
    "originals_of",
    "warning",
]
