r"""The run directory: atomic files, a writer's lock, the run's status and its config hash (layer 4).

A run directory (written by :func:`otcheck.models.train.train`) holds::

    DIR/config.json    the resolved TrainConfig
    DIR/model.pt       the checkpoint: weights, optimizer, scheduler and generator states, step,
                       history and the config hash (one file, so one atomic replace)
    DIR/metrics.json   status, step, config hash and the evaluation history (readable view)
    DIR/samples.png    model samples (finished runs)
    DIR/divergence.json  why a diverged run stopped (diverged runs only)
    DIR/.lock          held (``fcntl.flock``) by the process writing DIR

Every file is written to a unique temporary name in DIR and moved over the old one with
:func:`os.replace`, so a reader sees the old or the new file, never a half-written one. The lock
is an advisory ``flock`` on ``DIR/.lock``: the operating system releases it when its process dies,
so a lock left by a killed process is stale by construction (detected on the next acquire, which
succeeds). The config hash is

.. math::

    h = \mathrm{SHA256}\big(\mathrm{json}(\text{config}, \text{sorted keys})\big)

and is stored in ``model.pt`` and ``metrics.json``: a ``config.json`` edited after training no
longer matches and is refused.

Statuses (:class:`RunStatus`): ``running`` (a process holds the lock), ``stopped`` (a run that
was interrupted, or whose process died, at step ``k``), ``diverged`` (a NaN or exploding loss; the
last good checkpoint is kept), ``finished``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import stat
import tempfile
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

__all__ = [
    "RUN_FILES",
    "RunError",
    "RunLockedError",
    "RunExistsError",
    "UnfinishedRunWarning",
    "RunStatus",
    "RunLock",
    "atomic_write_bytes",
    "atomic_write_text",
    "atomic_write_json",
    "config_hash",
    "read_json",
    "read_status",
    "warn_unfinished",
    "check_out_dir",
]

#: Files that make a directory a run directory (removed by ``--overwrite``).
RUN_FILES = ("config.json", "model.pt", "metrics.json", "samples.png", "divergence.json", "evaluation.json")


class RunError(ValueError):
    """A run directory cannot be used as asked; the message names the file and the problem."""


class RunLockedError(RunError):
    """Another live process holds the run directory's lock."""


class RunExistsError(RunError):
    """The directory already holds a run and neither ``overwrite`` nor ``resume`` was asked."""


class UnfinishedRunWarning(UserWarning):
    """A checkpoint of a run that did not finish (stopped, killed or diverged) is being used."""


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every filesystem lets a directory be opened
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically: a unique temporary file in the same directory,
    flushed to disk, then :func:`os.replace` over ``path``.

    A symbolic link is followed: its target is replaced and the link kept. A path that exists and is
    not a regular file (``/dev/stdout``, a FIFO, a device) cannot be replaced without destroying it:
    it is written in place, not atomically. A new file gets the permissions of the umask (as
    :func:`open` would), a replaced file keeps its own.

    Raises
    ------
    OSError
        The directory or the file cannot be written (no space left, a directory at ``path``); the
        message names ``path``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> atomic_write_bytes(d / "x.bin", b"abc"); (d / "x.bin").read_bytes(), sorted(p.name for p in d.iterdir())
    (b'abc', ['x.bin'])
    """
    given = Path(path)
    path = Path(os.path.realpath(given))  # a link: its target is replaced, the link stays
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise OSError(exc.errno, f"cannot write {given}: {exc.strerror}") from exc
    if mode is not None and not stat.S_ISREG(mode):  # a device, FIFO or directory: written in place
        try:
            with open(path, "wb") as fh:
                fh.write(data)
                fh.flush()
        except OSError as exc:
            raise OSError(exc.errno, f"cannot write {given}: {exc.strerror}") from exc
        return
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise OSError(exc.errno, f"cannot write {given}: {exc.strerror}") from exc
    try:
        os.chmod(tmp, stat.S_IMODE(mode) if mode is not None else 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise OSError(exc.errno, f"cannot write {given}: {exc.strerror}") from exc
        raise
    _fsync_dir(path.parent)


def _umask() -> int:
    """The process's umask, read from ``/proc/self/status`` where there is one (setting it to read it
    back, the only other way, races with other threads); 0o022 where it cannot be read."""
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    return 0o022


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """:func:`atomic_write_bytes` of ``text`` encoded as UTF-8."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike[str], obj: object) -> None:
    """:func:`atomic_write_text` of ``json.dumps(obj, indent=2)``."""
    atomic_write_text(path, json.dumps(obj, indent=2))


