"""How wide a text stands in Streamlit's table (st.dataframe's grid), in px.

The grid draws headers and cells in the theme's font ("sans serif": Source Sans, which Streamlit
ships) at 14 px, with 8 px of padding either side (Streamlit's glide-data-grid theme). A header
wider than its column is cut; a cell wraps between words, and a word wider than the column
breaks mid-word ('Forældreco|ach'). Measured with Pillow on Streamlit's own font file.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import streamlit
from PIL import ImageFont

FONT_PX = 14
PADDING_PX = 8  # each side


@cache
def _font() -> ImageFont.FreeTypeFont:
    media = Path(streamlit.__file__).parent / "static" / "static" / "media"
    return ImageFont.truetype(str(next(media.glob("SourceSansVF-Upright*"))), FONT_PX)


def text_px(text: str) -> float:
    """The width of `text` in the grid's font."""
    return _font().getlength(text)


def fits(text: str, width: int) -> bool:
    """Does `text` stand on one line in a column `width` px wide (its padding included)?"""
    return text_px(text) + 2 * PADDING_PX <= width


def longest_word(text: str) -> str:
    """The word of `text` that needs the most width (a cell wraps between words only)."""
    return max(text.split() or [""], key=text_px)
