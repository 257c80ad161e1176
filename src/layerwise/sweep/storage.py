"""Where a sweep keeps what it learned: the Optuna study and the trials' checkpoints.

The study lives in Optuna's RDB storage (by default an SQLite file named after
the sweep in the working directory), so ``optuna.load_study`` and
``optuna-dashboard`` open it. Beside it, a folder ``<name>.checkpoints/``
holds one file per running trial: its trainers' exact snapshots after the last
rung that was reported, and, once it completes, its model file. Only the
coordinating process writes either; workers receive snapshots and return new
ones.

Before Optuna touches an SQLite file, :func:`open_storage` checks it so that
the usual problems come out as one clear line: a file that is not an SQLite
database or not an Optuna one, a file or folder that cannot be written, a
database another process holds locked. :class:`CoordinatorLock` keeps two
coordinators from driving the same study at once.
"""

from __future__ import annotations

import errno
import io
import json
import os
import sqlite3
import stat

import numpy as np

from ..files import atomic_write

SQLITE_HEADER = b"SQLite format 3\x00"


class StorageError(ValueError):
    """A storage or checkpoint folder that cannot be used; the message is one line."""


def storage_url(storage, name):
    """The RDB URL for ``storage``: None -> ``sqlite:///<name>.db``, a bare path -> SQLite."""
    if storage is None:
        return f"sqlite:///{name}.db"
    storage = os.fspath(storage)
    return storage if "://" in storage else f"sqlite:///{storage}"


def sqlite_path(url):
    """The file of an ``sqlite:///`` URL, or None for other databases (and in-memory SQLite)."""
    if not url.startswith("sqlite:///"):
        return None
    path = url[len("sqlite:///"):]
    return None if path in ("", ":memory:") else path


def checkpoint_dir(url, name):
    """The checkpoint folder beside the study: ``<db file without .db>.checkpoints``."""
    path = sqlite_path(url)
    base = os.path.splitext(path)[0] if path else name
    return f"{base}.checkpoints"


def _check_sqlite_file(path, *, must_exist):
    if not os.path.exists(path):
        if must_exist:
            raise StorageError(f"{path} does not exist; there is no study to resume or report on")
        folder = os.path.dirname(os.path.abspath(path))
        if not os.access(folder, os.W_OK):
            raise StorageError(f"cannot create {path}: the folder {folder} is not writable")
        return
    if os.path.isdir(path):
        raise StorageError(f"{path} is a folder, not an SQLite database file")
    try:
        with open(path, "rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise StorageError(f"cannot read {path}: {exc.strerror}") from None
    if header and header != SQLITE_HEADER:
        raise StorageError(f"{path} is not an SQLite database (an Optuna storage); refusing to touch it")
    if not header:
        raise StorageError(f"{path} is an empty file, not an Optuna storage; remove it or choose another --storage")
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=2.0)
        try:
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        if "locked" in str(exc):
            raise StorageError(f"{path} is locked by another process; is another sweep writing it?") from None
        raise StorageError(f"{path} is not a readable SQLite database ({exc})") from None
    if tables and not {"studies", "trials", "version_info"} <= tables:
        raise StorageError(f"{path} is an SQLite database but not an Optuna storage "
                           f"(its tables: {', '.join(sorted(tables))})")


def _read_only(path):
    # Permission bits count even for root, who may write anyway: a file marked
    # read-only was marked so on purpose.
    return not os.access(path, os.W_OK) or not os.stat(path).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)


def _check_writable(path):
    if _read_only(path):
        raise StorageError(f"{path} is read-only; a sweep must write its study (use --storage elsewhere "
                           "to copy it, or `layerwise sweep report` to read it)")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.access(folder, os.W_OK):
        raise StorageError(f"the folder of {path} is read-only; SQLite needs to write its journal there")
    try:  # an exclusive writer elsewhere (another coordinator, a DB browser) shows up here
        connection = sqlite3.connect(path, timeout=2.0)
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.rollback()
        finally:
            connection.close()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise StorageError(f"{path} is locked by another process; is another sweep writing it?") from None
        raise StorageError(f"cannot write {path} ({exc})") from None


