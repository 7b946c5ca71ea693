"""The panel beside the pictures: the current decision in large letters, the key message, the last plates
(or the engineer figures, key I) and the recording and auto-save state."""

from __future__ import annotations

from typing import Optional

import numpy as np

from securex.ui.draw import clock, fill, paste, put_text, text_size
from securex.ui.layout import Layout, Rect
from securex.ui.views import AMBER, BLUE, DARK, GREEN, GREY, RED, WHITE, Entry, PanelView, entry_look, recording_state


def draw_panel(image: np.ndarray, layout: Layout, panel: PanelView, message: Optional[str], show_info: bool) -> None:
    _draw_current(image, layout, panel)
    if message:
        fill(image, layout.message, BLUE)
        put_text(image, message, _inset(layout.message, layout.text_px("message") // 2), layout.text_px("message"),
                 WHITE)
    if show_info:
        _draw_info(image, layout, panel.info)
    else:
        _draw_recent(image, layout, panel.recent)
    recording, colour = recording_state(panel)
    status = layout.text_px("status")
    put_text(image, recording, layout.status[0], status, colour)
    auto = ("", GREY) if panel.auto_save is None else ("Auto-save: ON", GREEN) if panel.auto_save else \
        ("Auto-save: OFF (press A)", AMBER)
    site = "" if panel.on_site is None else f"   On site: {panel.on_site}"
    put_text(image, auto[0] + site, layout.status[1], status, auto[1])


def _draw_current(image: np.ndarray, layout: Layout, panel: PanelView) -> None:
    entry = panel.current
    word_cap = layout.text_px("word")
    if entry is None:
        fill(image, layout.word, DARK)
        put_text(image, "READING..." if panel.reading else "NO VEHICLE", layout.word, word_cap, GREY, "centre")
        return
    colour, word, note = entry_look(entry)
    fill(image, layout.word, colour)
    put_text(image, word, layout.word, word_cap, WHITE if colour in (RED, GREEN) else (0, 0, 0), "centre")
    put_text(image, note, layout.note, layout.text_px("note"), WHITE, "centre")
    put_text(image, entry.plate, layout.plate, layout.text_px("plate"), WHITE, "centre")
    crop_area = Rect(layout.crop.x, layout.crop.y, layout.crop.w * 3 // 5, layout.crop.h)
    paste(image, entry.crop, crop_area)
    gap = layout.text_px("row")
    side = Rect(crop_area.right + gap, layout.crop.y, layout.crop.w - crop_area.w - gap, layout.crop.h)
    half = side.h // 2
    put_text(image, clock(entry.at), Rect(side.x, side.y, side.w, half), layout.text_px("row"), WHITE)
    if entry.saved is not None:
        put_text(image, "saved" if entry.saved else "not saved", Rect(side.x, side.y + half, side.w, half),
                 layout.text_px("row"), GREEN if entry.saved else AMBER)


def _draw_recent(image: np.ndarray, layout: Layout, recent: list[Entry]) -> None:
    put_text(image, "Last plates", layout.title, layout.text_px("status"), GREY)
    row_cap, plate_cap = layout.text_px("row"), layout.text_px("row_plate")
    for row, entry in zip(layout.rows, recent, strict=False):
        colour, word, _ = entry_look(entry)
        inner = _inset(row, max(1, row.h // 16))
        bar = Rect(inner.x, inner.y, max(3, row_cap // 3), inner.h)
        fill(image, bar, colour)
        crop = paste(image, entry.crop, Rect(bar.right + row_cap // 3, inner.y, inner.w // 4, inner.h))
        text = Rect(crop.right + row_cap // 2, inner.y, inner.right - crop.right - row_cap // 2, inner.h)
        put_text(image, entry.plate, Rect(text.x, text.y, text.w, plate_cap), plate_cap, WHITE)
        lower = Rect(text.x, inner.bottom - row_cap, text.w, row_cap)
        time_text = clock(entry.at)
        put_text(image, time_text, lower, row_cap, GREY)
        word_x = text.x + text_size(time_text, row_cap)[0] + row_cap
        words = word + ("  not saved" if entry.saved is False else "") + (f"  {entry.lane}" if entry.lane else "")
        put_text(image, words, Rect(word_x, lower.y, text.right - word_x, lower.h), row_cap, colour)


def _draw_info(image: np.ndarray, layout: Layout, lines: list[str]) -> None:
    put_text(image, "Engineer figures (I hides)", layout.title, layout.text_px("status"), GREY)
    top, bottom = layout.title.bottom, layout.status[0].y
    step = max(1, round(layout.text_px("info") * 1.7))
    for i, line in enumerate(lines):
        y = top + i * step
        if y + step > bottom:
            break
        put_text(image, line, Rect(layout.title.x, y, layout.title.w, step), layout.text_px("info"), WHITE)


def _inset(area: Rect, by: int) -> Rect:
    return Rect(area.x + by, area.y + by, max(1, area.w - 2 * by), max(1, area.h - 2 * by))
