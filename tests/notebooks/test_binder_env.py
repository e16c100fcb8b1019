"""A fresh virtual environment built only from binder/ (requirements.txt, then postBuild) plus
this repository runs the quickstart notebook, as Binder's image will."""
import json
import os
import shutil
import subprocess
import venv

import pytest

from .conftest import NOTEBOOKS, REPO, execute, save_artifact

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbclient")

BINDER = os.path.join(REPO, "binder")


def run(args, **kwargs):
    result = subprocess.run(args, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, \
        f"{args} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def checkout_copy(dest):
    """The files repo2docker sees, copied so that building leaves the repository untouched."""
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.nbi", "*.nbc", "build")
    for name in ("kernelkit", "widgets", "binder", "notebooks"):
        shutil.copytree(os.path.join(REPO, name), os.path.join(dest, name), ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        if os.path.exists(os.path.join(REPO, name)):
            shutil.copy(os.path.join(REPO, name), dest)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_binder_environment_runs_the_quickstart(tmp_path, fast):
    source = tmp_path / "repo"
    checkout_copy(str(source))
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(str(env_dir))  # no system site-packages
    bin_dir = env_dir / "bin"
    python = str(bin_dir / "python")
    run([python, "-m", "pip", "install", "-q", "-r", str(source / "binder" / "requirements.txt")])
    environ = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
                   VIRTUAL_ENV=str(env_dir))
    environ.pop("PYTHONPATH", None)
    out = run(["bash", str(source / "binder" / "postBuild")], cwd=str(source), env=environ)
    assert "kernels ready" in out

    kernels = tmp_path / "kernels" / "binder-venv"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "binder venv", "language": "python"}))
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpecManager
    specs = KernelSpecManager(kernel_dirs=[str(tmp_path / "kernels")])
    km = KernelManager(kernel_name="binder-venv", kernel_spec_manager=specs)

    nb = nbformat.read(os.path.join(NOTEBOOKS, "01_quickstart.ipynb"), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        "import sys, kernelkit, kernelkit.widgets\n"
        "print(sys.executable); print(kernelkit.__file__); print(kernelkit.widgets.__file__)"))
    work = tmp_path / "work"
    work.mkdir()
    seconds = execute(nb, work, km=km)
    save_artifact(nb, "01_quickstart.binder-venv.ipynb")
    executable, kernelkit_file, widgets_file = nb.cells[-1].outputs[0].text.split()
    assert executable.startswith(str(env_dir))
    assert kernelkit_file.startswith(str(env_dir)) and widgets_file.startswith(str(env_dir))
    print(f"\nquickstart in the binder venv: {seconds:.1f} s")
