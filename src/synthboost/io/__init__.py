"""File input/output: reading tables, atomic writes, model files (safetensors + JSON).

Nothing here unpickles: a model file from a stranger is parsed as JSON and as
safetensors (a flat, typed tensor container) and can never run code.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from ..errors import DataFileError, ModelFileError, OutputError, SchemaError

FORMAT_VERSION = 1
WEIGHTS_FILE = "model.safetensors"
META_FILE = "model.json"


# -- atomic writes ----------------------------------------------------------------
def _read_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


#: the process's umask, read once: temporary files and folders are made owner-only (0600 / 0700) and
#: get the mode a plain open() or mkdir() would have given them before they are put in place
_UMASK = _read_umask()
FILE_MODE, DIR_MODE = 0o666 & ~_UMASK, 0o777 & ~_UMASK


def atomic_write(path: str | os.PathLike, write: Callable[[str], None]) -> Path:
    """Call ``write(tmp_path)`` then rename the temp file onto ``path``.

    An interrupted run leaves either the previous file or the new one, never half of one. The file
    gets the usual mode (0644 under umask 022), not the temporary file's owner-only 0600.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
    except OSError as e:
        raise OutputError(f"cannot write {str(path)!r}: {e.strerror or e}; choose a writable location") from None
    try:
        write(tmp)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except OSError as e:
        raise OutputError(f"cannot write {str(path)!r}: {e.strerror or e}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def write_text(path: str | os.PathLike, text: str) -> Path:
    return atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def write_json(path: str | os.PathLike, obj: Any) -> Path:
    return write_text(path, json_text(obj))


def json_text(obj: Any) -> str:
    """The project's JSON form of ``obj`` (numpy values and paths included); TypeError if it has no JSON form."""
    return json.dumps(obj, indent=1, allow_nan=True, default=_json_default)


def _json_default(o: Any) -> Any:
    import numpy as np

    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, (np.ndarray,)):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"{type(o).__name__} is not JSON serialisable")


def read_jsonl(path: str | os.PathLike) -> list:
    """The records of a JSON-lines file that a run appends to (none if it does not exist); a line cut
    short by an interruption is skipped."""
    p = Path(path)
    records = []
    for line in (p.read_text(encoding="utf-8").splitlines() if p.is_file() else []):
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return records


