"""The console's memory stays bounded while the texts it shows keep changing.

Textual measures every string it lays out through Rich's ``cached_cell_len`` (4,096 strings of
any length). Ages, stamps and counters make new strings every second, so without a trim that cache
grew for over an hour of polling; the console empties it once it holds more than
``WIDTH_CACHE_CAP`` strings (``hatui.ui.cells.trim_width_cache``, run by the once-a-second tick).
"""

from __future__ import annotations

from rich.cells import cached_cell_len
from ui_harness import SIZE, ConsoleFactory, wait_for

from hatui.ui.cells import WIDTH_CACHE_CAP, trim_width_cache


def _measure_new_strings(count: int, tag: str) -> None:
    """What Textual does with changing texts: each one measured once, never again."""
    for i in range(count):
        cached_cell_len(f"{tag} polled {i}s ago, resync {i / 7:.1f} %")


def _held() -> int:
    return cached_cell_len.cache_info().currsize


def test_the_width_cache_is_emptied_only_past_its_cap() -> None:
    cached_cell_len.cache_clear()
    _measure_new_strings(WIDTH_CACHE_CAP, "under")
    assert trim_width_cache() is False
    assert _held() == WIDTH_CACHE_CAP  # at the cap: kept, the cache still saves work
    _measure_new_strings(1, "over")
    assert trim_width_cache() is True
    assert _held() == 0


def test_a_smaller_cap_is_honoured() -> None:
    cached_cell_len.cache_clear()
    _measure_new_strings(11, "small")
    assert trim_width_cache(cap=10) is True
    assert _held() == 0


async def test_the_running_console_keeps_the_width_cache_under_its_cap(console: ConsoleFactory) -> None:
    c = console()
    async with c.app.run_test(size=SIZE) as pilot:
        await c.next_polls(pilot)
        # An hour of changing texts arrives at once: three times what the cap lets stay.
        _measure_new_strings(3 * WIDTH_CACHE_CAP, "console")
        assert _held() > WIDTH_CACHE_CAP
        # The age ticker (once a second) trims it; the console goes on measuring what it shows.
        await wait_for(pilot, lambda: _held() <= WIDTH_CACHE_CAP, within=5.0)
        await c.next_polls(pilot)
        assert _held() <= WIDTH_CACHE_CAP + 200  # what one redraw measures, not the backlog
