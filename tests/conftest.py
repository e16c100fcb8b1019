import os
import signal
import sys

import numpy as np
import pytest

# Tests import the shared helpers (gradcheck, layer_test) as `tests.<module>`.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# A run started in the background by a non-interactive shell (`bash .ci/run &`) inherits
# SIGINT ignored, and so would every child it starts: the Ctrl-C tests need what a terminal
# gives (Python's handler here; the default disposition in children, since exec resets it).
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture
def rng():
    return np.random.default_rng(0)