def write_table(df: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write CSV or Parquet (by suffix) atomically."""
    suffix = Path(path).suffix.lower()
    if suffix in (".parquet", ".pq"):
        return atomic_write(path, lambda tmp: df.to_parquet(tmp, index=False))
    if suffix in (".csv", ".txt", ""):
        return atomic_write(path, lambda tmp: df.to_csv(tmp, index=False))
    raise OutputError(f"cannot write {str(path)!r}: unknown table format {suffix!r}; use .csv or .parquet")


# -- reading tables ----------------------------------------------------------------
def read_table(path: str | os.PathLike, header: bool = True) -> pd.DataFrame:
    """Read a CSV, Parquet or ARFF file into a DataFrame, with one clear error on failure.

    ``header=False``: the CSV's first row is data, and the columns are named "0", "1", ...
    """
    p = Path(path)
    if not p.exists():
        raise DataFileError(f"data file {str(p)!r} does not exist")
    if p.is_dir():
        raise DataFileError(f"{str(p)!r} is a directory; pass a CSV, Parquet or ARFF file")
    suffix = p.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            df = pd.read_parquet(p)
        elif suffix == ".arff":
            df = _read_arff(p)
        elif header:
            df = pd.read_csv(p, skipinitialspace=True)
        else:
            df = pd.read_csv(p, skipinitialspace=True, header=None, sep=_separator(p))
            df.columns = [str(i) for i in range(df.shape[1])]
    except DataFileError:
        raise
    except Exception as e:  # any parser failure is a malformed file for the user
        raise DataFileError(f"cannot read {str(p)!r} as {suffix.lstrip('.') or 'csv'}: {e}") from None
    if df.shape[1] == 0:
        raise DataFileError(f"{str(p)!r} holds no columns")
    return df


def _separator(p: Path) -> str:
    """A headerless file's separator from its first line: comma, tab or semicolon, else runs of spaces
    (UCI files such as ecoli.data are space-aligned)."""
    with open(p, encoding="utf-8", errors="replace") as fh:
        first = fh.readline()
    return next((c for c in (",", "\t", ";") if c in first), r"\s+")


def _read_arff(p: Path) -> pd.DataFrame:
    import arff  # liac-arff: a pure-Python parser, no code execution

    with open(p, encoding="utf-8", errors="replace") as fh:
        try:
            data = arff.load(fh)
        except Exception as e:
            raise DataFileError(f"cannot read {str(p)!r} as ARFF: {e}") from None
    names = [a[0] for a in data["attributes"]]
    df = pd.DataFrame(data["data"], columns=names)
    for (name, kind) in data["attributes"]:
        if isinstance(kind, str) and kind.upper() in ("NUMERIC", "REAL", "INTEGER"):
            df[name] = pd.to_numeric(df[name])
            if kind.upper() == "INTEGER" or (df[name].dropna() % 1 == 0).all():
                if not df[name].isna().any():
                    df[name] = df[name].astype("int64")
    return df


# -- model files --------------------------------------------------------------------
def check_output_dir(directory: str | os.PathLike, what: str = "output") -> Path:
    """``directory`` as a Path; an existing file there is an OutputError (callers check before long work)."""
    d = Path(directory)
    if d.exists() and not d.is_dir():
        raise OutputError(f"{what} {str(d)!r} exists and is not a directory; choose another path")
    return d


def check_model_dir(directory: str | os.PathLike) -> Path:
    """``directory`` as a Path a model may be saved to: new, empty, or holding a synthboost model (which
    a save replaces as a whole); anything else is an OutputError. Fit commands call it before training."""
    d = check_output_dir(directory, "model path")
    if d.is_dir() and any(d.iterdir()) and not (d / META_FILE).is_file():
        raise OutputError(f"{str(d)!r} exists and holds files that are not a synthboost model; a model directory is "
                          "replaced as a whole, so choose a new or empty path")
    return d


def _replace_directory(tmp: Path, target: Path) -> None:
    """Put the finished directory ``tmp`` in place of ``target``: one atomic exchange where the
    system has one (Linux renameat2), else two renames with the old directory kept aside until the
    new one is in place."""
    if target.exists() and _exchange(tmp, target):
        shutil.rmtree(tmp, ignore_errors=True)  # tmp now holds the old model
        return
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
        os.rmdir(old)
        os.rename(target, old)
    os.rename(tmp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    AT_FDCWD, RENAME_EXCHANGE = -100, 2
    return renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0


MODEL_FILES = {WEIGHTS_FILE, META_FILE}


def save_model(directory: str | os.PathLike, tensors: dict, meta: dict,
               extra: dict[str, Callable[[str], None]] | None = None) -> Path:
    """Write ``model.safetensors`` and ``model.json`` (and ``extra`` files: name -> writer(path))
    into a temporary directory beside ``directory``, then put it in place as a whole: an
    interrupted save leaves the previous model or the new one, never new weights beside old
    metadata. An existing directory is replaced only if it holds a synthboost model (or nothing)."""
    from safetensors.torch import save_file

    d = check_model_dir(directory)
    tensors = {k: v.detach().contiguous().cpu() for k, v in tensors.items()}
    # the description is made before anything is written: a value JSON cannot hold leaves no half-saved model
    try:
        text = json_text({"format_version": FORMAT_VERSION, **meta})
    except (TypeError, ValueError) as e:
        raise SchemaError(f"the model cannot be saved: {e} (a parameter or a column value that JSON cannot hold); "
                          "pass parameters as numbers, strings or lists, and convert such columns to strings, "
                          "numbers or datetime64 before fitting") from None

    def fill(tmp: Path) -> None:
        save_file(tensors, str(tmp / WEIGHTS_FILE))
        (tmp / META_FILE).write_text(text, encoding="utf-8")
        for name, write in (extra or {}).items():
            write(str(tmp / name))

    return write_directory(d, fill)


def write_directory(target: str | os.PathLike, fill: Callable[[Path], None]) -> Path:
    """Build a directory by ``fill(tmp)`` in a temporary directory beside ``target``, then put it in
    place of ``target`` as a whole (an interrupt leaves the old directory or the new one, never a mix).
    The directory and what ``fill`` wrote get the usual modes (0755 / 0644 under umask 022), not
    mkdtemp's 0700 or a writer's own owner-only files (safetensors writes 0600)."""
    d = Path(target)
    try:
        d.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{d.name}.", suffix=".tmp", dir=d.parent))
    except OSError as e:
        raise OutputError(f"cannot write {str(d)!r}: {e.strerror or e}; choose a writable location") from None
    try:
        fill(tmp)
        for folder, dirs, files in os.walk(tmp):
            os.chmod(folder, DIR_MODE)
            for f in files:
                os.chmod(os.path.join(folder, f), FILE_MODE)
        _replace_directory(tmp, d)
    except OSError as e:
        raise OutputError(f"cannot write {str(d)!r}: {e.strerror or e}") from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return d


def load_model(directory: str | os.PathLike) -> tuple[dict, dict]:
    """Read back (tensors, meta); any problem is a :class:`ModelFileError`."""
    from safetensors.torch import load_file

    d = Path(directory)
    meta_path, weights_path = d / META_FILE, d / WEIGHTS_FILE
    if not d.is_dir():
        raise ModelFileError(f"model directory {str(d)!r} does not exist; save a model there first")
    for f in (meta_path, weights_path):
        if not f.is_file():
            raise ModelFileError(f"{str(f)!r} is missing; {str(d)!r} is not a complete synthboost model")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ModelFileError(f"{str(meta_path)!r} is not valid JSON ({e}); the model file is corrupted") from None
    if not isinstance(meta, dict) or "format_version" not in meta:
        raise ModelFileError(f"{str(meta_path)!r} is not a synthboost model description")
    if meta["format_version"] != FORMAT_VERSION:
        raise ModelFileError(
            f"{str(meta_path)!r} has format version {meta['format_version']}, this synthboost reads {FORMAT_VERSION}"
        )
    try:
        tensors = load_file(weights_path)
    except Exception as e:  # safetensors rejects anything that is not its own format
        raise ModelFileError(f"{str(weights_path)!r} is not a valid safetensors file ({e}); the model is corrupted") from None
    return tensors, meta
