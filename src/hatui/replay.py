"""Provides the replay directory layout: reading it (``--replay DIR``) and writing it (``capture``).

One folder per node, named after it, holding any of ``SOURCE_FILES``. A folder with a file
``unreachable`` (its text is the error) or with no output at all is a node that could not be
reached. ``errors.json`` in a node folder keeps per-source errors; ``manifest.json`` at the top
records when, with which hatui and which stack was detected per node.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hatui import __version__
from hatui.config import Config
from hatui.errors import HatuiError
from hatui.model.capture import SOURCE_FILES, NodeCapture, StackInfo

MANIFEST = "manifest.json"


def read_replay_dir(path: Path) -> list[NodeCapture]:
    """Reads every node folder under ``path`` (sorted by name).

    Raises:
        HatuiError: when ``path`` is not a directory or holds no node folder.
    """
    if not path.is_dir():
        raise HatuiError(f"{path}: not a directory", "replay")
    manifest = _read_manifest(path)
    folders = sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not folders:
        raise HatuiError(f"{path}: no node folders (expected one folder per node)", "replay")
    return [_read_node(folder, manifest.get("nodes", {}).get(folder.name, {})) for folder in folders]


def _read_manifest(path: Path) -> dict[str, Any]:
    f = path / MANIFEST
    if not f.is_file():
        return {}
    try:
        data = json.loads(f.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise HatuiError(f"{f}: unreadable manifest: {exc}", "replay") from exc
    return data if isinstance(data, dict) else {}


def _read_node(folder: Path, meta: dict[str, Any]) -> NodeCapture:
    outputs = {
        name: (folder / name).read_text(encoding="utf-8", errors="replace")
        for name in SOURCE_FILES
        if (folder / name).is_file()
    }
    errors: dict[str, str] = {}
    err_file = folder / "errors.json"
    if err_file.is_file():
        try:
            loaded = json.loads(err_file.read_text(encoding="utf-8"))
            errors = {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}
        except ValueError:
            errors = {"errors.json": "unreadable"}
    unreachable = None
    marker = folder / "unreachable"
    if marker.is_file():
        unreachable = marker.read_text(encoding="utf-8", errors="replace").strip() or "unreachable"
    elif not outputs and not errors:
        unreachable = "no captured output"
    stack_fields = meta.get("stack") if isinstance(meta.get("stack"), dict) else {}
    known = set(StackInfo.__dataclass_fields__)
    stack = StackInfo(**{k: v for k, v in (stack_fields or {}).items() if k in known})
    return NodeCapture(
        node=folder.name,
        outputs=outputs,
        errors=errors,
        unreachable=unreachable,
        collected_at=_parse_time(meta.get("collected_at")),
        stack=stack,
    )


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def write_capture_dir(path: Path, captures: Iterable[NodeCapture], *, cluster: str | None = None) -> None:
    """Writes ``captures`` in the replay layout, plus ``manifest.json``."""
    path.mkdir(parents=True, exist_ok=True)
    nodes: dict[str, Any] = {}
    for cap in captures:
        folder = path / cap.node
        folder.mkdir(exist_ok=True)
        for name, text in cap.outputs.items():
            (folder / name).write_text(text, encoding="utf-8")
        if cap.errors:
            (folder / "errors.json").write_text(json.dumps(cap.errors, indent=2) + "\n", encoding="utf-8")
        if cap.unreachable is not None:
            (folder / "unreachable").write_text(cap.unreachable + "\n", encoding="utf-8")
        nodes[cap.node] = {
            "collected_at": cap.collected_at.isoformat() if cap.collected_at else None,
            "reachable": cap.reachable,
            "stack": {k: getattr(cap.stack, k) for k in StackInfo.__dataclass_fields__},
            "stack_summary": cap.stack.describe(),
        }
    manifest = {
        "schema": "hatui.capture/1",
        "created_at": datetime.now(UTC).isoformat(),
        "hatui_version": __version__,
        "cluster": cluster,
        "nodes": nodes,
    }
    (path / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def replay_config(path: Path) -> Config:
    """A config for a replay directory: one read-only cluster named after the folder."""
    from hatui.config import ClusterConfig, NodeConfig

    if not path.is_dir():
        raise HatuiError(f"{path}: not a directory", "replay")
    manifest = _read_manifest(path)
    name = str(manifest.get("cluster") or path.resolve().name)
    nodes = tuple(
        NodeConfig(name=p.name, host=p.name)
        for p in sorted(path.iterdir())
        if p.is_dir() and not p.name.startswith(".")
    )
    if not nodes:
        raise HatuiError(f"{path}: no node folders (expected one folder per node)", "replay")
    cluster = ClusterConfig(name=name, nodes=nodes, mode="read-only")
    return Config(clusters={name: cluster})
