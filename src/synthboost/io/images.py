"""Image files in and out, without pickle and without downloads.

Readers give :class:`~synthboost.containers.ImageData` (uint8 (N, H, W, C)); every problem is a
:class:`~synthboost.errors.DataFileError` naming the file and the fix:

- IDX (MNIST's format), gzipped or not: the magic number and dtype code are checked;
- CIFAR-10 binary records (1 label byte + 3072 pixel bytes), never the pickled batches;
- image folders ``root/<class>/<file>`` (PNG, JPEG, BMP, GIF: first frame), read with Pillow;
- ``.npz`` / ``.npy`` read with ``allow_pickle=False`` (object arrays are refused).

Writers: PNG grids, per-class PNG folders and ``.npz``, each atomic.
"""

from __future__ import annotations

import gzip
import io as _io
import os
import warnings
from collections import Counter
from pathlib import Path
from typing import Sequence

import numpy as np

from ..containers import ImageData
from ..errors import DataFileError, OutputError
from . import atomic_write

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
#: IDX dtype codes (the third byte of the magic number)
_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


# -- IDX ----------------------------------------------------------------------------------
def read_idx(path: str | os.PathLike) -> np.ndarray:
    """An IDX array (e.g. MNIST's images (N, 28, 28) or labels (N,)), gzipped or not."""
    p = Path(path)
    if not p.is_file():
        raise DataFileError(f"IDX file {str(p)!r} does not exist")
    raw = p.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as e:
            raise DataFileError(f"{str(p)!r} is a broken gzip file ({e}); replace it with the original download") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise DataFileError(f"{str(p)!r} is not an IDX file (magic number {raw[:4].hex() or 'missing'}; IDX files start "
                            "with 00 00, a dtype code 08-0e and the number of dimensions)")
    ndim = raw[3]
    if ndim == 0 or len(raw) < 4 + 4 * ndim:
        raise DataFileError(f"{str(p)!r} has a truncated IDX header")
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    need = int(np.prod(dims)) * dtype.itemsize
    body = raw[4 + 4 * ndim:]
    if len(body) != need:
        raise DataFileError(f"{str(p)!r} holds {len(body)} data bytes, its header {dims} of {dtype} needs {need}; "
                            "the file is truncated or corrupted")
    return np.frombuffer(body, dtype=dtype).reshape(dims).astype(dtype.newbyteorder("="))


def read_idx_pair(images: str | os.PathLike, labels: str | os.PathLike | None,
                  class_names: Sequence[str] | None = None) -> ImageData:
    x = read_idx(images)
    if x.ndim not in (3, 4) or x.dtype != np.uint8:
        raise DataFileError(f"{str(images)!r} holds an array {x.shape} of {x.dtype}, not uint8 images (N, H, W)")
    y = None
    if labels is not None:
        y = read_idx(labels)
        if y.ndim != 1 or len(y) != len(x):
            raise DataFileError(f"{str(labels)!r} holds {y.shape} labels for {len(x)} images in {str(images)!r}")
    return ImageData(x, y, list(class_names) if class_names else [])


# -- CIFAR-10 binary ---------------------------------------------------------------------
CIFAR_RECORD = 1 + 3 * 32 * 32


def read_cifar_binary(path: str | os.PathLike, class_names: Sequence[str] | None = None) -> ImageData:
    """CIFAR-10's binary records: a label byte, then 1024 R, 1024 G, 1024 B bytes (32x32 row-major)."""
    p = Path(path)
    if not p.is_file():
        raise DataFileError(f"CIFAR binary file {str(p)!r} does not exist")
    raw = np.fromfile(p, dtype=np.uint8)
    if raw.size == 0 or raw.size % CIFAR_RECORD:
        raise DataFileError(f"{str(p)!r} holds {raw.size} bytes, not a whole number of {CIFAR_RECORD}-byte CIFAR-10 "
                            "records; use the binary version (not the pickled python batches)")
    rec = raw.reshape(-1, CIFAR_RECORD)
    labels = rec[:, 0].astype(np.int64)
    if labels.max() > 9:
        raise DataFileError(f"{str(p)!r} has labels up to {labels.max()}; CIFAR-10 labels are 0-9 (is it CIFAR-100?)")
    images = rec[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)  # (N, 32, 32, 3)
    if class_names is None:
        meta = p.parent / "batches.meta.txt"
        class_names = [l.strip() for l in meta.read_text().splitlines() if l.strip()] if meta.is_file() else None
    return ImageData(np.ascontiguousarray(images), labels, list(class_names) if class_names else [str(i) for i in range(10)])