def config_hash(config: Mapping[str, object]) -> str:
    """SHA-256 (hex) of the canonical JSON of ``config`` (sorted keys, no spaces).

    Examples
    --------
    >>> config_hash({"b": 1, "a": 2}) == config_hash({"a": 2, "b": 1})
    True
    >>> len(config_hash({}))
    64
    """
    if not isinstance(config, Mapping):
        raise TypeError(f"config: expected a mapping, got {type(config).__name__}")
    text = json.dumps(dict(config), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_json(path: str | os.PathLike[str]) -> object:
    """Parse the JSON file ``path``; a missing, unreadable or broken file is a :class:`RunError`
    naming it (and the line and column of a syntax error)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RunError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RunError(f"{path}: cannot be read ({exc})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise RunError(f"{path}: broken JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None


def check_out_dir(out: str | os.PathLike[str], name: str = "out") -> Path:
    """``out`` as a :class:`~pathlib.Path`, refusing an empty name and an existing non-directory.

    Examples
    --------
    >>> check_out_dir("")
    Traceback (most recent call last):
    ...
    otcheck.models.runs.RunError: out: an empty path is not a run directory
    """
    if not isinstance(out, (str, os.PathLike)):
        raise TypeError(f"{name}: expected a path, got {type(out).__name__}")
    if str(os.fspath(out)).strip() == "":
        raise RunError(f"{name}: an empty path is not a run directory")
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise RunError(f"{name}: {path} exists and is not a directory")
    return path


class RunLock:
    """An exclusive advisory lock on ``DIR/.lock`` (``fcntl.flock``; ``O_EXCL`` and a pid check where
    there is no ``flock``).

    A second writer (another process, or another open in this one) gets :class:`RunLockedError`
    naming the holder's pid and host. The operating system drops a ``flock`` when its holder dies,
    so a lock file left by a killed process does not block (it is reported as ``stale`` and taken).

    Examples
    --------
    >>> import tempfile
    >>> d = tempfile.mkdtemp()
    >>> with RunLock(d):
    ...     try:
    ...         RunLock(d).acquire()
    ...     except RunLockedError as exc:
    ...         print("locked")
    locked
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self.path = self.directory / ".lock"
        self._fd: int | None = None
        self.stale: dict[str, object] | None = None

    def _holder(self) -> dict[str, object]:
        try:
            info = json.loads(self.path.read_text() or "{}")
        except (OSError, ValueError):
            return {}
        return info if isinstance(info, dict) else {}

    def acquire(self) -> RunLock:
        """Take the lock (non-blocking); returns ``self``."""
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX
            return self._acquire_excl()
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise RunError(f"{self.path}: cannot create the lock file ({exc.strerror})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            h = self._holder()
            raise RunLockedError(
                f"{self.directory} is being written by another process (pid {h.get('pid', '?')} on "
                f"{h.get('host', '?')}, lock {self.path}); wait for it or stop it"
            ) from None
        prev = self._holder()
        if prev.get("pid") is not None:
            self.stale = prev  # a lock file whose flock was free: its writer is gone
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname()}).encode())
        self._fd = fd
        return self

    def _acquire_excl(self) -> RunLock:  # pragma: no cover - exercised only without fcntl
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                h = self._holder()
                pid = h.get("pid")
                alive = True
                if isinstance(pid, int) and h.get("host") == socket.gethostname():
                    try:
                        os.kill(pid, 0)
                    except ProcessLookupError:
                        alive = False
                    except PermissionError:
                        alive = True
                if alive:
                    raise RunLockedError(
                        f"{self.directory} is being written by another process (pid {pid}, lock {self.path})"
                    ) from None
                self.stale = h
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self.path)
                continue
            os.write(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname()}).encode())
            self._fd = fd
            return self
        raise RunLockedError(f"{self.directory}: could not take the lock {self.path}")

    def held_elsewhere(self) -> bool:
        """Whether another open of the lock holds it now (does not take it)."""
        if self._fd is not None:
            return False
        if not self.path.exists():
            return False
        try:
            self.acquire()
        except RunLockedError:
            return True
        except RunError:
            return False
        self.release(remove=False)
        return False

    def release(self, remove: bool = True) -> None:
        """Drop the lock (and, with ``remove``, the lock file)."""
        if self._fd is None:
            return
        if remove:
            with contextlib.suppress(OSError):
                os.unlink(self.path)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.release()


