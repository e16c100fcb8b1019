import os
import sys

import numpy as np
import pytest

# Tests import the shared helpers (gradcheck, layer_test) as `tests.<module>`.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def rng():
    return np.random.default_rng(0)