# -- image folders -------------------------------------------------------------------------
def _open_image(path: Path):
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            im.load()
            return im.convert("L") if im.mode in ("1", "L", "I;16", "I", "F", "LA") else im.convert("RGB")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        raise DataFileError(f"cannot read the image {str(path)!r} ({type(e).__name__}: {e}); remove or replace it") from None


def read_image_folder(root: str | os.PathLike, size: int | tuple[int, int] | None = None) -> ImageData:
    """Images in ``root/<class>/<file>``; class names are the folder names (sorted).

    Images of different sizes are resized to ``size`` (or, without it, to the most common size,
    with a warning saying so); grey and colour images mixed are all made colour, also said.
    """
    r = Path(root)
    if not r.is_dir():
        raise DataFileError(f"image folder {str(r)!r} does not exist")
    classes = sorted(d for d in r.iterdir() if d.is_dir() and not d.name.startswith("."))
    if not classes:
        loose = [f for f in r.iterdir() if f.suffix.lower() in IMAGE_SUFFIXES]
        hint = " (the images lie directly in it: put each class in a subfolder root/<class>/)" if loose else ""
        raise DataFileError(f"{str(r)!r} has no class folders{hint}; expected root/<class>/<image files>")
    files: list[tuple[int, Path]] = []
    for i, d in enumerate(classes):
        found = sorted(f for f in d.iterdir() if f.is_file() and f.suffix.lower() in IMAGE_SUFFIXES)
        if not found:
            raise DataFileError(f"class folder {str(d)!r} holds no images ({', '.join(IMAGE_SUFFIXES)})")
        if len(found) < 2:
            raise DataFileError(f"class folder {str(d)!r} holds a single image; a class needs at least 2 "
                                "(to train on and to check on), so add images or remove the folder")
        files += [(i, f) for f in found]
    images = [_open_image(f) for _, f in files]
    sizes = Counter(im.size for im in images)  # (W, H)
    if size is not None:
        target = (size, size) if isinstance(size, int) else (int(size[1]), int(size[0]))
    else:
        target = sizes.most_common(1)[0][0]
        if len(sizes) > 1:
            warnings.warn(f"{str(r)!r}: images of {len(sizes)} sizes; resized to the most common, {target[0]}x{target[1]} "
                          "(pass size= to choose)", UserWarning, stacklevel=2)
    colour = any(im.mode == "RGB" for im in images)
    if colour and any(im.mode == "L" for im in images):
        warnings.warn(f"{str(r)!r}: grey and colour images mixed; the grey ones are read as colour", UserWarning, stacklevel=2)
    arrays = [_to_array(im, target, colour) for im in images]
    return ImageData(np.stack(arrays), np.array([i for i, _ in files], dtype=np.int64), [d.name for d in classes])


def _to_array(im, size: tuple[int, int], colour: bool) -> np.ndarray:
    from PIL import Image

    if colour and im.mode != "RGB":
        im = im.convert("RGB")
    if im.size != size:
        im = im.resize(size, Image.Resampling.LANCZOS)
    a = np.asarray(im, dtype=np.uint8)
    return a[..., None] if a.ndim == 2 else a


