"""Pure @njit kernels on NumPy arrays. Nothing here imports from the rest of kernelkit."""
