"""The API reference (docs/api, Sphinx) builds from the docstrings with warnings as errors.

Skipped only when Sphinx is not installed; it is in the `test` extra, so CI builds it. The build
runs once per session (about 15 s here) and the HTML is then checked: every name in the
`__all__` of every module the pages document has its own entry, so a name added to an
`__all__` shows up in the reference or fails here.

Build it yourself with `sphinx-build -W --keep-going -b html docs/api docs/api/_build`.
"""
import importlib
import importlib.util
import os
import re
import subprocess
import sys
import time
import types

import pytest

from tests.test_public_docstrings import (CALLBACK_METHODS, LAYER_METHODS, MODEL_METHODS,
                                          SEQUENCE_METHODS, SEQUENTIAL_METHODS)

pytest.importorskip("sphinx")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = os.path.join(ROOT, "docs", "api")
BUILD_SECONDS_BUDGET = 120  # ~15 s on the 2-core CI machine; a slow build is a bug to look at

# The public modules the issue asks the reference to cover (module -> the page it is on).
REQUIRED = {
    "kernelkit.models": "models", "kernelkit.layers": "layers",
    "kernelkit.optimizers": "optimizers", "kernelkit.losses": "losses",
    "kernelkit.metrics": "metrics", "kernelkit.callbacks": "callbacks",
    "kernelkit.initializers": "initializers", "kernelkit.regularizers": "regularizers",
    "kernelkit.constraints": "constraints", "kernelkit.activations": "activations",
    "kernelkit.backend": "backend", "kernelkit.preprocessing.image": "preprocessing",
    "kernelkit.preprocessing.sequence": "preprocessing",
    "kernelkit.preprocessing.text": "preprocessing", "kernelkit.datasets.mnist": "datasets",
    "kernelkit.applications": "applications", "kernelkit.utils": "utils",
    "kernelkit.wrappers.scikit_learn": "wrappers", "kernelkit.distribute": "distribute",
    "kernelkit.display": "display", "kernelkit.widgets": "widgets",
    "kernelkit.legacy.layers": "legacy",
}


def _sphinx_build(source, out, extra_env=None):
    env = dict(os.environ, **(extra_env or {}))
    return subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q",
                           "-b", "html", source, out],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("api_html"))
    start = time.perf_counter()
    proc = _sphinx_build(DOCS, out)
    return proc, out, time.perf_counter() - start


def _pages():
    """{page name: [(module, excluded names)]} from the automodule directives of docs/api."""
    pages = {}
    for fname in sorted(os.listdir(DOCS)):
        if not fname.endswith(".rst"):
            continue
        text = open(os.path.join(DOCS, fname), encoding="utf-8").read()
        entries = []
        for match in re.finditer(r"^\.\. automodule:: (\S+)\n((?:   :[^\n]*\n)*)", text, re.M):
            options = match.group(2)
            excluded = re.search(r":exclude-members: ([^\n]*)", options)
            names = {n.strip() for n in excluded.group(1).split(",")} if excluded else set()
            entries.append((match.group(1), names))
        pages[fname[:-4]] = entries
    return pages


def test_the_reference_builds_without_a_warning(built):
    proc, _, seconds = built
    assert proc.returncode == 0, (
        "sphinx-build -W failed; fix the docstrings it names:\n" + proc.stderr[-6000:])
    assert proc.stderr.strip() == "", proc.stderr[-6000:]
    assert seconds < BUILD_SECONDS_BUDGET, f"the API reference took {seconds:.0f} s to build"


def test_every_required_module_has_its_page():
    documented = {mod: page for page, entries in _pages().items() for mod, _ in entries}
    missing = {mod: page for mod, page in REQUIRED.items() if documented.get(mod) != page}
    assert not missing, f"modules without an automodule on their page: {missing}"


