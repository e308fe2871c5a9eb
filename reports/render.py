"""Typst: the documents' typesetter. Python gives data (text, tables, SVG charts), one template
lays them out (templates/document.typ), and typst compiles them to PDF or to one PNG per page.

Why Typst: its Python wheel carries the compiler and its own fonts (Libertinus Serif), so a document
is made offline in milliseconds, looks the same on every machine (system fonts are ignored), and
needs no browser or LaTeX installation. Charts come from Altair through vl-convert as SVG, so they
stay vector in the PDF.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import typst

from reports.formats import fmt_date
from reports.texts import text

TEMPLATE = (Path(__file__).parent / "templates" / "document.typ").read_bytes()
PNG_PPI = 150  # A4 landscape at 150 dpi is 1754 x 1240 pixels: sharp on a 1080p projector

Block = dict


@dataclass
class Document:
    """A document's pages of blocks, its header facts and its charts (file name -> SVG)."""

    meta: dict
    lang: str
    landscape: bool
    pages: list[list[Block]] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)

    def chart(self, name: str, svg: str) -> str:
        """Keep a chart's SVG with the document; returns the file name to put in an image block."""
        file = f"{name}.svg"
        self.files[file] = svg.encode("utf-8")
        return file


def page_meta(title: str, period: str, scope: str, as_of: date, footer: str, lang: str) -> dict:
    """What every page carries: title, period, scope, as-of date and the date it was made."""
    return {
        "title": title,
        "period": period,
        "scope": scope,
        "as_of": fmt_date(as_of, lang),
        "made": fmt_date(date.today(), lang),
        "footer": footer,
        "labels": {key: text(key, lang) for key in ("period", "as_of", "made", "page")},
    }


def heading(text: str) -> Block:
    return {"kind": "heading", "text": text}


def paragraph(text: str) -> Block:
    return {"kind": "text", "text": text}


def note(text: str) -> Block:
    """A sentence under a chart or table telling the reader how to read it."""
    return {"kind": "note", "text": text}


def warning(text: str) -> Block:
    return {"kind": "warning", "text": text}


def facts(rows: list[tuple[str, str]]) -> Block:
    return {"kind": "facts", "rows": [list(r) for r in rows]}


def table(header: list[str], rows: list[list[str]], text_columns: int = 1) -> Block:
    """A table; the first `text_columns` columns are left-aligned, the figures right-aligned."""
    return {"kind": "table", "header": header, "rows": rows, "text_columns": text_columns}


def image(file: str, width: float = 1.0) -> Block:
    return {"kind": "image", "file": file, "width": width}


def tiles(items: list[tuple[str, str]]) -> Block:
    """Key figures side by side: (value, label)."""
    return {"kind": "tiles", "tiles": [{"value": v, "label": label} for v, label in items]}


def columns(*cols: list[Block], widths: list[float] | None = None) -> Block:
    return {"kind": "columns", "columns": list(cols), "widths": widths or [1.0] * len(cols)}


def _files(document: Document) -> dict[str, bytes]:
    data = {
        "meta": document.meta,
        "lang": document.lang,
        "landscape": document.landscape,
        "pages": document.pages,
    }
    return {
        "main.typ": TEMPLATE,
        "data.json": json.dumps(data, ensure_ascii=False).encode("utf-8"),
        **document.files,
    }


def _compile(document: Document, **options: object) -> bytes | list[bytes]:
    # System fonts are ignored: the document looks the same wherever it is made.
    return typst.compile(
        _files(document),
        ignore_system_fonts=True,
        timestamp=datetime.now(UTC).replace(microsecond=0),
        **options,
    )


def to_pdf(document: Document) -> bytes:
    return _compile(document)


def to_pngs(document: Document) -> list[bytes]:
    """One PNG per page at PNG_PPI."""
    pages = _compile(document, format="png", ppi=PNG_PPI)
    return pages if isinstance(pages, list) else [pages]
