"""Image readers and writers: every format, and one clear error for every bad file."""

import gzip
import warnings

import numpy as np
import pytest
from PIL import Image

from synthboost import DataFileError, ImageData, datasets
from synthboost.errors import OutputError, SchemaError
from synthboost.io.images import (read_cifar_binary, read_idx, read_image_folder, read_images, read_numpy, save_grid,
                                  write_image_folder, write_npz)


def idx_bytes(a: np.ndarray) -> bytes:
    return bytes([0, 0, 0x08, a.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in a.shape) + a.tobytes()


def test_idx_plain_and_gzipped_and_its_checks(tmp_path):
    a = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "x-idx3-ubyte").write_bytes(idx_bytes(a))
    (tmp_path / "x-idx3-ubyte.gz").write_bytes(gzip.compress(idx_bytes(a)))
    assert np.array_equal(read_idx(tmp_path / "x-idx3-ubyte"), a)
    assert np.array_equal(read_idx(tmp_path / "x-idx3-ubyte.gz"), a)
    (tmp_path / "bad").write_bytes(b"\x01\x02\x08\x03" + idx_bytes(a)[4:])
    with pytest.raises(DataFileError, match="not an IDX file.*magic number 01020803"):
        read_idx(tmp_path / "bad")
    (tmp_path / "short").write_bytes(idx_bytes(a)[:-5])
    with pytest.raises(DataFileError, match="truncated"):
        read_idx(tmp_path / "short")
    f = np.ones((2, 2), ">f4")
    (tmp_path / "f").write_bytes(bytes([0, 0, 0x0D, 2]) + (2).to_bytes(4, "big") * 2 + f.tobytes())
    assert read_idx(tmp_path / "f").dtype == np.float32  # the dtype code is read, not assumed


def test_cifar_binary_records(tmp_path):
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (3, 3, 32, 32), dtype=np.uint8)  # (N, C, H, W) as CIFAR stores planes
    rec = np.concatenate([np.array([[1], [7], [0]], np.uint8), img.reshape(3, -1)], axis=1)
    (tmp_path / "b.bin").write_bytes(rec.tobytes())
    d = read_cifar_binary(tmp_path / "b.bin")
    assert d.images.shape == (3, 32, 32, 3) and d.labels.tolist() == [1, 7, 0]
    assert np.array_equal(d.images[1, :, :, 2], img[1, 2])  # the B plane is the last channel
    (tmp_path / "cut.bin").write_bytes(rec.tobytes()[:-10])
    with pytest.raises(DataFileError, match="whole number of 3073-byte"):
        read_cifar_binary(tmp_path / "cut.bin")


def write_png(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)