class _WALConnection(sqlite3.Connection):
    """An SQLite connection in write-ahead-log mode with ``synchronous=NORMAL``.

    The default rollback journal syncs the disk at every commit (about 20 ms
    on an ordinary disk, several per rung). In WAL mode with NORMAL syncing a
    commit survives any crash of the process; only a power cut can undo the
    last commits, and it never corrupts the file (see sqlite.org/wal.html).
    The checkpoint-before-report order keeps the study consistent either way.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.execute("PRAGMA journal_mode=WAL")
        self.execute("PRAGMA synchronous=NORMAL")


def open_storage(url, *, writable=True, must_exist=False):
    """An Optuna RDB storage for ``url``, with SQLite files checked first.

    Parameters
    ----------
    url : str, an SQLAlchemy URL (``sqlite:///sweep.db``)
    writable : bool, the caller will write (a coordinator); False for reports
    must_exist : bool, refuse to create a new database (resume, report)

    Raises
    ------
    StorageError
        One line naming the file and the problem.
    """
    import optuna

    path = sqlite_path(url)
    if path is not None:
        _check_sqlite_file(path, must_exist=must_exist)
        if writable and os.path.exists(path):
            _check_writable(path)
        if not writable and _read_only(path):
            # a read-only file (or folder) can only be opened read-only; otherwise a plain
            # connection, which the caller never writes through, lets SQLite fold its
            # write-ahead log back into the file when it closes
            url = f"sqlite:///file:{os.path.abspath(path)}?mode=ro&uri=true"
    engine_kwargs = {"connect_args": {"factory": _WALConnection}} if path is not None and writable else None
    try:
        return optuna.storages.RDBStorage(url, engine_kwargs=engine_kwargs, skip_table_creation=not writable)
    except Exception as exc:  # SQLAlchemy and Optuna raise many kinds; all mean "unusable"
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise StorageError(f"cannot open the storage {url}: {message}") from None


# ------------------------------------------------------------------ checkpoints
class CheckpointStore:
    """One file per trial: the trainers' snapshots after the last reported rung.

    A checkpoint is an ``.npz`` (no pickle) with ``state.json`` (epoch reached,
    per-repeat histories, seconds spent, which repeats finished) and one
    ``snapshot_<r>`` byte array per repeat, as ``TrainerSnapshot.to_bytes()``
    gives it. Files are replaced atomically, so a crash leaves the previous
    rung's checkpoint or the new one, never a mixture.
    """

    def __init__(self, folder):
        self.folder = os.fspath(folder)

    def ensure(self):
        """Create the folder (refusing a file in its place or a read-only parent)."""
        try:
            os.makedirs(self.folder, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot create the checkpoint folder {self.folder}: "
                               f"{exc.strerror or exc}") from None
        if _read_only(self.folder):
            raise StorageError(f"the checkpoint folder {self.folder} is read-only")

    def path(self, number):
        return os.path.join(self.folder, f"trial-{number:05d}.ckpt.npz")

    def model_path(self, number):
        return os.path.join(self.folder, f"trial-{number:05d}.lw")

    def save(self, number, state, snapshots):
        """Store ``state`` (JSON-able dict) and ``snapshots`` (list of bytes or None) for a trial."""
        arrays = {"state.json": np.frombuffer(json.dumps(state).encode(), dtype=np.uint8)}
        for r, snapshot in enumerate(snapshots):
            if snapshot is not None:
                arrays[f"snapshot_{r}"] = np.frombuffer(snapshot, dtype=np.uint8)
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        atomic_write(self.path(number), buffer.getvalue(), what="checkpoint")

    def load(self, number, repeats):
        """``(state, snapshots)`` of a trial, or ``(None, [None] * repeats)`` without a checkpoint."""
        path = self.path(number)
        if not os.path.exists(path):
            return None, [None] * repeats
        try:
            with np.load(path, allow_pickle=False) as data:
                state = json.loads(data["state.json"].tobytes().decode())
                snapshots = [data[f"snapshot_{r}"].tobytes() if f"snapshot_{r}" in data.files else None
                             for r in range(repeats)]
        except (OSError, ValueError, KeyError) as exc:
            raise StorageError(f"checkpoint {path} is damaged ({exc}); delete it to restart that trial "
                               "from its first epoch") from None
        return state, snapshots

    def discard(self, number):
        """Remove a trial's checkpoint (after it failed); missing files are fine."""
        try:
            os.unlink(self.path(number))
        except FileNotFoundError:
            pass


class CoordinatorLock:
    """An exclusive lock file in the checkpoint folder, held while a coordinator runs.

    ``fcntl.flock`` is released by the kernel when the process dies, so a
    ``kill -9``'d coordinator never leaves a stale lock behind.
    """

    def __init__(self, folder):
        self.path = os.path.join(os.fspath(folder), "coordinator.lock")
        self._handle = None

    def acquire(self):
        import fcntl

        handle = open(self.path, "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            handle.seek(0)
            owner = handle.read().strip() or "unknown"
            handle.close()
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise StorageError(f"another coordinator (pid {owner}) is running this sweep; "
                                   f"wait for it or stop it first") from None
            raise
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._handle = handle
        return self

    def release(self):
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()
