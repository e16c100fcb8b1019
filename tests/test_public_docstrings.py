"""Every public name a Keras user calls has a docstring in Keras 2's manner (issue 14).

In Jupyter, `model.fit?` and Shift-Tab are the documentation, so each name in a public module's
`__all__` (and the methods of Model and Sequential a user calls) must have a docstring, and when
it takes arguments, an `Arguments:` section (the heading /work/shared/STYLE.md uses for the
public surface) that names every parameter of its signature. Every public module must have an
`__all__` that lists only real public names, never a module object such as `np`.

The README's API table ("| module | what it holds |") is held against the same modules: every
public module has a row (or its package does), every path a row names exists and is a checked
public module, and every class a row names exists where the row says.

Run `python tests/test_public_docstrings.py` for the coverage figure and what is missing.

`NOT_YET_DOCUMENTED` lists what is still missing; a test checks that each entry really is still
undocumented, so the list can only shrink.
"""
import importlib
import inspect
import os
import re
import types

import numpy as np
import pytest

PUBLIC_MODULES = [
    "kernelkit", "kernelkit.models",
    "kernelkit.layers",
    # Keras 2's own paths of the layers (`from keras.layers.core import Dense`)
    "kernelkit.layers.advanced_activations", "kernelkit.layers.convolutional",
    "kernelkit.layers.convolutional_recurrent", "kernelkit.layers.core",
    "kernelkit.layers.cudnn_recurrent", "kernelkit.layers.embeddings", "kernelkit.layers.local",
    "kernelkit.layers.merge", "kernelkit.layers.noise", "kernelkit.layers.normalization",
    "kernelkit.layers.pooling", "kernelkit.layers.recurrent", "kernelkit.layers.wrappers",
    "kernelkit.optimizers", "kernelkit.losses", "kernelkit.metrics", "kernelkit.callbacks",
    "kernelkit.initializers", "kernelkit.regularizers", "kernelkit.constraints",
    "kernelkit.activations", "kernelkit.backend",
    "kernelkit.utils", "kernelkit.utils.conv_utils", "kernelkit.utils.data_utils",
    "kernelkit.utils.generic_utils", "kernelkit.utils.io_utils", "kernelkit.utils.layer_utils",
    "kernelkit.utils.np_utils", "kernelkit.utils.vis_utils",
    "kernelkit.preprocessing", "kernelkit.preprocessing.image", "kernelkit.preprocessing.sequence",
    "kernelkit.preprocessing.text",
    "kernelkit.datasets", "kernelkit.datasets.boston_housing", "kernelkit.datasets.cifar10",
    "kernelkit.datasets.cifar100", "kernelkit.datasets.fashion_mnist", "kernelkit.datasets.imdb",
    "kernelkit.datasets.mnist", "kernelkit.datasets.reuters", "kernelkit.datasets.digits",
    "kernelkit.applications", "kernelkit.applications.densenet",
    "kernelkit.applications.imagenet_utils", "kernelkit.applications.inception_resnet_v2",
    "kernelkit.applications.inception_v3", "kernelkit.applications.mobilenet",
    "kernelkit.applications.mobilenet_v2", "kernelkit.applications.nasnet",
    "kernelkit.applications.resnet50", "kernelkit.applications.vgg16",
    "kernelkit.applications.vgg19", "kernelkit.applications.xception",
    "kernelkit.wrappers.scikit_learn",
    "kernelkit.engine", "kernelkit.engine.base_layer", "kernelkit.engine.input_layer",
    "kernelkit.engine.network", "kernelkit.engine.saving", "kernelkit.engine.sequential",
    "kernelkit.engine.topology", "kernelkit.engine.training", "kernelkit.engine.training_utils",
    "kernelkit.backend.common", "kernelkit.wrappers",
    "kernelkit.distribute",
    "kernelkit.datasets.cifar", "kernelkit.utils.test_utils",
    "kernelkit.legacy", "kernelkit.legacy.layers", "kernelkit.widgets",
    "kernelkit.display",
]

# The methods of Model and Sequential users call (Keras 2.2.4's documented model API).
MODEL_METHODS = (
    "compile fit evaluate predict train_on_batch test_on_batch predict_on_batch fit_generator "
    "evaluate_generator predict_generator save save_weights load_weights summary get_layer "
    "to_json to_yaml get_config get_weights set_weights").split()
