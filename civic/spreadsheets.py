"""Cells for CSV files that people open in a spreadsheet.

Excel, LibreOffice and Google Sheets run a cell that starts with = + - @ (or a tab or
carriage return before one) as a formula: a report titled `=HYPERLINK("http://…")`
would become a link, or worse, in the downloading official's spreadsheet. Text that
starts so gets a leading apostrophe, which spreadsheets show as plain text (OWASP's
"CSV injection" advice). Numbers are left alone: a longitude of -0.12 stays a number.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value):
    """`value` as a CSV cell: empty for None, text that could run as a formula made text."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
