"""hatui's snapshot names carry their time: the age of a snapshot where LVM has no ``lv_time``."""

from __future__ import annotations

from datetime import UTC, datetime

from hatui.model.storage import LogicalVolume, is_own_snapshot, own_snapshot_time, stamp


def _snap(name: str, created: datetime | None = None) -> LogicalVolume:
    return LogicalVolume("vg2", name, 268435456, "swi-a-", origin="www-root", created=created)


def test_own_names_round_trip_in_utc() -> None:
    when = datetime(2026, 3, 5, 9, 15, 0, tzinfo=UTC)
    name = f"www-root-hatui-{stamp(when)}"
    assert name == "www-root-hatui-20260305T091500"
    assert own_snapshot_time(name) == when
    assert is_own_snapshot(name)


def test_other_names_are_not_hatuis() -> None:
    for name in (
        "www-root-before-resync",
        "www-root-hatui-",
        "www-root-hatui-20260305 091500",
        "www-root-hatui-20261305T091500",  # month 13: not a time, not hatui's
        "-hatui-20260305T091500",
        "www-root",
    ):
        assert not is_own_snapshot(name), name
        assert own_snapshot_time(name) is None


def test_made_at_prefers_lvms_own_time_and_falls_back_to_the_name() -> None:
    lvm_time = datetime(2026, 3, 5, 9, 16, 2, tzinfo=UTC)
    assert _snap("www-root-hatui-20260305T091500", lvm_time).made_at == lvm_time
    # LVM 2.02.39 (the reference cluster's) prints no lv_time: the name tells.
    assert _snap("www-root-hatui-20260305T091500").made_at == datetime(2026, 3, 5, 9, 15, tzinfo=UTC)
    assert _snap("www-root-before-resync").made_at is None
