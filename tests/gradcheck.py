"""Finite-difference gradients for the kernel, op and layer tests: the public helpers in
`kernelkit.utils.test_utils` (one implementation for users and for these tests)."""
from kernelkit.utils.test_utils import assert_close_grad, numerical_gradient  # noqa: F401
