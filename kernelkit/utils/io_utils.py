"""I/O helpers of Keras 2's `keras.utils.io_utils`: HDF5Matrix and the overwrite prompt.

h5py is imported when an HDF5Matrix is created, not when this module is.
"""
import operator
import os
import threading
import weakref

import numpy as np


class HDF5Matrix:
    """Read the rows of an HDF5 dataset on demand, as a NumPy-like array (the Keras FAQ's recipe).

    Only the rows asked for are read from the file, so data sets larger than memory can be
    fed to ``fit`` (use ``shuffle='batch'``). Indexing takes an int, a slice, or a list,
    array or boolean mask of row indices; indices may repeat and come in any order (h5py
    needs increasing unique indices, so they are sorted for the read and the requested order
    is restored). Out-of-range slices are clipped, as for NumPy arrays.

    Each file is opened once (read-only) and shared by the matrices that read it; it is
    closed when the last of them is closed (`close`, the ``with`` block, or garbage
    collection).

    Arguments:
        datapath: path of the HDF5 file.
        dataset: name of the dataset in the file, e.g. ``'x_train'``.
        start: first row of the dataset used.
        end: row after the last one used; None for the end of the dataset.
        normalizer: function applied to every array read (e.g. ``lambda x: x / 255``).

    Example:
        x_train = HDF5Matrix('data.h5', 'x', start=0, end=1000)
        model.fit(x_train, y_train, shuffle='batch')
    """

    _open_files = {}  # absolute path -> [h5py.File, number of matrices using it]
    _open_files_lock = threading.Lock()

    def __init__(self, datapath, dataset, start=0, end=None, normalizer=None):
        self.datapath = os.path.abspath(os.fspath(datapath))
        self._file = self._acquire(self.datapath)
        self._release_file = weakref.finalize(self, HDF5Matrix._release, self.datapath)
        try:
            self.data = self._file[dataset]
            if not getattr(self.data, "shape", None):
                raise ValueError(f"HDF5Matrix needs a dataset with rows; {dataset!r} in "
                                 f"{self.datapath} is a group or a scalar.")
            rows = self.data.shape[0]
            self.start = operator.index(start)
            self.end = rows if end is None else operator.index(end)
            if not 0 <= self.start <= self.end <= rows:
                raise ValueError(f"HDF5Matrix rows start={start}, end={end} are not within the "
                                 f"{rows} rows of {dataset!r} in {self.datapath}; need "
                                 "0 <= start <= end <= rows.")
            self.normalizer = normalizer
            first = self._normalize(self.data[0:1])
            self._base_shape = first.shape[1:]
            self._base_dtype = first.dtype
        except BaseException:
            self.close()
            raise

    @classmethod
    def _acquire(cls, path):
        import h5py

        with cls._open_files_lock:
            entry = cls._open_files.get(path)
            if entry is None:
                entry = cls._open_files[path] = [h5py.File(path, "r"), 0]
            entry[1] += 1
            return entry[0]

    @classmethod
    def _release(cls, path):
        with cls._open_files_lock:
            entry = cls._open_files.get(path)
            if entry is None:
                return
            entry[1] -= 1
            if entry[1] == 0:
                del cls._open_files[path]
                entry[0].close()

    def close(self):
        """Stop using the file; it is closed once no HDF5Matrix uses it. Idempotent."""
        self._release_file()
        self.data = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def __len__(self):
        return self.end - self.start

    def __getitem__(self, key):
        if self.data is None:
            raise ValueError(f"This HDF5Matrix of {self.datapath} is closed.")
        if isinstance(key, tuple):
            raise TypeError("HDF5Matrix takes one index (rows: an int, a slice, or a list or "
                            f"array of ints), got a tuple {key!r}.")
        if isinstance(key, slice):
            start, stop, step = key.indices(len(self))
            if step < 0:
                return self._normalize(self._read_rows(np.arange(start, stop, step)))
            return self._normalize(self.data[self.start + start:self.start + max(start, stop):step])
        if isinstance(key, (int, np.integer)):
            index = operator.index(key)
            if not -len(self) <= index < len(self):
                raise IndexError(f"index {index} is out of range for an HDF5Matrix of "
                                 f"{len(self)} rows.")
            return self._normalize(self.data[self.start + index % len(self)])
        return self._normalize(self._read_rows(key))

    def _read_rows(self, key):
        """Read the rows at the indices `key`, in the order (and shape) of `key`."""
        indices = np.asarray(key)
        if indices.dtype == bool:
            if indices.shape != (len(self),):
                raise IndexError(f"a boolean mask for an HDF5Matrix of {len(self)} rows must have "
                                 f"shape ({len(self)},), got {indices.shape}.")
            indices = np.flatnonzero(indices)
        elif indices.size == 0:
            indices = indices.astype(np.int64)
        elif indices.dtype.kind not in "iu":
            raise IndexError(f"HDF5Matrix row indices must be integers, got dtype {indices.dtype}.")
        indices = indices.astype(np.int64)
        outside = (indices < -len(self)) | (indices >= len(self))
        if outside.any():
            raise IndexError(f"index {indices[outside][0]} is out of range for an HDF5Matrix of "
                             f"{len(self)} rows.")
        indices = np.where(indices < 0, indices + len(self), indices)
        unique, inverse = np.unique(indices, return_inverse=True)
        if unique.size == 0:
            rows = self.data[self.start:self.start]
        elif unique[-1] - unique[0] + 1 == unique.size:  # contiguous: a slice reads fastest
            rows = self.data[self.start + unique[0]:self.start + unique[-1] + 1]
        else:
            rows = self.data[(unique + self.start).tolist()]
        return rows[inverse.reshape(indices.shape)]

    def _normalize(self, rows):
        return rows if self.normalizer is None else self.normalizer(rows)

    def __array__(self, dtype=None, copy=None):
        rows = self[:]
        return rows if dtype is None else rows.astype(dtype, copy=False)

    @property
    def shape(self):
        """(rows, ...) of what indexing returns (after the normalizer)."""
        return (len(self),) + tuple(self._base_shape)

    @property
    def dtype(self):
        """dtype of what indexing returns (after the normalizer)."""
        return self._base_dtype

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        return int(np.prod(self.shape))


def ask_to_proceed_with_overwrite(filepath):
    """Asks on the console whether to overwrite an existing file.

    Arguments:
        filepath: string, the path of the file that would be overwritten.

    Returns:
        True to overwrite (the user typed "y"), False to keep the file ("n").
    """
    answer = input(f"[WARNING] {filepath} already exists - overwrite? [y/n]").strip().lower()
    while answer not in ("y", "n"):
        answer = input('Enter "y" (overwrite) or "n" (cancel).').strip().lower()
    if answer == "n":
        return False
    print("[TIP] Next time specify overwrite=True!")
    return True

__all__ = ["HDF5Matrix", "ask_to_proceed_with_overwrite"]