def test_image_folders_and_their_bad_forms(tmp_path):
    rng = np.random.default_rng(0)
    for c in ("cat", "dog"):
        for i in range(3):
            write_png(tmp_path / "ok" / c / f"{i}.png", rng.integers(0, 256, (10, 10, 3), dtype=np.uint8))
    Image.fromarray(rng.integers(0, 256, (10, 10, 3), dtype=np.uint8)).save(tmp_path / "ok" / "dog" / "x.jpg")
    d = read_image_folder(tmp_path / "ok")
    assert d.images.shape == (7, 10, 10, 3) and d.class_names == ["cat", "dog"] and d.counts() == {"cat": 3, "dog": 4}
    write_png(tmp_path / "ok" / "dog" / "big.png", rng.integers(0, 256, (20, 16, 3), dtype=np.uint8))
    with pytest.warns(UserWarning, match="2 sizes; resized to the most common, 10x10"):
        assert read_image_folder(tmp_path / "ok").shape == (10, 10, 3)
    assert read_image_folder(tmp_path / "ok", size=8).shape == (8, 8, 3)
    write_png(tmp_path / "ok" / "cat" / "grey.png", rng.integers(0, 256, (10, 10), dtype=np.uint8))
    with pytest.warns(UserWarning, match="grey and colour images mixed"):
        read_image_folder(tmp_path / "ok", size=10)
    (tmp_path / "ok" / "cat" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not a jpeg")
    with pytest.raises(DataFileError, match="broken.jpg"):
        read_image_folder(tmp_path / "ok", size=10)
    (tmp_path / "flat").mkdir()
    write_png(tmp_path / "flat" / "a.png", np.zeros((4, 4), np.uint8))
    with pytest.raises(DataFileError, match="no class folders.*subfolder"):
        read_image_folder(tmp_path / "flat")
    (tmp_path / "empty" / "a").mkdir(parents=True)
    with pytest.raises(DataFileError, match="holds no images"):
        read_image_folder(tmp_path / "empty")
    write_png(tmp_path / "one" / "a" / "0.png", np.zeros((4, 4), np.uint8))
    write_png(tmp_path / "one" / "b" / "0.png", np.zeros((4, 4), np.uint8))
    write_png(tmp_path / "one" / "b" / "1.png", np.zeros((4, 4), np.uint8))
    with pytest.raises(DataFileError, match="single image"):
        read_image_folder(tmp_path / "one")


def test_numpy_files_never_unpickle(tmp_path):
    x = np.zeros((4, 8, 8), np.uint8)
    np.savez(tmp_path / "ok.npz", images=x, labels=np.array([0, 1, 0, 1]))
    d = read_numpy(tmp_path / "ok.npz")
    assert d.images.shape == (4, 8, 8, 1) and d.labels.tolist() == [0, 1, 0, 1]
    np.save(tmp_path / "only.npy", x)
    assert read_images(tmp_path / "only.npy").labels is None
    np.savez(tmp_path / "obj.npz", images=np.array([x, "evil"], dtype=object))
    with pytest.raises(DataFileError, match="object arrays"):
        read_numpy(tmp_path / "obj.npz")
    np.savez(tmp_path / "nokey.npz", pixels=x)
    with pytest.raises(DataFileError, match="no 'images' array"):
        read_numpy(tmp_path / "nokey.npz")
    np.savez(tmp_path / "len.npz", images=x, labels=np.array([0, 1]))
    with pytest.raises(DataFileError, match="one label per image \\(4 images\\)"):
        read_numpy(tmp_path / "len.npz")


def test_image_data_checks_and_writers_round_trip(tmp_path):
    with pytest.raises(SchemaError, match="1 or 3 channels"):
        ImageData(np.zeros((2, 4, 4, 2), np.uint8))
    with pytest.raises(SchemaError, match="uint8"):
        ImageData(np.full((2, 4, 4), 300))
    named = ImageData(np.zeros((3, 4, 4), np.uint8), np.array(["b", "a", "b"]))
    assert named.class_names == ["a", "b"] and named.labels.tolist() == [1, 0, 1]
    d = ImageData(np.random.default_rng(0).integers(0, 256, (6, 8, 8, 3), dtype=np.uint8), np.array([0, 1, 2, 0, 1, 2]),
                  ["x", "y", "z"])
    write_npz(d, tmp_path / "d.npz")
    back = read_numpy(tmp_path / "d.npz")
    assert np.array_equal(back.images, d.images) and back.class_names == d.class_names
    write_image_folder(d, tmp_path / "folder")
    again = read_image_folder(tmp_path / "folder")
    assert again.counts() == {"x": 2, "y": 2, "z": 2} and np.array_equal(np.sort(again.images.ravel()), np.sort(d.images.ravel()))
    with pytest.raises(OutputError, match="already holds files"):  # never mixed with an earlier set
        write_image_folder(d.subset([0]), tmp_path / "folder")
    assert read_image_folder(tmp_path / "folder").counts() == {"x": 2, "y": 2, "z": 2}
    (tmp_path / "empty").mkdir()
    write_image_folder(d, tmp_path / "empty")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temporary folder left
    p = save_grid(d, tmp_path / "g.png")
    assert Image.open(p).size[0] > 8 * 3


def test_digits_ship_with_the_package():
    d = datasets.load("digits")
    assert d.images.shape == (1797, 8, 8, 1) and d.images.max() == 255 and d.n_classes == 10
    assert datasets.info("digits").kind == "images" and datasets.DEFAULT_IMAGES == "digits"


def test_labels_are_indices_and_names_are_strings():
    """An int label is an index into class_names (as ImageData.labels holds them), a str a name: with
    classes named "1", "2", "3" the two differ, and neither may be read as the other."""
    from synthboost.errors import ConditionError

    d = ImageData(np.zeros((6, 4, 4), np.uint8), np.array([1, 2, 3, 1, 2, 3]))  # labels 1..K, no names
    assert d.class_names == ["1", "2", "3"] and d.labels.tolist() == [0, 1, 2, 0, 1, 2]
    assert d.code_of(1) == 1 and d.code_of(np.int64(0)) == 0 and d.code_of("1") == 0
    with pytest.raises(ConditionError, match="out of range"):
        d.code_of(3)
    with pytest.raises(ConditionError, match="not a class"):
        d.code_of("0")
    full = ImageData(np.zeros((3, 4, 4), np.uint8), np.array([0, 2, 1]))
    assert full.class_names == ["0", "1", "2"] and full.labels.tolist() == [0, 2, 1]


def test_written_files_and_folders_get_the_usual_modes_not_owner_only(tmp_path):
    """Temporary files and folders are 0600 / 0700; what is put in place gets what open() / mkdir() give."""
    import os
    import stat

    from synthboost.io import DIR_MODE, FILE_MODE, write_directory, write_text

    mask = os.umask(0o022)
    os.umask(mask)
    assert FILE_MODE == 0o666 & ~mask and DIR_MODE == 0o777 & ~mask
    write_text(tmp_path / "a.txt", "x")
    assert stat.S_IMODE((tmp_path / "a.txt").stat().st_mode) == FILE_MODE
    def fill(tmp):
        (tmp / "f").write_text("y")
        (tmp / "f").chmod(0o600)  # a writer that makes owner-only files (safetensors does)

    write_directory(tmp_path / "d", fill)
    assert stat.S_IMODE((tmp_path / "d").stat().st_mode) == DIR_MODE
    assert stat.S_IMODE((tmp_path / "d" / "f").stat().st_mode) == FILE_MODE
    d = ImageData(np.zeros((2, 4, 4), np.uint8), np.array([0, 1]))
    write_image_folder(d, tmp_path / "imgs")
    assert stat.S_IMODE((tmp_path / "imgs").stat().st_mode) == DIR_MODE
