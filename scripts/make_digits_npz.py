"""Regenerate kernelkit/datasets/data/digits.npz from scikit-learn's copy of the 8x8 digits.

The data: E. Alpaydin and C. Kaynak, "Optical Recognition of Handwritten Digits", UCI Machine
Learning Repository (1998), https://doi.org/10.24432/C50P49, licensed CC BY 4.0.

Run from the repository root (scikit-learn is needed here only, never at run time):

    python scripts/make_digits_npz.py

The archive is written with fixed timestamps, so running the script again gives the same bytes
and git sees no change.
"""
import io
import os
import sys
import zipfile

import numpy as np

OUTPUT = os.path.join(os.path.dirname(__file__), "..", "kernelkit", "datasets", "data", "digits.npz")


def digits_arrays():
    """Images as uint8 (N, 8, 8) with values 0..16 and labels as uint8 (N,)."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = np.asarray(bunch.images)
    if not np.array_equal(images, np.round(images)) or images.min() < 0 or images.max() > 16:
        raise ValueError("expected whole-number pixels in 0..16 from load_digits")
    return images.astype(np.uint8), np.asarray(bunch.target).astype(np.uint8)


def write_npz(path, arrays):
    """Write an .npz (a zip of .npy files) whose bytes depend only on the arrays."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, buffer.getvalue(), compresslevel=9)


def main():
    images, labels = digits_arrays()
    path = os.path.normpath(OUTPUT)
    write_npz(path, {"images": images, "labels": labels})
    with np.load(path, allow_pickle=False) as data:
        assert np.array_equal(data["images"], images) and np.array_equal(data["labels"], labels)
    print(f"wrote {path}: {images.shape[0]} images, {os.path.getsize(path)} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
