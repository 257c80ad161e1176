"""Writing files without destroying anything: one helper for every writer.

Every file layerwise writes (model files, prediction CSVs, curve PNGs, ONNX
graphs, the lab's report) goes through :func:`atomic_write`:

* the data goes to a temporary file *named after the output*
  (``.NAME.<pid>-<n>.tmp`` beside ``NAME``), created with ``O_EXCL`` and mode
  ``0o666`` so that the umask decides the final mode (as ``open`` would; not
  ``mkstemp``'s 0600), and is renamed onto ``NAME`` only when complete -- a
  failed or interrupted write leaves the old file untouched and removes its
  temporary;
* a process killed outright (SIGKILL) leaves at most that one temporary; the
  next write to the same output removes temporaries whose process is gone;
* an existing symbolic link or non-regular file (device, FIFO, directory) at
  the output is refused, never replaced.

:func:`check_output_path` runs the same checks up front (plus "is it one of
the inputs?", also through symbolic and hard links), so that a command can
refuse a bad ``--out`` before it spends time on training.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import stat
import threading

_COUNTER = itertools.count()
_COUNTER_LOCK = threading.Lock()


class OutputPathError(ValueError):
    """An output path that layerwise refuses to write (it would destroy something)."""


def temporary_name(path):
    """The temporary file an atomic write of ``path`` uses: ``.NAME.<pid>-<n>.tmp`` beside it."""
    path = os.fspath(path)
    directory, base = os.path.split(os.path.abspath(path))
    with _COUNTER_LOCK:
        n = next(_COUNTER)
    return os.path.join(directory, f".{base}.{os.getpid()}-{n}.tmp")


def _process_alive(pid):
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def remove_stale_temporaries(path):
    """Remove temporaries of ``path`` left by processes that no longer run; returns their names.

    Only names of the form ``.NAME.<pid>-<n>.tmp`` whose process is gone are
    touched: files, and directories (a report being built) with their content.
    """
    directory, base = os.path.split(os.path.abspath(os.fspath(path)))
    pattern = re.compile(rf"^\.{re.escape(base)}\.(\d+)-\d+\.tmp$")
    removed = []
    try:
        names = os.listdir(directory)
    except OSError:
        return removed
    for name in names:
        match = pattern.match(name)
        if match and not _process_alive(int(match.group(1))):
            full = os.path.join(directory, name)
            try:
                mode = os.lstat(full).st_mode
                if stat.S_ISREG(mode):
                    os.remove(full)
                    removed.append(full)
                elif stat.S_ISDIR(mode):
                    shutil.rmtree(full)
                    removed.append(full)
            except OSError:
                pass
    return removed


def _describe_mode(mode):
    for test, what in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return what
    return "not a regular file"


def check_replaceable(path, *, what="output"):
    """Raise :class:`OutputPathError` unless ``path`` is absent or a regular file (not a link)."""
    path = os.fspath(path)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(st.st_mode):
        raise OutputPathError(f"{what} {path} is a symbolic link; refusing to replace it "
                              "(remove it or choose another path)")
    if not stat.S_ISREG(st.st_mode):
        raise OutputPathError(f"{what} {path} is {_describe_mode(st.st_mode)}; refusing to "
                              "replace it with a file")


def same_file(a, b):
    """True if ``a`` and ``b`` both exist and are the same file (through any link)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def check_output_path(path, *, inputs=(), what="--out"):
    """Check, before any work, that a file can be written at ``path`` without loss.

    Refuses (with :class:`OutputPathError`) a path whose directory does not
    exist or is not writable, an existing symbolic link or non-regular file,
    and a path that is the same file as one of ``inputs`` (compared by device
    and inode, so symbolic and hard links are caught).

    Returns
    -------
    str, the absolute path
    """
    path = os.fspath(path)
    if not path:
        raise OutputPathError(f"{what} is empty; give a file name")
    full = os.path.abspath(path)
    directory = os.path.dirname(full)
    if not os.path.isdir(directory):
        raise OutputPathError(f"{what} {path}: the directory {directory} does not exist")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise OutputPathError(f"{what} {path}: the directory {directory} is not writable")
    check_replaceable(path, what=what)
    for source in inputs:
        if source is not None and (same_file(path, source) or
                                   os.path.abspath(os.fspath(source)) == full):
            raise OutputPathError(f"{what} {path} is the input file {source}; refusing to "
                                  "overwrite it (choose another output)")
    return full


def atomic_write(path, write, *, what="output"):
    """Write a file through a temporary beside it and a rename.

    Parameters
    ----------
    path : str or os.PathLike, the file to (re)place
    write : callable ``write(handle)`` that writes the content to a binary file handle,
        or bytes / str (str is written as UTF-8)
    what : str, how messages name the file

    Raises
    ------
    OutputPathError
        If ``path`` is an existing symbolic link or non-regular file.
    """
    path = os.fspath(path)
    if isinstance(write, str):
        write = write.encode("utf-8")
    if isinstance(write, (bytes, bytearray, memoryview)):
        data = write

        def write(handle):
            handle.write(data)

    check_replaceable(path, what=what)
    remove_stale_temporaries(path)
    tmp = temporary_name(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        check_replaceable(path, what=what)  # again: it may have appeared meanwhile
        os.replace(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except FileNotFoundError:
            pass
        raise


def make_temporary_directory(path):
    """Create the temporary directory in which an output directory ``path`` is built.

    Named like :func:`temporary_name` (so a killed run's leftovers are removed
    by the next run), mode ``0o777`` less the umask (``mkdtemp`` would give 0700).
    """
    remove_stale_temporaries(path)
    tmp = temporary_name(path)
    os.mkdir(tmp, 0o777)
    return tmp


def move_files_into(source, destination):
    """Move every file under ``source`` to the same place under ``destination``, replacing files.

    Only the files being moved are replaced (each atomically, by a rename);
    nothing else in ``destination`` is touched. A symbolic link or non-regular
    file in the way is refused (:class:`OutputPathError`) before anything moves.

    Returns
    -------
    list of the destination paths written
    """
    moves = []
    for root, _, files in os.walk(source):
        relative = os.path.relpath(root, source)
        target_dir = destination if relative == "." else os.path.join(destination, relative)
        if os.path.lexists(target_dir) and (os.path.islink(target_dir) or
                                            not os.path.isdir(target_dir)):
            raise OutputPathError(f"{target_dir} is in the way (a symbolic link or a file where "
                                  "the report puts a directory); refusing to replace it")
        for name in sorted(files):
            target = os.path.join(target_dir, name)
            check_replaceable(target)
            moves.append((os.path.join(root, name), target))
    for src, target in moves:
        os.makedirs(os.path.dirname(target), mode=0o777, exist_ok=True)
        os.replace(src, target)
    return [target for _, target in moves]
