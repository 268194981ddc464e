"""Result folders on disk: where fundsim may write, and writing there atomically.

Runs, sweeps, comparisons and backtests each write one folder, with a ``manifest.json``
listing the SHA-256 of every file in it.  Nothing here ever deletes or
replaces what the user did not ask for:

* a folder is written under a temporary name beside its place and renamed
  into place when complete (:func:`write_folder`); a file likewise
  (:func:`write_file`): an interrupted write never leaves anything that
  looks complete;
* the place is claimed atomically at the rename: without ``overwrite``, a
  folder that appeared meanwhile (another run given the same folder) is left
  as it is and the later run is refused;
* ``overwrite`` replaces only an empty folder, or a folder that proves to be
  fundsim's of the same kind (:func:`prove`): its manifest reads, lists every
  file the folder holds, and each file still has the hash recorded;
* the current directory, its parents, a place inside another result folder
  and names longer than the file system allows are refused before any work
  (:func:`check_place`);
* temporary names carry the machine and the process id
  (:func:`sim.engine.store.owned_prefix`), so what a process that died left
  behind is removed by the next write there (:func:`remove_leftovers`).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from sim.engine.store import owned_prefix, remove_abandoned
from sim.errors import OutputError, Problem, ScenarioError

NAME_MAX = 255
"""Longest name of a file or folder, in bytes, on the file systems fundsim writes to."""
MANIFEST = "manifest.json"
TEMPORARY_SUFFIXES = (".partial", ".replaced")
"""Endings of temporary names: a file or folder being written, or one being replaced."""
MAX_MANIFEST_BYTES = 256 * 2**20
"""Largest ``manifest.json`` read (a run of 5,000 cities writes about 10 MB)."""


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read a block at a time (a big run's tables are gigabytes)."""
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def kind_of(manifest: Mapping[str, Any]) -> str:
    """What a folder's manifest describes: ``run``, ``sweep``, ``comparison`` or ``backtest``."""
    for kind in ("sweep", "comparison", "backtest"):
        if kind in manifest:
            return kind
    return "run"


def read_json(path: Path) -> Any:
    """A JSON file written by fundsim; one clean line if it cannot be read as JSON.

    The line is ``FILE: what is wrong`` (exit status 2), also for JSON nested
    too deeply for Python to read, or a file too big to be a manifest.
    """
    try:
        if path.stat().st_size > MAX_MANIFEST_BYTES:
            raise _unreadable(path, f"larger than {MAX_MANIFEST_BYTES // 2**20} MiB; not a "
                                    "fundsim manifest")
        with open(path, "rb") as file:
            data = file.read()
        return json.loads(data.decode("utf-8"))
    except RecursionError:
        raise _unreadable(path, "JSON nested too deeply; not a fundsim manifest") from None
    except UnicodeDecodeError as error:
        raise _unreadable(path, f"not UTF-8 text (byte {error.start})") from None
    except ValueError as error:
        raise _unreadable(path, f"not JSON: {error}") from None
    except OSError as error:
        raise _unreadable(path, f"cannot read it: {reason(error)}") from None


def _unreadable(path: Path, message: str) -> ScenarioError:
    return ScenarioError([Problem(str(path), "", message, has_value=False)])


def file_hashes(folder: Path, skip: Callable[[str], bool] = lambda name: False) -> dict[str, str]:
    """SHA-256 of every file in a folder, by path relative to it (sorted).

    The manifest, hidden temporary files and those ``skip`` names are left out.
    """
    return {name: file_sha256(folder / name) for name in _files_in(folder)
            if name != MANIFEST and not skip(name)}


def write_manifest(folder: Path, manifest: Mapping[str, Any],
                   skip: Callable[[str], bool] = lambda name: False) -> None:
    """Write ``manifest.json``, last: ``manifest`` and the SHA-256 of every file (see above)."""
    text = json.dumps({**manifest, "files": file_hashes(folder, skip)}, indent=2) + "\n"
    write_file(folder / MANIFEST, lambda path: path.write_text(text, encoding="utf-8"))


# --------------------------------------------------------------------------
# Where fundsim may write


def check_place(target: str | Path, what: str = "results") -> None:
    """Refuse a place that must not be written, whatever is there, before any work.

    Refused: a name longer than :data:`NAME_MAX` bytes, the current directory
    or one of its parents, a place inside another result folder (a later
    ``--overwrite`` of that folder would delete it), and a place under a file.
    """
    target = Path(target)
    check_names(target, what)
    try:
        place = target.resolve()
        here = Path.cwd().resolve()
        if place in (here, *here.parents):
            raise OutputError(f"{target} is the current directory or holds it; fundsim "
                              "writes its results into a folder of their own; choose another")
        for parent in place.parents:
            if parent.is_file():
                raise OutputError(f"cannot write {what} to {target}: {parent} is a file, not a "
                                  "folder")
            if _result_folder(parent):
                raise OutputError(f"{target} is inside {parent}, a fundsim result folder "
                                  "(an --overwrite of it would delete it); choose a folder "
                                  "outside it")
    except OSError as error:
        raise OutputError(f"cannot write {what} to {target}: {reason(error)}") from None