SEQUENTIAL_METHODS = MODEL_METHODS + ["add", "pop", "predict_classes", "predict_proba"]
# What a custom layer, callback or Sequence overrides or calls (Keras 2's "writing your own").
LAYER_METHODS = (
    "add_weight build call compute_output_shape compute_mask get_config from_config "
    "count_params get_weights set_weights add_loss get_input_at get_output_at").split()
CALLBACK_METHODS = (
    "set_params set_model on_epoch_begin on_epoch_end on_batch_begin on_batch_end "
    "on_train_begin on_train_end").split()
SEQUENCE_METHODS = ["__getitem__", "__len__", "on_epoch_end"]

# Names whose docstrings are not checked, each with its reason.
EXCLUDED = {
    # `__version__` is a string, not something one calls.
    "kernelkit.__version__": "a version string",
    # Python's own builtins all/any/sum, which Keras 2.2.4's backend re-exports under these
    # names too; Python documents them.
    "kernelkit.backend.py_all": "Python's builtin all",
    "kernelkit.backend.py_any": "Python's builtin any",
    "kernelkit.backend.py_sum": "Python's builtin sum",
}

# Public names still without a Keras-style docstring (module -> names): may only shrink.
NOT_YET_DOCUMENTED = {}


def _not_yet():
    """NOT_YET_DOCUMENTED as a set of qualified names."""
    return {f"{mod}.{name}" for mod, names in NOT_YET_DOCUMENTED.items() for name in names.split()}


def _public_names(modname):
    mod = importlib.import_module(modname)
    return mod, list(getattr(mod, "__all__", None) or [])


def _takes_arguments(obj):
    """True when calling `obj` (a function, method or class) takes a user argument."""
    if inspect.isclass(obj) and issubclass(obj, BaseException) and \
            not inspect.isfunction(obj.__init__):
        return False  # an exception class with the builtin constructor: raised, not called
    target = obj.__init__ if inspect.isclass(obj) else obj
    try:
        sig = inspect.signature(target)
    except (TypeError, ValueError):
        return False
    params = [p for p in sig.parameters.values() if p.name not in ("self", "cls")]
    if inspect.isclass(obj) and target is object.__init__:
        return False
    return bool(params)


def _docstring(obj):
    """What `obj?` shows: for a class, its own docstring followed by its `__init__`'s."""
    own = obj.__dict__.get("__doc__") if inspect.isclass(obj) else getattr(obj, "__doc__", None)
    parts = [own or ""]
    if inspect.isclass(obj):
        init = obj.__dict__.get("__init__")
        for klass in obj.__mro__:  # the __init__ that really runs
            if "__init__" in klass.__dict__:
                init = klass.__dict__["__init__"]
                break
        if init is not None and init is not object.__init__:
            parts.append(getattr(init, "__doc__", None) or "")
    return "\n".join(parts).strip()