@dataclass(frozen=True)
class RunStatus:
    """The state of a run directory, as :func:`read_status` finds it.

    Attributes
    ----------
    status : str
        ``"empty"`` (no run), ``"running"``, ``"stopped"``, ``"diverged"`` or ``"finished"``.
    step, steps : int
        The step of the kept checkpoint and the run's total.
    config_hash : str or None
        Recorded with the checkpoint.
    detail : str
        Why (a killed process, the divergence message).
    """

    status: str
    step: int = 0
    steps: int = 0
    config_hash: str | None = None
    detail: str = ""

    @property
    def finished(self) -> bool:
        """``status == "finished"``."""
        return self.status == "finished"

    def describe(self) -> str:
        """One line: ``"finished (2000 steps)"``, ``"stopped at step 400 of 2000 (...)"``."""
        if self.status == "finished":
            return f"finished ({self.steps} steps)"
        if self.status == "empty":
            return "empty (no run)"
        what = {"running": "running, at step", "stopped": "stopped at step", "diverged": "diverged; kept step"}
        text = f"{what.get(self.status, self.status)} {self.step} of {self.steps}"
        return f"{text} ({self.detail})" if self.detail else text


def read_status(directory: str | os.PathLike[str], *, locked: bool = False) -> RunStatus:
    """The :class:`RunStatus` of ``directory`` from its ``metrics.json`` and lock.

    A run recorded as ``running`` whose lock is free (or held by the caller: ``locked=True``) was
    stopped by a crash or a kill. A directory without ``metrics.json`` is ``empty`` (or
    ``stopped`` at step 0 when it has a ``model.pt`` or a ``config.json``).
    """
    d = Path(directory)
    mpath = d / "metrics.json"
    if not mpath.exists():
        if (d / "model.pt").exists() or (d / "config.json").exists():
            return RunStatus("stopped", detail=f"{mpath} is missing: the run stopped before its first checkpoint")
        return RunStatus("empty")
    meta = read_json(mpath)
    if not isinstance(meta, dict):
        raise RunError(f"{mpath}: expected a JSON object, got {type(meta).__name__}")
    status = meta.get("status")
    step, steps = meta.get("step", 0), meta.get("steps", 0)
    h = meta.get("config_hash")
    if not isinstance(step, int) or not isinstance(steps, int) or (h is not None and not isinstance(h, str)):
        raise RunError(f"{mpath}: 'step', 'steps' must be integers and 'config_hash' a string")
    if status == "ok":  # written before run statuses existed: a finished run only if at its last step
        status = "finished" if steps and step == steps else "stopped"
    if status not in ("running", "stopped", "diverged", "finished"):
        raise RunError(f"{mpath}: unknown status {status!r}")
    detail = str(meta.get("detail", ""))
    if status == "running" and (locked or not RunLock(d).held_elsewhere()):
        status, detail = "stopped", "its process is gone (killed or crashed); resume with --resume"
    return RunStatus(status, step, steps, h, detail)


def warn_unfinished(directory: str | os.PathLike[str], st: RunStatus) -> None:
    """Warn (:class:`UnfinishedRunWarning`) when ``st`` is not finished."""
    if not st.finished:
        warnings.warn(
            f"{directory}: the run is not finished: {st.describe()}; its checkpoint is not the trained model",
            UnfinishedRunWarning,
            stacklevel=3,
        )