def check_names(target: Path, what: str = "results") -> None:
    """Refuse a path with a name longer than :data:`NAME_MAX` bytes (the system would)."""
    for part in target.parts:
        size = len(os.fsencode(part))
        if size > NAME_MAX:
            raise OutputError(f"cannot write {what} to {part[:40]}...: a name in the path is "
                              f"longer than {NAME_MAX} bytes (got {size} bytes); choose a "
                              "shorter one")


def _result_folder(folder: Path) -> bool:
    """Whether a folder is one fundsim wrote (a manifest that lists files, or a sweep's)."""
    if (folder / "sweep.json").is_file():
        return True
    if not (folder / MANIFEST).is_file():
        return False
    try:
        manifest = read_json(folder / MANIFEST)
    except ScenarioError:
        return False
    return (isinstance(manifest, dict) and "fundsim" in manifest
            and isinstance(manifest.get("files"), dict))


def check_output(folder: str | Path, *, kind: str, overwrite: bool = False) -> None:
    """Refuse, before any work, an output folder that cannot or must not be written.

    ``folder`` is to hold a ``kind`` (``run``, ``comparison``).  A folder
    already there is replaced only with ``overwrite``, and only when it is
    empty or proves to be fundsim's ``kind`` (see :func:`prove`).
    """
    folder = Path(folder)
    check_place(folder)
    if folder.is_symlink() or folder.exists():
        if not overwrite:
            raise OutputError(f"{folder} already exists; choose another folder or overwrite "
                              "it (--overwrite)")
        prove(folder, kind)


def prove(folder: Path, kind: str, unlisted: Callable[[str], bool] = lambda name: False) -> None:
    """Raise :class:`OutputError` unless ``folder`` may be deleted to make way for a ``kind``.

    It may if it is empty, or if its ``manifest.json`` reads, describes a
    ``kind``, and lists every file the folder holds (but those ``unlisted``
    names) with the SHA-256 the file still has.  A file fundsim did not write,
    or one changed since, is the user's: the folder is then left alone.
    Leftovers of fundsim processes that died are removed first.
    """
    if folder.is_symlink() or not folder.is_dir():
        raise OutputError(f"{folder} exists and is not a folder; choose another path")
    refuse = f"--overwrite only replaces a fundsim {kind} folder; choose another folder"
    remove_leftovers(folder)
    present = _files_in(folder, hidden=True)
    if not present:
        return
    if MANIFEST not in present:
        raise OutputError(f"{folder} is not a fundsim {kind} folder (no {MANIFEST}); {refuse}")
    try:
        manifest = read_json(folder / MANIFEST)
    except ScenarioError as error:
        raise OutputError(f"{error}; {refuse}") from None
    listed = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(listed, dict) or "fundsim" not in manifest:
        raise OutputError(f"{folder}/{MANIFEST} is not a fundsim manifest; {refuse}")
    if kind_of(manifest) != kind:
        raise OutputError(f"{folder} holds a fundsim {kind_of(manifest)}, not a {kind}; "
                          f"{refuse}")
    strays = [name for name in present
              if name != MANIFEST and name not in listed and not unlisted(name)]
    if strays:
        raise OutputError(f"{folder} holds files fundsim did not write ({', '.join(strays[:3])}"
                          f"{', ...' if len(strays) > 3 else ''}); {refuse}")
    for name in present:
        if name in listed and file_sha256(folder / name) != listed[name]:
            raise OutputError(f"{folder}/{name} was changed since fundsim wrote it; "
                              "--overwrite only replaces results as fundsim wrote them; "
                              "choose another folder")


def _files_in(folder: Path, hidden: bool = False) -> list[str]:
    """Relative paths (``/``-separated, sorted) of everything but folders in ``folder``.

    Symbolic links count as files (never followed).  Hidden names (temporary
    files) are left out unless ``hidden``.
    """
    found = []
    for root, folders, files in os.walk(folder):
        base = Path(root).relative_to(folder)
        links = [name for name in folders if (Path(root) / name).is_symlink()]
        folders[:] = sorted(name for name in folders if name not in links
                            and (hidden or not name.startswith(".")))
        for name in [*files, *links]:
            if hidden or not name.startswith("."):
                found.append((base / name).as_posix())
    return sorted(found)


def remove_leftovers(folder: Path) -> list[Path]:
    """Remove temporary files and folders that dead fundsim processes left in ``folder``."""
    return remove_abandoned(folder, r"\..*\.", TEMPORARY_SUFFIXES)


# --------------------------------------------------------------------------
# Writing atomically


def _temporary_prefix(target: Path) -> str:
    """``.NAME.HOST-PID-``: a hidden temporary name that says whose it is, short enough.

    The target's name is cut so the temporary name stays within
    :data:`NAME_MAX` bytes whatever the target's length.
    """
    owner = owned_prefix(".")[1:]
    room = NAME_MAX - len(os.fsencode(owner)) - 2 - 8 - max(map(len, TEMPORARY_SUFFIXES))
    name = os.fsencode(target.name)[:max(room, 1)].decode("utf-8", errors="ignore")
    return f".{name}.{owner}"


