"""Provides the replay directory layout: reading it (``--replay DIR``) and writing it (``capture``).

One folder per node, named after it, holding any of the source files (``hatui.sources.table``).
A folder with a file ``unreachable`` (its text is the error) or with no output at all is a node
that could not be reached. ``errors.json`` in a node folder keeps per-source errors;
``manifest.json`` at the top records when, with which hatui and which stack was detected per node.

A replay directory is input from elsewhere (a colleague's capture, a bug report), so reading it
never follows a symlink out of it, never blocks on a FIFO and turns every malformed part into one
``HatuiError`` line. A capture holds secrets (``drbdadm dump all`` prints DRBD's shared secret, a
CIB may hold passwords), so writing one makes owner-only files and never writes through a symlink.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hatui import __version__
from hatui.clock import recorded_time
from hatui.config import Config
from hatui.errors import HatuiError
from hatui.model.capture import NodeCapture
from hatui.model.stack import BOOL_FIELDS, FLAVOURS, SET_FIELDS, StackInfo
from hatui.sources.table import SOURCE_NAMES

MANIFEST = "manifest.json"
ERRORS = "errors.json"
UNREACHABLE = "unreachable"
#: Every file name a node folder of the layout may hold.
NODE_FILES = (*SOURCE_NAMES, ERRORS, UNREACHABLE)
#: Bigger than any real output (a 1,000-resource crm_mon XML is about 1 MiB): a bound, not a limit.
MAX_FILE_BYTES = 256 * 1024 * 1024


# -- reading ---------------------------------------------------------------------------------------


def read_replay_dir(path: Path) -> list[NodeCapture]:
    """Reads every node folder under ``path`` (sorted by name).

    Raises:
        HatuiError: when ``path`` is not a directory, holds no node folder, or holds anything that
            cannot be read (a malformed manifest, a symlink out of ``path``, an unreadable file).
    """
    root = _replay_root(path)
    manifest = _read_manifest(path, root)
    nodes = manifest.get("nodes", {})
    return [_read_node(folder, root, nodes.get(folder.name, {})) for folder in _node_folders(path, root)]


def _replay_root(path: Path) -> Path:
    if not path.is_dir():
        raise HatuiError(f"{path}: not a directory", "replay")
    return path.resolve()


def _inside(entry: Path, root: Path) -> bool:
    """True when ``entry`` (a symlink or not) ends up inside ``root``."""
    try:
        return entry.resolve(strict=True).is_relative_to(root)
    except (OSError, RuntimeError):  # dangling link, loop
        return False


def _node_folders(path: Path, root: Path) -> list[Path]:
    try:
        entries = sorted(path.iterdir())
    except OSError as exc:
        raise HatuiError(f"{path}: cannot list: {exc.strerror or exc}", "replay") from exc
    folders = []
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_symlink() and not _inside(entry, root):
            raise HatuiError(f"{entry}: symlink to outside the replay directory; refused", "replay")
        if entry.is_dir():
            folders.append(entry)
    if not folders:
        raise HatuiError(f"{path}: no node folders (expected one folder per node)", "replay")
    return folders


def _read_text(file: Path, root: Path) -> str | None:
    """The text of ``file``; None when it does not exist.

    Raises:
        HatuiError: for a symlink out of ``root``, anything but a regular file, or a read error.
    """
    if not os.path.lexists(file):
        return None
    if file.is_symlink() and not _inside(file, root):
        raise HatuiError(f"{file}: symlink to outside the replay directory; refused", "replay")
    try:
        # O_NONBLOCK: a FIFO planted where a file belongs must not hang ``--once`` (a Nagios check).
        fd = os.open(file, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise HatuiError(f"{file}: cannot read: {exc.strerror or exc}", "replay") from exc
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise HatuiError(f"{file}: not a regular file", "replay")
        if st.st_size > MAX_FILE_BYTES:
            raise HatuiError(f"{file}: too large ({st.st_size} bytes)", "replay")
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise HatuiError(f"{file}: cannot read: {exc.strerror or exc}", "replay") from exc
    finally:
        os.close(fd)
    return data.decode("utf-8", errors="replace")


def _load_json(file: Path, text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise HatuiError(f"{file}: not valid JSON: {reason}", "replay") from exc


def _read_manifest(path: Path, root: Path) -> dict[str, Any]:
    """The manifest, checked: ``{"cluster": str|None, "nodes": {name: {"collected_at", "stack"}}}``."""
    f = path / MANIFEST
    text = _read_text(f, root)
    if text is None:
        return {}
    data = _load_json(f, text)

    def bad(where: str, what: str) -> HatuiError:
        return HatuiError(f"{f}: {where} must be {what}", "replay")

    if not isinstance(data, dict):
        raise bad("the top level", "an object")
    if data.get("cluster") is not None and not isinstance(data["cluster"], str):
        raise bad('"cluster"', "a string")
    nodes = data.get("nodes", {})
    if not isinstance(nodes, dict):
        raise bad('"nodes"', "an object of node name to node entry")
    for name, entry in nodes.items():
        if not isinstance(entry, dict):
            raise bad(f'"nodes.{name}"', "an object")
        stack = entry.get("stack")
        if stack is not None and not isinstance(stack, dict):
            raise bad(f'"nodes.{name}.stack"', "an object")
        for key, value in (stack or {}).items():
            if key in SET_FIELDS and value is not None:
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise bad(f'"nodes.{name}.stack.{key}"', "a list of strings")
                continue
            want = bool if key in BOOL_FIELDS else str
            if value is not None and not isinstance(value, want):
                raise bad(f'"nodes.{name}.stack.{key}"', f"{'true/false' if want is bool else 'a string'}")
            flavours = FLAVOURS.get(key)
            allowed = [f.value for f in flavours] if flavours is not None else []
            if value is not None and allowed and value not in allowed:
                raise bad(f'"nodes.{name}.stack.{key}"', f"one of {', '.join(allowed)} (got {value!r})")
    return data


def _read_node(folder: Path, root: Path, meta: dict[str, Any]) -> NodeCapture:
    outputs = {}
    for name in SOURCE_NAMES:
        text = _read_text(folder / name, root)
        if text is not None:
            outputs[name] = text
    errors: dict[str, str] = {}
    err_text = _read_text(folder / ERRORS, root)
    if err_text is not None:
        try:
            loaded = json.loads(err_text)
            errors = {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}
        except (ValueError, RecursionError):
            errors = {ERRORS: "unreadable"}
    unreachable = None
    marker = _read_text(folder / UNREACHABLE, root)
    if marker is not None:
        unreachable = marker.strip() or "unreachable"
    elif not outputs and not errors:
        unreachable = "no captured output"
    stack = StackInfo.from_json(meta.get("stack") or {})
    return NodeCapture(
        node=folder.name,
        outputs=outputs,
        errors=errors,
        unreachable=unreachable,
        collected_at=recorded_time(meta.get("collected_at")),
        stack=stack,
    )


def replay_config(path: Path) -> Config:
    """A config for a replay directory: one read-only cluster named after the folder."""
    from hatui.config import ClusterConfig, NodeConfig

    root = _replay_root(path)
    manifest = _read_manifest(path, root)
    name = str(manifest.get("cluster") or root.name)
    nodes = tuple(NodeConfig(name=p.name, host=p.name) for p in _node_folders(path, root))
    cluster = ClusterConfig(name=name, nodes=nodes, mode="read-only")
    return Config(clusters={name: cluster})


# -- writing ---------------------------------------------------------------------------------------


def _capture_error(message: str) -> HatuiError:
    return HatuiError(message, "capture")


def check_capture_target(path: Path, *, force: bool = False) -> None:
    """Refuses, before anything is collected, a ``path`` that ``write_capture_dir`` would refuse.

    Raises:
        HatuiError: ``path`` is a symlink, not a directory, or (without ``force``) not empty.
    """
    try:
        st = path.lstat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise _capture_error(f"{path}: {exc.strerror or exc}") from exc
    if stat.S_ISLNK(st.st_mode):
        raise _capture_error(f"{path}: is a symlink; refusing to write through it (give its target)")
    if not stat.S_ISDIR(st.st_mode):
        raise _capture_error(f"{path}: exists and is not a directory")
    if not force and any(path.iterdir()):
        raise _capture_error(f"{path}: exists and is not empty (use --force to write into it)")


def check_node_name(name: str) -> None:
    """Refuses a node name that cannot be a folder of the layout: it would leave the capture
    directory (``..``, ``a/b``), be skipped when replayed (``.x``) or clash with the manifest.

    Raises:
        HatuiError: naming the node.
    """
    if not _plain_name(name) or name == MANIFEST:
        raise _capture_error(f"node name {name!r} cannot be a folder name; refusing to write it")


def _plain_name(name: str) -> bool:
    return bool(name) and not name.startswith(".") and "/" not in name and "\0" not in name


def _make_dir(path: Path, *, force: bool) -> None:
    """Creates ``path`` as 0700, or (with ``force``) reuses an existing real directory there."""
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        if not force:
            raise _capture_error(f"{path}: already exists (use --force to write into it)") from None
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode):
            raise _capture_error(f"{path}: is a symlink; refusing to write through it") from None
        if not stat.S_ISDIR(st.st_mode):
            raise _capture_error(f"{path}: exists and is not a directory") from None
    # mkdir's mode is filtered by the umask; the folder must end up owner-only whatever it is.
    # Through an O_NOFOLLOW descriptor, so a folder swapped for a symlink meanwhile is not followed.
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        os.fchmod(fd, 0o700)
    finally:
        os.close(fd)


def _write_file(file: Path, text: str, *, force: bool) -> None:
    """Writes ``text`` to a new 0600 file; never follows or writes through a symlink."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(file, flags, 0o600)
    except FileExistsError:
        if not force:
            raise _capture_error(f"{file}: already exists (use --force to replace it)") from None
        _remove_old(file)
        fd = os.open(file, flags, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        os.fchmod(fd, 0o600)
        f.write(text)


def _remove_old(file: Path) -> None:
    """Removes an earlier capture's regular file at ``file`` (replaced, not rewritten in place, so a
    hard link to a file elsewhere is never written to); a symlink there is refused."""
    st = file.lstat()
    if stat.S_ISLNK(st.st_mode):
        raise _capture_error(f"{file}: is a symlink; refusing to write through it (remove it first)")
    if not stat.S_ISREG(st.st_mode):
        raise _capture_error(f"{file}: exists and is not a regular file")
    file.unlink()


def _remove_stale(file: Path) -> None:
    """Removes a layout file an earlier capture left (unlinking a symlink does not follow it)."""
    try:
        st = file.lstat()
    except FileNotFoundError:
        return
    if not (stat.S_ISLNK(st.st_mode) or stat.S_ISREG(st.st_mode)):
        raise _capture_error(f"{file}: exists and is not a regular file")
    file.unlink()


def write_capture_dir(
    path: Path, captures: Iterable[NodeCapture], *, cluster: str | None = None, force: bool = False
) -> None:
    """Writes ``captures`` in the replay layout, plus ``manifest.json``; files 0600, folders 0700.

    Without ``force`` ``path`` must not exist or be empty. With it, the files of the layout are
    replaced (and a node folder's layout files this capture does not write are removed, so an old
    ``unreachable`` marker cannot outlive the node's recovery); other files are left alone.

    Raises:
        HatuiError: a refused target (symlink, non-empty without ``force``, bad node name) or an
            OS error, as one line.
    """
    captures = list(captures)
    names = [c.node for c in captures]
    for name in names:
        check_node_name(name)
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise _capture_error(f"node name(s) given twice: {', '.join(dupes)}")
    check_capture_target(path, force=force)
    try:
        _write_all(path, captures, cluster, force)
    except OSError as exc:
        where = exc.filename or path
        raise _capture_error(f"{where}: {exc.strerror or exc}") from exc


def _write_all(path: Path, captures: list[NodeCapture], cluster: str | None, force: bool) -> None:
    if not os.path.lexists(path):
        path.parent.mkdir(parents=True, exist_ok=True)
    _make_dir(path, force=True)  # check_capture_target has already applied --force to it
    nodes: dict[str, Any] = {}
    for cap in captures:
        folder = path / cap.node
        _make_dir(folder, force=force)
        files = dict(cap.outputs)
        if cap.errors:
            files[ERRORS] = json.dumps(cap.errors, indent=2) + "\n"
        if cap.unreachable is not None:
            files[UNREACHABLE] = cap.unreachable + "\n"
        for name, text in files.items():
            if not _plain_name(name):
                raise _capture_error(f"{cap.node}: output name {name!r} cannot be a file name")
            _write_file(folder / name, text, force=force)
        if force:
            for stale in sorted(set(NODE_FILES) - set(files)):
                _remove_stale(folder / stale)
        nodes[cap.node] = {
            "collected_at": cap.collected_at.isoformat() if cap.collected_at else None,
            "reachable": cap.reachable,
            "stack": cap.stack.to_json(),
            "stack_summary": cap.stack.describe(),
        }
    manifest = {
        "schema": "hatui.capture/1",
        "created_at": datetime.now(UTC).isoformat(),
        "hatui_version": __version__,
        "cluster": cluster,
        "nodes": nodes,
    }
    _write_file(path / MANIFEST, json.dumps(manifest, indent=2) + "\n", force=force)
