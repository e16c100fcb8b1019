"""Import hygiene, the public module paths, and the backend settings file."""
import json
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(code, env=None):
    full_env = dict(os.environ, PYTHONPATH=REPO, **(env or {}))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=full_env, timeout=120)


def test_import_pulls_in_no_notebook_plotting_or_optional_module():
    # (SciPy is not in the list: numba imports it itself when it is installed.)
    out = _run("import sys, kernelkit; print(sorted({m.split('.')[0] for m in sys.modules} & "
               "{'IPython', 'ipywidgets', 'matplotlib', 'graphviz', 'jupyter_client', 'ipykernel', "
               "'PIL', 'sklearn', 'tensorboardX', 'tensorboard', 'pandas', 'torch'}))")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_keras_module_paths_import():
    import kernelkit
    from kernelkit import backend as K  # noqa: F401
    for name in ("models", "layers", "optimizers", "losses", "metrics", "activations",
                 "initializers", "regularizers", "constraints", "callbacks", "utils", "datasets",
                 "backend", "applications", "engine", "legacy", "preprocessing", "wrappers"):
        assert hasattr(kernelkit, name), name
    assert kernelkit.Input is kernelkit.layers.Input
    assert kernelkit.Model is kernelkit.models.Model
    assert kernelkit.Sequential is kernelkit.models.Sequential
    assert kernelkit.layers.Layer is not None
    assert isinstance(kernelkit.__version__, str)


def test_settings_file_is_read_and_written(tmp_path):
    home = tmp_path / "kkhome"
    home.mkdir()
    (home / "kernelkit.json").write_text(json.dumps(
        {"floatx": "float64", "epsilon": 1e-5, "image_data_format": "channels_first"}))
    out = _run("from kernelkit import backend as K; print(K.floatx(), K.epsilon(), K.image_data_format())",
               env={"KERNELKIT_HOME": str(home)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["float64", "1e-05", "channels_first"]
    fresh = tmp_path / "fresh"
    out = _run("from kernelkit import backend as K; print(K.floatx())", env={"KERNELKIT_HOME": str(fresh)})
    assert out.stdout.strip() == "float32"
    assert json.loads((fresh / "kernelkit.json").read_text())["floatx"] == "float32"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write to a read-only folder")
def test_unwritable_home_falls_back(tmp_path):
    home = tmp_path / "ro"
    home.mkdir()
    home.chmod(0o500)
    out = _run("from kernelkit import backend as K; print(K.floatx())", env={"KERNELKIT_HOME": str(home)})
    assert out.returncode == 0 and out.stdout.strip() == "float32"


def test_set_floatx_validates():
    from kernelkit import backend as K
    with pytest.raises(ValueError, match="floatx"):
        K.set_floatx("int8")
    with pytest.raises(ValueError, match="data_format"):
        K.set_image_data_format("nhwc")


def test_first_compile_is_announced(tmp_path):
    code = ("import numpy as np; from kernelkit.kernels import activations as A; "
            "A.activation_forward(np.ones(3, np.float64), 1, 0.0)")
    out = _run(code, env={"NUMBA_CACHE_DIR": str(tmp_path / "cache")})
    assert out.returncode == 0, out.stderr
    assert "compiling kernels" in out.stderr