def _named_parameters(obj):
    """The names of the parameters a user passes to `obj` (not self, *args or **kwargs)."""
    target = obj.__init__ if inspect.isclass(obj) else obj
    try:
        params = inspect.signature(target).parameters.values()
    except (TypeError, ValueError):
        return []
    return [p.name for p in params if p.name not in ("self", "cls")
            and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def _problem(obj):
    """Why `obj`'s docstring falls short of the house style, or None when it does not."""
    doc = _docstring(obj)
    if not doc:
        return "no docstring"
    if not _takes_arguments(obj):
        return None
    if "Arguments:" not in doc:
        return "no Arguments: section"
    section = doc[doc.index("Arguments:"):]
    unnamed = [n for n in _named_parameters(obj) if not re.search(rf"\b{re.escape(n)}\b", section)]
    if unnamed:
        return f"Arguments: does not name {unnamed}"
    return None


def _checked_objects():
    """(qualified name, object) for every public callable the tests check."""
    seen = []
    for modname in PUBLIC_MODULES:
        mod, names = _public_names(modname)
        for name in names:
            qual = f"{modname}.{name}"
            if qual in EXCLUDED:
                continue
            obj = getattr(mod, name)
            if isinstance(obj, types.ModuleType):
                continue  # a public submodule, checked as a module of its own
            if callable(obj):
                seen.append((qual, obj))
    from kernelkit.callbacks import Callback
    from kernelkit.layers import Layer
    from kernelkit.models import Model, Sequential
    from kernelkit.utils import Sequence
    for path, klass, methods in (("kernelkit.models", Model, MODEL_METHODS),
                                 ("kernelkit.models", Sequential, SEQUENTIAL_METHODS),
                                 ("kernelkit.layers", Layer, LAYER_METHODS),
                                 ("kernelkit.callbacks", Callback, CALLBACK_METHODS),
                                 ("kernelkit.utils", Sequence, SEQUENCE_METHODS)):
        for meth in methods:
            seen.append((f"{path}.{klass.__name__}.{meth}", getattr(klass, meth)))
    return seen


def coverage():
    """(documented, total, {qualified name: problem}) over the checked public surface."""
    items = _checked_objects()
    problems = {q: p for q, p in ((q, _problem(o)) for q, o in items) if p}
    return len(items) - len(problems), len(items), problems


# Keras 2.2.4 modules whose star import gave `K` and `np` (they had no `__all__`); kernelkit's
# list both (see kernelkit._lazy.keras_star_getattr)
KERAS_STAR_NAMES = {m: ("K", "np") for m in ("kernelkit.layers", "kernelkit.layers.core",
                                              "kernelkit.layers.recurrent", "kernelkit.models",
                                              "kernelkit.layers.convolutional")}


@pytest.mark.parametrize("modname", PUBLIC_MODULES)
def test_public_module_has_a_real_all(modname):
    mod = importlib.import_module(modname)
    names = getattr(mod, "__all__", None)
    assert names, f"{modname} has no __all__"
    assert len(set(names)) == len(names), f"{modname}.__all__ repeats a name"
    bad = []
    for name in names:
        if not hasattr(mod, name):
            bad.append(f"{name} (missing)")
            continue
        obj = getattr(mod, name)
        if name == "np" and obj is np and name in KERAS_STAR_NAMES.get(modname, ()):
            continue   # Keras 2.2.4's star import of this module handed numpy on
        if isinstance(obj, types.ModuleType) and not obj.__name__.startswith("kernelkit"):
            bad.append(f"{name} (the module {obj.__name__})")
        elif name.startswith("_") and name != "__version__":
            bad.append(f"{name} (private)")
    assert not bad, f"{modname}.__all__ lists what is not public API: {bad}"


def test_public_names_have_keras_style_docstrings():
    _, _, problems = coverage()
    offenders = sorted(q for q in problems if q not in _not_yet())
    assert not offenders, (
        f"{len(offenders)} public names lack a Keras-style docstring (a summary and, when "
        "they take arguments, an Arguments: section):\n"
        + "\n".join(f"  {q}: {problems[q]}" for q in offenders))


def test_not_yet_documented_really_is_undocumented():
    _, _, problems = coverage()
    done = sorted(q for q in _not_yet() if q not in problems)
    assert not done, f"documented now, take out of NOT_YET_DOCUMENTED: {done}"


def test_the_check_catches_a_missing_docstring_and_a_missing_arguments_section():
    def bare(x):
        pass

    def summary_only(x):
        """Does something."""

    def complete(x):
        """Does something.

        Arguments:
            x: a thing.
        """

    def no_arguments():
        """Takes nothing."""

    def one_left_out(x, y):
        """Does something.

        Arguments:
            x: a thing.
        """

    assert _problem(bare) == "no docstring"
    assert _problem(summary_only) == "no Arguments: section"
    assert _problem(one_left_out) == "Arguments: does not name ['y']"
    assert _problem(complete) is None
    assert _problem(no_arguments) is None


# --- The README's API table -------------------------------------------------------------------

README = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")

# Paths the README's table names that are not public modules users import from, with reasons.
README_SUBJECTS_NOT_MODULES = {
    "kernelkit.saving": "the row states loading's limits; users load through kernelkit.models",
}
# Classes a row names that live elsewhere (the row mentions them for context): name -> where.
README_NAMES_ELSEWHERE = {
    "Lambda": "kernelkit.layers.Lambda",  # the backend and saving rows name the layer
    "GridSearchCV": "scikit-learn's", "Pipeline": "scikit-learn's",  # the wrappers row
}
# Public modules the README's table does not mention yet (module -> the row to add); may only
# shrink, and a test checks each entry is still missing.
README_ROWS_MISSING = {}


def _readme_api_rows():
    """[(subjects, text)] for each row of the README's API table.

    `subjects` are the kernelkit paths the row's first cell names (`.regularizers` after
    `kernelkit.initializers` is `kernelkit.regularizers`); `text` is the rest of the row.
    """
    rows, in_table = [], False
    with open(README, encoding="utf-8") as f:
        for line in f:
            if line.startswith("| module | what it holds |"):
                in_table = True
                continue
            if not in_table or line.startswith("|---"):
                continue
            if not line.startswith("|"):
                break
            first, _, text = line.strip().strip("|").partition("|")
            paths = re.findall(r"`(kernelkit[\w.]*|\.[\w.]+)", first)
            if not paths:
                continue
            base = paths[0]
            parent = base.rsplit(".", 1)[0]
            rows.append(([base] + [parent + p if p.startswith(".") else p for p in paths[1:]],
                         text))
    return rows


def _resolve(path):
    """The module or object a dotted kernelkit path names (AttributeError/ImportError if none)."""
    try:
        return importlib.import_module(path)
    except ImportError:
        parent, _, attr = path.rpartition(".")
        return getattr(importlib.import_module(parent), attr)


def _row_modules(subjects, text):
    """The modules a row is about: its subjects and the `a.b` kernelkit paths it mentions."""
    mods = [_resolve(s) for s in subjects]
    for dotted in re.findall(r"`((?:kernelkit\.)?[a-z_]+(?:\.[a-z_0-9]+)+)`", text):
        path = dotted if dotted.startswith("kernelkit.") else "kernelkit." + dotted
        try:
            mods.append(importlib.import_module(path))
        except ImportError:
            pass  # a method or attribute path (`K.function`), not a module
    return [m for m in mods if isinstance(m, types.ModuleType)]


def test_the_readme_api_table_is_found():
    subjects = [s for row, _ in _readme_api_rows() for s in row]
    assert len(subjects) >= 20 and "kernelkit.layers" in subjects, subjects


def test_every_path_in_the_readme_table_is_real_and_checked():
    bad = []
    for subjects, _ in _readme_api_rows():
        for path in subjects:
            try:
                obj = _resolve(path)
            except (ImportError, AttributeError):
                bad.append(f"{path} (does not exist)")
                continue
            if isinstance(obj, types.ModuleType) and path not in PUBLIC_MODULES \
                    and path not in README_SUBJECTS_NOT_MODULES:
                bad.append(f"{path} (a module the docstring tests do not check: add it to "
                           "PUBLIC_MODULES)")
    assert not bad, f"the README's API table names: {bad}"


def _in_readme_table(modname, subjects):
    return any(modname == s or modname.startswith(s + ".") or s.startswith(modname + ".")
               for s in subjects)


def test_every_public_module_has_a_row_in_the_readme_table():
    subjects = [s for row, _ in _readme_api_rows() for s in row]
    missing = [m for m in PUBLIC_MODULES
               if m not in README_ROWS_MISSING and not _in_readme_table(m, subjects)]
    assert not missing, f"public modules the README's API table does not mention: {missing}"
    listed = [m for m in README_ROWS_MISSING if _in_readme_table(m, subjects)]
    assert not listed, f"in the README's table now, take out of README_ROWS_MISSING: {listed}"


def test_every_class_the_readme_table_names_exists_where_the_row_says():
    wrong = []
    for subjects, text in _readme_api_rows():
        mods = _row_modules(subjects, text)
        if not mods:
            continue  # a row about a class or function (Model's methods, warm_kernels)
        for name in sorted(set(re.findall(r"`([A-Z][A-Za-z0-9_]*)`", text))):
            if name in README_NAMES_ELSEWHERE:
                continue
            if not any(hasattr(m, name) for m in mods):
                wrong.append(f"{name} (row {subjects[0]})")
    assert not wrong, f"the README's API table names classes its modules lack: {wrong}"
    for name, where in README_NAMES_ELSEWHERE.items():
        if where.startswith("kernelkit."):
            _resolve(where)  # raises if it moved


def test_the_model_methods_the_readme_table_names_exist():
    from kernelkit.models import Model, Sequential
    rows = [text for subjects, text in _readme_api_rows() if subjects == ["kernelkit.models.Model"]]
    assert rows, "the README's table has no `kernelkit.models.Model` methods row"
    names = re.findall(r"`([a-z_]+)`", rows[0])
    assert len(names) >= 15, names
    missing = [n for n in names if not (hasattr(Model, n) or hasattr(Sequential, n))]
    assert not missing, f"the README lists Model methods that do not exist: {missing}"


if __name__ == "__main__":
    documented, total, problems = coverage()
    print(f"{documented}/{total} documented")
    for q in sorted(problems):
        print(f"{q}: {problems[q]}")
