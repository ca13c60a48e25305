"""The follow-along code: the deck's address as a QR code, made offline by segno, as SVG."""
from __future__ import annotations

import io

from bdl_demo import palette

SIZE_PX = 300  # drawn this wide on the title slide: readable from the back of a room


def follow_along(url: str) -> tuple[bytes, str]:
    """A QR code of `url` (error correction M, quiet zone of four modules) and its alt text."""
    import segno

    code = segno.make(url, error="m", micro=False)
    buffer = io.BytesIO()
    code.save(buffer, kind="svg", scale=SIZE_PX / code.symbol_size(border=4)[0], border=4,
              dark=palette.TEXT_COLOR, light="#ffffff", xmldecl=True, svgclass=None, lineclass=None)
    return buffer.getvalue(), f"A QR code that opens {url}, where this deck can be followed on a phone."