def write_folder(folder: str | Path, fill: Callable[[Path], None], *, kind: str,
                 overwrite: bool = False, then: Callable[[], None] | None = None) -> Path:
    """Let ``fill`` write into a temporary folder beside ``folder``, then rename it into place.

    ``folder`` holds a ``kind`` (``run``, ``comparison``); it is checked first
    (:func:`check_output`), then written by :func:`commit_folder`.  An
    interrupted or failed write leaves no folder that looks complete and never
    touches an existing one unless it succeeds with ``overwrite`` (see
    :func:`prove`).
    """
    folder = Path(folder)
    check_output(folder, kind=kind, overwrite=overwrite)
    return commit_folder(folder, fill, kind=kind, overwrite=overwrite, then=then)


def commit_folder(folder: str | Path, fill: Callable[[Path], None], *, kind: str,
                  overwrite: bool = False, then: Callable[[], None] | None = None) -> Path:
    """The writing of :func:`write_folder`, for a place already checked.

    ``fill`` writes into a temporary folder beside ``folder``, ``then`` (if
    given) runs next, for what must be written first (a report that shows the
    figures the folder holds), and only then does the folder take its place:
    if either fails, nothing does.  The place is checked again at the rename:
    a folder that appeared in the meantime is replaced only with ``overwrite``
    and only if it proves to be fundsim's ``kind``.  A run's ``figures/``,
    drawn later by ``fundsim report``, is written this way inside the run.
    """
    folder = Path(folder)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        remove_leftovers(folder.parent)
        staging = Path(tempfile.mkdtemp(prefix=_temporary_prefix(folder), suffix=".partial",
                                        dir=folder.parent))
        staging.chmod(0o777 & ~umask())
    except OSError as error:
        raise OutputError(f"cannot write results to {folder}: {reason(error)}") from None
    try:
        fill(staging)
        if then is not None:
            then()
        _move_into_place(staging, folder, kind, overwrite)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise OutputError(f"cannot write results to {folder}: {reason(error)}; "
                          "earlier results are untouched") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder


def _move_into_place(staging: Path, folder: Path, kind: str, overwrite: bool) -> None:
    if overwrite and (folder.is_symlink() or folder.exists()):
        prove(folder, kind)  # again: it may have changed while the work was done
        retired = folder.with_name(f"{_temporary_prefix(folder)}{secrets.token_hex(4)}.replaced")
        os.rename(folder, retired)
        try:
            os.rename(staging, folder)
        except OSError:
            os.rename(retired, folder)  # put the earlier results back
            raise
        shutil.rmtree(retired, ignore_errors=True)
        return
    # Claim the place: making a folder fails if anything is there, atomically,
    # and renaming a folder onto the empty one just made replaces it.
    try:
        os.mkdir(folder)
    except FileExistsError:
        raise OutputError(f"{folder} appeared while this work was being done (another fundsim "
                          "writing there?) and is left as it is; nothing written; choose "
                          "another folder or --overwrite") from None
    try:
        os.rename(staging, folder)
    except OSError:
        with contextlib.suppress(OSError):
            os.rmdir(folder)
        raise


def write_file(path: str | Path, write: Callable[[Path], Any], *, replace: bool = True) -> None:
    """Let ``write`` write a temporary file beside ``path``, then rename it into place.

    The temporary file goes whatever happens (a full disk, a file size limit,
    Ctrl-C); on an error of the system, :class:`OutputError` says why.
    Without ``replace``, a file already at ``path``, even one written while
    ``write`` ran, is left as it is and :class:`OutputError` raised.
    """
    path = Path(path)
    if path.name in ("", ".", "..") or path.is_dir():
        raise OutputError(f"cannot write {str(path)!r}: it is a folder; give a file's name")
    check_names(path, "a file")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=_temporary_prefix(path), suffix=".partial",
                                        dir=path.parent)
        os.close(handle)
        temporary = Path(name)
        try:
            write(temporary)
            temporary.chmod(0o666 & ~umask())
            if replace:
                os.replace(temporary, path)
            else:
                _link_new(temporary, path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
    except OSError as error:
        raise OutputError(f"cannot write {path}: {reason(error)}") from None


def _link_new(temporary: Path, path: Path) -> None:
    """Give the complete file its name only if nothing has it (a link fails if one does)."""
    try:
        os.link(temporary, path)
    except FileExistsError:
        raise OutputError(f"{path}: exists; --overwrite replaces it") from None
    except OSError:  # a file system without links: check, then rename
        if path.exists() or path.is_symlink():
            raise OutputError(f"{path}: exists; --overwrite replaces it") from None
        os.replace(temporary, path)
        return
    temporary.unlink()


def reason(error: OSError) -> str:
    """An OS error in plain words (with a hint where the usual cause is known)."""
    text = error.strerror or str(error)
    if error.errno == errno.ENOSPC or "No space left" in text:
        return f"{text} (the disk is full)"
    if error.errno == errno.EFBIG:
        return f"{text} (over the size allowed for one file)"
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"{text} (no permission to write there)"
    return text


def umask() -> int:
    """The process's file-mode creation mask (new files get the usual permissions)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