def resize(data: ImageData, size: int) -> ImageData:
    """Every image resized to size x size (Lanczos), labels kept."""
    from PIL import Image

    if data.shape[:2] == (size, size):
        return data
    grey = data.shape[2] == 1
    out = np.stack([_to_array(Image.fromarray(x[..., 0] if grey else x), (size, size), not grey) for x in data.images])
    return ImageData(out, data.labels, list(data.class_names))


# -- numpy files -----------------------------------------------------------------------------
def read_numpy(path: str | os.PathLike) -> ImageData:
    """``.npz`` with ``images`` (or ``x``, ``X``) and optional ``labels`` (``y``) and ``class_names``,
    or ``.npy`` with images only; never unpickled."""
    p = Path(path)
    if not p.is_file():
        raise DataFileError(f"numpy file {str(p)!r} does not exist")
    try:
        loaded = np.load(p, allow_pickle=False)
        if isinstance(loaded, np.ndarray):  # .npy: one array
            arrays = {"images": loaded}
        else:
            with loaded as f:
                arrays = {k: f[k] for k in f.files}
    except ValueError as e:
        if "pickle" in str(e).lower() or "object" in str(e).lower():
            raise DataFileError(f"{str(p)!r} holds object arrays (Python objects, stored with pickle), which synthboost "
                                "never loads; save plain numeric arrays (np.savez(path, images=uint8 array, labels=int array))") from None
        raise DataFileError(f"cannot read {str(p)!r} as a numpy file: {e}") from None
    except (OSError, EOFError) as e:
        raise DataFileError(f"cannot read {str(p)!r} as a numpy file: {e}") from None
    images = next((arrays[k] for k in ("images", "x", "X") if k in arrays), None)
    if images is None:
        raise DataFileError(f"{str(p)!r} has no 'images' array (arrays: {sorted(arrays)}); name the images array 'images'")
    labels = next((arrays[k] for k in ("labels", "y") if k in arrays), None)
    names = [str(v) for v in arrays["class_names"]] if "class_names" in arrays else []
    from ..errors import SchemaError

    try:
        return ImageData(images, labels, names)
    except SchemaError as e:
        raise DataFileError(f"{str(p)!r}: {e}") from None


def read_images(path: str | os.PathLike, size: int | None = None) -> ImageData:
    """Any supported image source by its form: a folder, an IDX, CIFAR ``.bin``, ``.npz`` or ``.npy`` file."""
    p = Path(path)
    if p.is_dir():
        return read_image_folder(p, size)
    name = p.name.lower()
    if not p.exists():
        raise DataFileError(f"{str(p)!r} does not exist; pass an image folder (root/<class>/<file>), an IDX, "
                            "CIFAR .bin, .npz or .npy file, or a dataset name (see `synthboost datasets`)")
    if name.endswith((".npz", ".npy")):
        data = read_numpy(p)
    elif name.endswith(".bin"):
        data = read_cifar_binary(p)
    elif "idx" in name or name.endswith(".gz"):
        labels = _idx_labels_beside(p)
        if labels is None:
            warnings.warn(f"{str(p)!r}: no labels file beside it (MNIST's naming: *-labels-idx1-ubyte); "
                          "the images are read unlabelled", UserWarning, stacklevel=2)
        data = read_idx_pair(p, labels)
    else:
        raise DataFileError(f"{str(p)!r} is not an image source synthboost reads (a folder root/<class>/<file>, an IDX, "
                            "CIFAR .bin, .npz or .npy file)")
    return resize(data, size) if size else data


def _idx_labels_beside(p: Path) -> Path | None:
    """MNIST's naming: train-images-idx3-ubyte(.gz) beside train-labels-idx1-ubyte(.gz)."""
    name = p.name.replace("images-idx3", "labels-idx1")
    cand = p.with_name(name)
    return cand if name != p.name and cand.is_file() else None