def test_every_name_in_a_documented_all_has_an_entry(built):
    proc, out, _ = built
    assert proc.returncode == 0, proc.stderr[-3000:]
    html = {page: open(os.path.join(out, page + ".html"), encoding="utf-8").read()
            for page in _pages()}
    everything = "\n".join(html.values())
    documented_objects = {}  # id(object) -> the paths it is documented at
    wanted = []
    for page, entries in _pages().items():
        for modname, excluded in entries:
            mod = importlib.import_module(modname)
            assert getattr(mod, "__all__", None), f"{modname} (on {page}.rst) has no __all__"
            for name in mod.__all__:
                obj = getattr(mod, name)
                if isinstance(obj, types.ModuleType):
                    continue
                anchor = f'id="{modname}.{name}"'
                if anchor in html[page]:
                    documented_objects.setdefault(id(obj), []).append(f"{modname}.{name}")
                wanted.append((page, modname, name, obj, name in excluded))
    missing, wrongly_excluded = [], []
    for page, modname, name, obj, excluded in wanted:
        if excluded:
            # Left out to document it once: it must then be documented at another path.
            if not documented_objects.get(id(obj)):
                wrongly_excluded.append(f"{modname}.{name}")
        elif f'id="{modname}.{name}"' not in html[page]:
            missing.append(f"{modname}.{name} ({page}.rst)")
    assert not missing, f"names in __all__ without an entry in the reference: {missing}"
    assert not wrongly_excluded, f"excluded but documented nowhere else: {wrongly_excluded}"
    assert 'id="kernelkit.warm_kernels"' in everything


def test_the_methods_users_call_have_entries(built):
    """The methods the docstring tests hold (Model's, Layer's, ...) are in the reference too."""
    proc, out, _ = built
    assert proc.returncode == 0, proc.stderr[-3000:]
    html = "\n".join(open(os.path.join(out, page + ".html"), encoding="utf-8").read()
                     for page in ("models", "layers", "callbacks", "utils"))
    # A method a class inherits is documented once, at the class it comes from.
    bases = {"kernelkit.models.Sequential": ["kernelkit.models.Model", "kernelkit.layers.Layer"],
             "kernelkit.models.Model": ["kernelkit.layers.Layer"]}
    missing = []
    for klass, methods in (("kernelkit.models.Model", MODEL_METHODS),
                           ("kernelkit.models.Sequential", SEQUENTIAL_METHODS),
                           ("kernelkit.layers.Layer", LAYER_METHODS),
                           ("kernelkit.callbacks.Callback", CALLBACK_METHODS),
                           ("kernelkit.utils.Sequence", SEQUENCE_METHODS)):
        for meth in methods:
            if not any(f'id="{path}.{meth}"' in html for path in [klass] + bases.get(klass, [])):
                missing.append(f"{klass}.{meth}")
    assert not missing, f"methods without an entry in the reference: {missing}"


def _conf_module():
    spec = importlib.util.spec_from_file_location("_kernelkit_docs_conf",
                                                  os.path.join(DOCS, "conf.py"))
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    return conf


def test_markdown_fences_become_code_blocks():
    lines = ["Returns a regularizer.", "", "Example:", "", "```python",
             "    Dense(64, kernel_regularizer=l2(0.01))", "```", "after"]
    _conf_module()._fences_to_code_blocks(None, "function", "f", None, {}, lines)
    assert lines == ["Returns a regularizer.", "", "Example:", "",
                     ".. code-block:: python", "",
                     "        Dense(64, kernel_regularizer=l2(0.01))", "", "after"]


def test_a_fence_without_a_language_is_python_and_keeps_blank_lines():
    lines = ["Text:", "  ```", "  a = 1", "", "  b = 2", "  ```"]
    _conf_module()._fences_to_code_blocks(None, "function", "f", None, {}, lines)
    assert lines == ["Text:", "", "  .. code-block:: python", "",
                     "      a = 1", "", "      b = 2", ""]


def test_a_malformed_docstring_fails_the_build(tmp_path):
    """The same configuration fails on a docstring error (so the real build can fail)."""
    source = tmp_path / "src"
    source.mkdir()
    (source / "conf.py").write_text(
        f"exec(compile(open({os.path.join(DOCS, 'conf.py')!r}).read(), 'conf.py', 'exec'))\n")
    (source / "index.rst").write_text("Broken\n======\n\n.. automodule:: docs_broken_module\n")
    (tmp_path / "docs_broken_module.py").write_text(
        '"""A module."""\n__all__ = ["broken", "unclosed"]\n\n\n'
        'def broken(x):\n    """Takes a list of `Layer`s.\n\n    Arguments:\n'
        '        x: a list of `Layer`s.\n    """\n\n\n'
        'def unclosed():\n    """Shows code.\n\n    ```python\n    unclosed()\n    """\n')
    proc = _sphinx_build(str(source), str(tmp_path / "out"),
                         {"PYTHONPATH": str(tmp_path) + os.pathsep
                          + os.environ.get("PYTHONPATH", "")})
    assert proc.returncode != 0
    assert "docs_broken_module.broken" in proc.stderr
    assert "start-string without end-string" in proc.stderr
    assert "docs_broken_module.unclosed: a ``` code fence is opened and never closed" \
        in proc.stderr
