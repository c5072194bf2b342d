"""The one writer of the CSV files the product publishes, safe to open in a spreadsheet.

OWASP's "CSV Injection" page: Excel, LibreOffice and Google Sheets read a cell that starts
with =, +, -, @, a tab or a carriage return as a formula, and a formula can fetch a URL with
the sheet's data or run a command. So a text cell that starts with one of them is written with
a single quote before it, which spreadsheets take as "this is text" and do not show. Numbers
are not text: a number column keeps "-12.5" as it is, so that sums still work.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

# Byte order mark: Excel opens a UTF-8 CSV as UTF-8 only when the file starts with one.
BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")


def text_cell(text: str) -> str:
    """Text that a spreadsheet shows as written and never evaluates."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cell(value: Any, numeric: bool = False) -> str:
    """One cell. A number (a Python number, or a number column's text) stays a number only when
    it reads as a plain number; anything else is text and neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if (numeric or isinstance(value, int | float | Decimal)) and NUMBER.fullmatch(text):
        return text
    return text_cell(text)


def write_csv(
    columns: Sequence[str],
    rows: Iterable[Mapping[str, Any]],
    numeric: Collection[str] = (),
) -> str:
    """A whole file: a BOM, the header row, then each row's cells in the columns' order
    (a missing value is an empty cell). `numeric` names the columns that hold numbers."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([text_cell(column) for column in columns])
    for row in rows:
        writer.writerow([cell(row.get(column), column in numeric) for column in columns])
    return buffer.getvalue()