# -- writing ---------------------------------------------------------------------------------
def grid_array(data: ImageData, per_row: int = 10, by_class: bool = True, pad: int = 2) -> np.ndarray:
    """A (rows*(H+pad), cols*(W+pad), C) uint8 mosaic; one row per class (up to ``per_row`` each)."""
    x = data.images
    H, W, C = data.shape
    if by_class and data.labels is not None:
        rows = [x[data.labels == k][:per_row] for k in range(data.n_classes)]
        rows = [r for r in rows if len(r)]
    else:
        rows = [x[i:i + per_row] for i in range(0, len(x), per_row)]
    out = np.full((len(rows) * (H + pad) + pad, per_row * (W + pad) + pad, C), 255, np.uint8)
    for i, r in enumerate(rows):
        for j, im in enumerate(r):
            y0, x0 = pad + i * (H + pad), pad + j * (W + pad)
            out[y0:y0 + H, x0:x0 + W] = im
    return out


def save_grid(data: ImageData, path: str | os.PathLike, per_row: int = 10, by_class: bool = True, scale: int | None = None) -> Path:
    """A PNG mosaic of ``data`` (one row per class), enlarged by ``scale`` (default: to about 40 px per image)."""
    from PIL import Image

    if len(data) == 0:
        raise OutputError("no images to put in a grid")
    g = grid_array(data, per_row, by_class)
    scale = scale or max(1, 40 // data.shape[0])
    im = Image.fromarray(g[..., 0] if g.shape[2] == 1 else g)
    if scale > 1:
        im = im.resize((im.width * scale, im.height * scale), Image.Resampling.NEAREST)
    return atomic_write(path, lambda tmp: im.save(tmp, format="PNG"))


def check_image_folder(root: str | os.PathLike) -> Path:
    """``root`` as a folder :func:`write_image_folder` may write: new or empty (never mixed with other files)."""
    r = Path(root)
    if r.exists() and not r.is_dir():
        raise OutputError(f"{str(r)!r} exists and is not a folder; choose another path")
    if r.is_dir() and any(r.iterdir()):
        raise OutputError(f"{str(r)!r} already holds files; images go to a new or empty folder (never mixed with "
                          "earlier ones), so choose another path or empty it")
    return r


def write_image_folder(data: ImageData, root: str | os.PathLike) -> Path:
    """One PNG per image under ``root/<class>/`` (``root/images/`` without labels), written in a temporary
    folder beside ``root`` and put in place as a whole (an interrupted write leaves no partial set)."""
    from PIL import Image

    from . import write_directory

    r = check_image_folder(root)
    names = data.label_names if data.labels is not None else np.array(["images"] * len(data), dtype=object)

    def fill(tmp: Path) -> None:
        for i, (x, name) in enumerate(zip(data.images, names)):
            folder = tmp / _safe(str(name))
            folder.mkdir(exist_ok=True)
            Image.fromarray(x[..., 0] if x.shape[2] == 1 else x).save(folder / f"{i:06d}.png", format="PNG")

    return write_directory(r, fill)


def _safe(name: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip(".") or "class"


def write_npz(data: ImageData, path: str | os.PathLike) -> Path:
    def write(tmp: str) -> None:
        arrays = {"images": data.images, "class_names": np.asarray(data.class_names, dtype=str)}
        if data.labels is not None:
            arrays["labels"] = data.labels
        with open(tmp, "wb") as fh:  # a file object: np.savez would append .npz to the temporary name
            np.savez_compressed(fh, **arrays)

    return atomic_write(path, write)


def png_bytes(array: np.ndarray) -> bytes:
    from PIL import Image

    buf = _io.BytesIO()
    Image.fromarray(array[..., 0] if array.ndim == 3 and array.shape[2] == 1 else array).save(buf, format="PNG")
    return buf.getvalue()


__all__ = ["read_idx", "read_idx_pair", "read_cifar_binary", "read_image_folder", "read_numpy", "read_images", "resize",
           "grid_array", "save_grid", "check_image_folder", "write_image_folder", "write_npz"]
