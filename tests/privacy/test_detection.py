"""What counts as personal data in public text, and what does not (civic/privacy.py)."""

from __future__ import annotations

import pytest

from civic import privacy
from discussions.markup import render_markdown


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Write to ana.gomez@example.org please", "ana.gomez@example.org"),
        ("mail: a.b+street@mail.example.co.uk.", "a.b+street@mail.example.co.uk"),
    ],
)
def test_emails_are_found(text, value):
    [finding] = privacy.find(text)
    assert (finding.kind, finding.value) == (privacy.EMAIL, value)
    assert text[finding.start : finding.end] == value


@pytest.mark.parametrize(
    "value",
    [
        "612 345 678",  # Spanish mobile, spaces
        "612-345-678",
        "612.345.678",
        "91 123 45 67",  # Spanish landline
        "(91) 123 45 67",
        "+34 612 34 56 78",  # international
        "+34612345678",
        "0034 612 345 678",
        "+44 20 7946 0958",
        "020 7946 0958",  # British national
        "07911 123456",
    ],
)
def test_phone_numbers_are_found(value):
    [finding] = privacy.find(f"Call the neighbour on {value} after six.")
    assert finding.kind == privacy.PHONE
    assert value.endswith(finding.value) or finding.value.endswith(value.strip("()"))


@pytest.mark.parametrize(
    "value",
    [
        "1234 BCD",  # Spanish, since 2000
        "1234-BCD",
        "1234 ABC",
        "M-1234-AB",  # Spanish provincial, before 2000
        "GI 1234 AB",
        "AB12 CDE",  # British
        "AB12CDE",
    ],
)
def test_number_plates_are_found(value):
    [finding] = privacy.find(f"The van {value} has been parked here for weeks.")
    assert (finding.kind, finding.value) == (privacy.PLATE, value)


@pytest.mark.parametrize(
    ("text", "value"),
    [("plate: KA01AB1234 again", "KA01AB1234"), ("matrícula 5678-XYZ", "5678-XYZ")],
)
def test_other_plates_are_found_after_a_word_that_says_so(text, value):
    [finding] = privacy.find(text)
    assert (finding.kind, finding.value) == (privacy.PLATE, value)


@pytest.mark.parametrize(
    "text",
    [
        "Since 2026-12-06 at 10:30",  # dates and times
        "Reported on 06/12/2026, again on 6.12.2026",
        "From 9:00 to 17:45",
        "Same as report #12345 and report 123456",  # report numbers
        "Ver aviso 4321",
        "Repair cost €1,234.50, the bench 1.500 € and the sign $20",  # prices
        "1500 EUR",
        "Calle Mayor 12, 28013 Madrid",  # house number and postcode
        "London SW1A 1AA",
        "Built in 1998, broken since 2019",  # years
        "At 40.4168, -3.7038",  # coordinates
        "At 40.416775, -3.703790",
        "A hole 30 cm wide and 2 m long, 15kg of rubbish",  # measurements
        "The M-30 at km 12",  # roads
        "See https://example.org/reports/612345678 for the photo",  # inside a link
        "registration of report 1234",
        "Lamp post 112",
    ],
)
def test_ordinary_numbers_are_left_alone(text):
    assert privacy.find(text) == []
    assert privacy.mask(text).text == text


def test_mask_replaces_each_finding_with_its_marker_and_lists_the_kinds():
    masked = privacy.mask("Call 612 345 678 or ana@example.org; the car 1234 BCD.")
    assert masked.text == (
        "Call [phone number hidden] or [email hidden]; the car [number plate hidden]."
    )
    assert masked.kinds == [privacy.PHONE, privacy.EMAIL, privacy.PLATE]
    assert masked.original == "Call 612 345 678 or ana@example.org; the car 1234 BCD."


def test_the_digits_of_an_email_are_not_a_second_finding():
    [finding] = privacy.find("612345678@example.org")
    assert finding.kind == privacy.EMAIL


def test_markers_stay_plain_text_in_comments_markdown():
    masked = privacy.mask("Ring 600123456(evenings) or [write](mailto:ana@example.org)")
    html = render_markdown(masked.text)
    assert "[phone number hidden](evenings)" in html
    assert 'href="evenings"' not in html
    assert "ana@example.org" not in html and "600123456" not in html


def test_the_warning_says_what_was_found_and_how_it_will_appear():
    findings = privacy.find("Call 612 345 678")
    assert privacy.warning(findings) == (
        "Your text looks like it contains a phone number (612 345 678). It will be shown as "
        "[phone number hidden]; staff can still see it. Remove it, or post as it is."
    )
    two = privacy.find("Call 612 345 678 or ana@example.org")
    assert "a phone number (612 345 678), an email address (ana@example.org)" in (
        privacy.warning(two)
    )
    assert "They will be shown as [phone number hidden], [email hidden]" in privacy.warning(two)
