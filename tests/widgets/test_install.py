"""`kernelkit.widgets` comes from the top-level widgets/ folder: it must import from a wheel and
from an editable install, and the package list in pyproject.toml must stay complete."""
import os
import shutil
import site
import subprocess
import sys
import tomllib
import venv
import zipfile

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHECK = """
import sys
import kernelkit, kernelkit.widgets as w
from kernelkit.widgets import LivePlot, NotebookProgbar, NotebookProgbarLogger
from kernelkit.callbacks import LivePlot as FromCallbacks
assert FromCallbacks is LivePlot
import kernelkit.widgets.progress, kernelkit.widgets.liveplot
print(kernelkit.__file__)
print(w.__file__)
"""


def test_pyproject_lists_every_kernelkit_package():
    with open(os.path.join(REPO, "pyproject.toml"), "rb") as f:
        setuptools = tomllib.load(f)["tool"]["setuptools"]
    listed = set(setuptools["packages"])
    found = {os.path.relpath(root, REPO).replace(os.sep, ".")
             for root, dirs, files in os.walk(os.path.join(REPO, "kernelkit"))
             if "__init__.py" in files}
    missing = sorted(found - listed)
    assert not missing, (f"pyproject.toml [tool.setuptools] packages lacks {missing}: add them, "
                         "or they are left out of wheels")
    assert setuptools["package-dir"] == {"kernelkit.widgets": "widgets"}
    assert "kernelkit.widgets" in listed


def run(args, **kwargs):
    result = subprocess.run(args, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def make_venv(path):
    # The test runner's own site-packages give numpy, numba, ... without downloading them
    # (the runner may itself be a venv, so system site-packages would not do). A .pth line
    # appends those folders after the venv's own, where the kernelkit under test is
    # installed; their .pth files (the runner's editable kernelkit) are not processed.
    venv.EnvBuilder(system_site_packages=False, with_pip=True).create(path)
    python = os.path.join(path, "bin", "python")
    venv_site = run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).strip()
    runner_sites = [p for p in site.getsitepackages() if os.path.isdir(p)]
    with open(os.path.join(venv_site, "runner_site_packages.pth"), "w") as f:
        f.write("\n".join(runner_sites) + "\n")
    return python


def copy_source(dest):
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.nbi", "*.nbc")
    os.makedirs(dest)
    for name in ("kernelkit", "widgets"):
        shutil.copytree(os.path.join(REPO, name), os.path.join(dest, name), ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        if os.path.exists(os.path.join(REPO, name)):
            shutil.copy(os.path.join(REPO, name), dest)
    return dest


@pytest.mark.slow
def test_widgets_import_from_a_wheel(tmp_path):
    source = copy_source(str(tmp_path / "src"))
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"),
         source])
    (wheel,) = [f for f in os.listdir(tmp_path / "dist") if f.endswith(".whl")]
    names = zipfile.ZipFile(tmp_path / "dist" / wheel).namelist()
    for module in ("__init__", "_frontend", "progress", "liveplot", "curves", "curve_figure"):
        assert f"kernelkit/widgets/{module}.py" in names
    assert not any(n.startswith("widgets/") for n in names)  # not a top-level package
    python = make_venv(str(tmp_path / "venv"))
    run([python, "-m", "pip", "install", "-q", "--no-deps", str(tmp_path / "dist" / wheel)])
    kernelkit_file, widgets_file = run([python, "-c", CHECK], cwd=str(tmp_path)).split()
    site = str(tmp_path / "venv")
    assert kernelkit_file.startswith(site) and widgets_file.startswith(site)
    assert widgets_file.endswith(os.path.join("kernelkit", "widgets", "__init__.py"))


@pytest.mark.slow
def test_widgets_import_from_an_editable_install(tmp_path):
    source = copy_source(str(tmp_path / "src"))
    python = make_venv(str(tmp_path / "venv"))
    run([python, "-m", "pip", "install", "-q", "--no-deps", "-e", source])
    expected = os.path.join(source, "widgets", "__init__.py")
    for cwd in (str(tmp_path), source):  # from elsewhere, and from the checkout itself
        kernelkit_file, widgets_file = run([python, "-c", CHECK], cwd=cwd).split()
        assert widgets_file == expected, cwd
        assert kernelkit_file == os.path.join(source, "kernelkit", "__init__.py")
    # an edit in the checkout shows at once: that is what editable means
    with open(os.path.join(source, "widgets", "progress.py"), "a") as f:
        f.write("\nEDITED = True\n")
    out = run([python, "-c", "import kernelkit.widgets.progress as p; print(p.EDITED)"],
              cwd=str(tmp_path))
    assert out.strip() == "True"
