"""Saving and serialization. Heavy modules (HDF5) are imported only when used."""
