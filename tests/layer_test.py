"""The shared layer test every layer goes through: `kernelkit.utils.test_utils.layer_test`
(public, so people writing their own layers run the same checks)."""
from kernelkit.utils.test_utils import layer_test  # noqa: F401
