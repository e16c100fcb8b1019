"""The import map of docs/architecture.md, held to the code.

Every kernelkit module is parsed with `ast` (nothing is imported). Module-level imports of
kernelkit modules (absolute and relative; `if TYPE_CHECKING:` blocks excluded) must go from a
part to a part it may import (`ALLOWED`), and the parts must not import each other in a cycle,
nor may two modules import each other at module level. Imports inside function bodies are
listed one by one in `FUNCTION_LEVEL` with the reason they are deferred: a new one fails until
it is listed (with a reason), and a listed one that is gone fails until it is removed.
"""
import ast
import pathlib
import sys


ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "kernelkit"

# Which part of the map each module belongs to: the longest matching module-name prefix wins.
PARTS = {
    "kernelkit": "kernelkit",
    "kernelkit.demo": "kernelkit",
    "kernelkit.warmup": "kernelkit",
    "kernelkit.applications": "applications",
    "kernelkit.wrappers": "wrappers",
    "kernelkit.utils": "keras_paths",
    "kernelkit.utils.generic_utils": "keras_paths",
    "kernelkit.utils.layer_utils": "keras_paths",
    "kernelkit.utils.vis_utils": "keras_paths",
    "kernelkit.engine.topology": "keras_paths",
    "kernelkit.engine.network": "keras_paths",
    "kernelkit.engine.training": "keras_paths",
    "kernelkit.engine.sequential": "keras_paths",
    "kernelkit.engine.saving": "keras_paths",
    "kernelkit.engine.base_layer": "keras_paths",
    "kernelkit.engine.input_layer": "keras_paths",
    "kernelkit.distribute": "distribute",
    "kernelkit.datasets": "datasets",
    "kernelkit.preprocessing": "preprocessing",
    "kernelkit.models": "models",
    "kernelkit.engine": "engine",
    "kernelkit.callbacks": "callbacks",
    "kernelkit.saving": "saving",
    "kernelkit.backend": "backend",
    "kernelkit.display": "display",
    "kernelkit.layers": "layers",
    "kernelkit.legacy.layers": "layers",
    "kernelkit.legacy.merge": "layers",
    "kernelkit.legacy.recurrent": "layers",
    "kernelkit.optimizers": "optimizers",
    "kernelkit.losses": "losses",
    "kernelkit.metrics": "metrics",
    "kernelkit.initializers": "initializers",
    "kernelkit.regularizers": "regularizers",
    "kernelkit.constraints": "constraints",
    "kernelkit.activations": "activations",
    "kernelkit.utils.data_utils": "data_helpers",
    "kernelkit.utils.downloads": "data_helpers",
    "kernelkit.utils.sequences": "data_helpers",
    "kernelkit.utils.workers": "data_helpers",
    "kernelkit.utils.conv_utils": "data_helpers",
    "kernelkit.utils.io_utils": "data_helpers",
    "kernelkit.utils.np_utils": "data_helpers",
    "kernelkit.ops": "ops",
    "kernelkit.legacy": "legacy",
    "kernelkit.registry": "registry",
    "kernelkit.naming": "registry",
    "kernelkit.config": "config",
    "kernelkit._home": "config",
    "kernelkit._lazy": "config",
    "kernelkit._version": "config",
    "kernelkit.kernels": "kernels",
    "kernelkit.widgets": "widgets",
}

_GROUND = {"config", "kernels"}
_BASICS_BELOW = {"data_helpers", "ops", "legacy", "registry"} | _GROUND
_LAYERS_BELOW = {"optimizers", "losses", "metrics", "initializers", "regularizers", "constraints",
                 "activations"} | _BASICS_BELOW
_MODELS_BELOW = {"models", "engine", "callbacks", "saving", "backend", "display",
                 "layers"} | _LAYERS_BELOW

# The map: part -> the parts it may import at module level (docs/architecture.md).
ALLOWED = {
    "kernelkit": {"applications", "wrappers", "keras_paths", "distribute", "datasets",
                  "preprocessing"} | _MODELS_BELOW,
    "applications": {"keras_paths", "distribute", "datasets", "preprocessing"} | _MODELS_BELOW,
    "wrappers": {"keras_paths", "distribute", "datasets", "preprocessing"} | _MODELS_BELOW,
    "keras_paths": {"distribute", "datasets", "preprocessing"} | _MODELS_BELOW,
    "distribute": _MODELS_BELOW,
    "datasets": _MODELS_BELOW,
    "preprocessing": _MODELS_BELOW,
    "models": _MODELS_BELOW - {"models"},
    "engine": _MODELS_BELOW - {"models", "engine"},
    "callbacks": _MODELS_BELOW - {"models", "engine", "callbacks"},
    "saving": {"backend", "display", "layers"} | _LAYERS_BELOW,
    "backend": {"display", "layers"} | _LAYERS_BELOW,
    "display": set(),
    "layers": _LAYERS_BELOW,
    "optimizers": _BASICS_BELOW,
    "losses": _BASICS_BELOW,
    "metrics": {"losses"} | _BASICS_BELOW,
    "initializers": _BASICS_BELOW,
    "regularizers": _BASICS_BELOW,
    "constraints": _BASICS_BELOW,
    "activations": _BASICS_BELOW,
    "data_helpers": set(_GROUND),
    "ops": set(_GROUND),
    "legacy": set(),
    "registry": set(),
    "config": set(),
    "kernels": set(),
    "widgets": set(),
}

# Imports inside function bodies, each with the reason it is deferred. UPWARD marks one that goes
# up the map, CYCLE one that closes a cycle: both are debts to pay, not patterns to copy.
FUNCTION_LEVEL = {
    ("kernelkit.applications._helpers", "kernelkit.utils.data_utils"):
        "weights downloaded only when weights='imagenet' is asked for",
    ("kernelkit.applications.imagenet_utils", "kernelkit.utils.data_utils"):
        "class index downloaded only when decode_predictions runs",
    ("kernelkit.backend._state", "kernelkit.layers.input_layer"):
        "K.placeholder makes an Input at call time",
    ("kernelkit.callbacks.base", "kernelkit.display.history"):
        "History.plot renders only when asked (matplotlib)",
    ("kernelkit.callbacks.live_plot", "kernelkit.widgets.liveplot"):
        "optional Jupyter widget, chosen at run time (widgets/ sits above kernelkit)",
    ("kernelkit.callbacks.progress", "kernelkit.widgets"):
        "optional Jupyter widget, chosen at run time (widgets/ sits above kernelkit)",
    ("kernelkit.callbacks.tensorboard", "kernelkit.backend"):
        "histograms/gradients read only when TensorBoard writes them",
    ("kernelkit.config", "kernelkit._home"):
        "home directory resolved when the config file is first read",
    ("kernelkit.demo", "kernelkit.datasets.digits"):
        "entry point builds models only when run",
    ("kernelkit.demo", "kernelkit.layers"):
        "entry point builds models only when run",
    ("kernelkit.demo", "kernelkit.models"):
        "entry point builds models only when run",
    ("kernelkit.demo", "kernelkit.utils"):
        "entry point builds models only when run",
    ("kernelkit.display.plot", "kernelkit.display.layout"):
        "renderer loaded only for the format asked for",
    ("kernelkit.display.plot", "kernelkit.display.png"):
        "renderer loaded only for the format asked for",
    ("kernelkit.display.plot", "kernelkit.display.svg"):
        "renderer loaded only for the format asked for",
    ("kernelkit.engine.loop", "kernelkit.callbacks.progress"):
        "progress display chosen at run time (notebook or terminal)",
    ("kernelkit.engine.predict", "kernelkit.callbacks.progress"):
        "progress display chosen at run time (notebook or terminal)",
    ("kernelkit.engine.predict", "kernelkit.engine.loop"):
        "interrupt handling of the loop shared at call time",
    ("kernelkit.engine.training_utils", "kernelkit.backend"):
        "K.learning_phase read at call time",
    ("kernelkit.layers.lambda_layer", "kernelkit.backend"):
        "UPWARD, kept on purpose: a Lambda's stored Keras 2 bytecode names the backend `K`, so "
        "its globals must hold kernelkit.backend, which sits above layers; imported only when "
        "such bytecode is loaded (safe_mode=False)",
    ("kernelkit.optimizers.base", "kernelkit.backend"):
        "UPWARD, kept on purpose: an optimizer's get_updates/get_gradients on a symbolic loss "
        "(Keras 2's custom training functions) differentiate the graph with K.gradients; "
        "imported only for such a loss",
    ("kernelkit.optimizers.base", "kernelkit.backend._function"):
        "UPWARD, kept on purpose: get_updates on a symbolic loss returns the GradientStep "
        "record K.function runs; imported only for such a loss",
    ("kernelkit.models", "kernelkit.saving.hdf5_model"):
        "facade hands over lazily to keep import kernelkit light",
    ("kernelkit.models", "kernelkit.saving.model_config"):
        "facade hands over lazily to keep import kernelkit light",
    ("kernelkit.models.model", "kernelkit.models.summary"):
        "summary adapter (and display's renderers) loaded only when summary() is called",
    ("kernelkit.models.model", "kernelkit.saving.model_config"):
        "facade hands over lazily to keep import kernelkit light",
    ("kernelkit.models.persistence", "kernelkit.saving.hdf5_model"):
        "facade hands over lazily to keep import kernelkit light",
    ("kernelkit.models.persistence", "kernelkit.saving.hdf5_weights"):
        "facade hands over lazily to keep import kernelkit light",
    ("kernelkit.models.persistence", "kernelkit.saving.model_config"):
        "facade hands over lazily to keep import kernelkit light",
    ("kernelkit.models.persistence", "kernelkit.saving.pickling"):
        "facade hands over lazily to keep import kernelkit light",
    ("kernelkit.models.sequential", "kernelkit.saving.model_config"):
        "facade hands over lazily to keep import kernelkit light",
    ("kernelkit.ops.array", "kernelkit.ops.math"):
        "op modules build on each other's ops at call time (import order inside ops)",
    ("kernelkit.ops.conv", "kernelkit.ops.math"):
        "op modules build on each other's ops at call time (import order inside ops)",
    ("kernelkit.ops.ctc", "kernelkit.ops.array"):
        "op modules build on each other's ops at call time (import order inside ops)",
    ("kernelkit.ops.ctc", "kernelkit.ops.core"):
        "op modules build on each other's ops at call time (import order inside ops)",
    ("kernelkit.ops.ctc", "kernelkit.ops.math"):
        "op modules build on each other's ops at call time (import order inside ops)",
    ("kernelkit.ops.ctc", "kernelkit.ops.scan"):
        "op modules build on each other's ops at call time (import order inside ops)",
    ("kernelkit.ops.local_conv", "kernelkit.ops.array"):
        "op modules build on each other's ops at call time (import order inside ops)",
    ("kernelkit.ops.losses", "kernelkit.ops.array"):
        "op modules build on each other's ops at call time (import order inside ops)",
    ("kernelkit.ops.losses", "kernelkit.ops.math"):
        "op modules build on each other's ops at call time (import order inside ops)",
    ("kernelkit.ops.normalization", "kernelkit.ops.scan"):
        "op modules build on each other's ops at call time (import order inside ops)",
    ("kernelkit.ops.pooling", "kernelkit.ops.math"):
        "op modules build on each other's ops at call time (import order inside ops)",
    ("kernelkit.ops.scan", "kernelkit.ops.math"):
        "op modules build on each other's ops at call time (import order inside ops)",
    ("kernelkit.preprocessing.image_transforms", "kernelkit.preprocessing.image_files"):
        "image file helpers (Pillow) loaded only when a transform needs them",
    ("kernelkit.saving.atomic", "kernelkit.utils.io_utils"):
        "overwrite prompt asked only when a file exists",
    ("kernelkit.saving.hdf5_model", "kernelkit.losses"):
        "compile arguments restored only when a file holds them",
    ("kernelkit.saving.hdf5_model", "kernelkit.metrics"):
        "compile arguments restored only when a file holds them",
    ("kernelkit.saving.hdf5_model", "kernelkit.optimizers"):
        "optimizer restored only when a file holds one",
    ("kernelkit.utils.downloads", "kernelkit.callbacks.progress"):
        "progress display chosen at run time (notebook or terminal)",
    ("kernelkit.utils.vis_utils", "kernelkit.display.plot"):
        "Keras path hands over lazily; the renderer loads on first use",
    ("kernelkit.warmup", "kernelkit.config"):
        "entry point builds models only when run",
    ("kernelkit.warmup", "kernelkit.layers"):
        "entry point builds models only when run",
    ("kernelkit.warmup", "kernelkit.models"):
        "entry point builds models only when run",
}


# Module-level imports against the map found when the test was written: debts, shrink only.
KNOWN_UPWARD = set()
# Groups of modules importing each other at module level: debts, shrink only.
KNOWN_MODULE_LEVEL_CYCLES = set()

# Groups of modules that need each other once function-level imports count (see the last
# test); each is a debt listed so that no new one appears. Shrink, never grow.
KNOWN_MODULE_CYCLES = set()


def _module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules():
    """{module name: (path, is_package)} for every kernelkit source file."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        found[_module_name(path)] = (path, path.name == "__init__.py")
    return found


MODULES = _modules()


def part_of(module):
    """The map's part holding `module` (longest prefix in PARTS)."""
    name = module
    while name:
        if name in PARTS:
            return PARTS[name]
        name = name.rpartition(".")[0]
    raise KeyError(f"{module} belongs to no part of the map: add its package to PARTS")


def _is_type_checking(test):
    return any(isinstance(n, (ast.Name, ast.Attribute))
               and getattr(n, "id", getattr(n, "attr", None)) == "TYPE_CHECKING"
               for n in ast.walk(test))


def _targets(module, is_package, node):
    """The kernelkit modules an Import/ImportFrom node names (a `from pkg import sub` of a
    submodule names the submodule)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.split(".")[0] == "kernelkit"]
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[:len(base) - (node.level - 1)]
        source = ".".join(base + ([node.module] if node.module else []))
    else:
        source = node.module or ""
    if source.split(".")[0] != "kernelkit":
        return []
    out = []
    for alias in node.names:
        sub = f"{source}.{alias.name}"
        out.append(sub if sub in MODULES or sub == "kernelkit.widgets" else source)
    return out


def scan(module):
    """(module-level imports, function-level imports) of `module`: lists of (target, line)."""
    path, is_package = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    top, deferred = [], []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                for sub in child.orelse:
                    visit_one(sub, in_function)
                continue
            visit_one(child, in_function)

    def visit_one(child, in_function):
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            sink = deferred if in_function else top
            sink.extend((t, child.lineno) for t in _targets(module, is_package, child))
            return
        nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                   ast.Lambda))
        visit(child, nested)

    visit(tree, False)
    return top, deferred


SCANS = {m: scan(m) for m in MODULES}


def _where(module, line):
    return f"{MODULES[module][0].relative_to(ROOT)}:{line}"


def module_level_edges():
    """[(importer, imported, line)] for module-level imports between kernelkit modules."""
    return [(m, t, line) for m, (top, _) in SCANS.items() for t, line in top if t != m]


def part_graph():
    """{part: {part: [file:line, ...]}} of module-level imports between different parts."""
    graph = {}
    for m, t, line in module_level_edges():
        a, b = part_of(m), part_of(t)
        if a != b:
            graph.setdefault(a, {}).setdefault(b, []).append(_where(m, line))
    return graph


def cycles(graph):
    """The strongly connected components (size > 1) of {node: {node: ...}} (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return found


def test_every_module_has_a_part():
    for m in MODULES:
        assert part_of(m) in ALLOWED, f"{m}: part {part_of(m)!r} is not in ALLOWED"


def test_module_level_imports_follow_the_map():
    bad = []
    for m, t, line in module_level_edges():
        a, b = part_of(m), part_of(t)
        if a != b and b not in ALLOWED[a] and (m, t) not in KNOWN_UPWARD:
            bad.append(f"{_where(m, line)}: {m} ({a}) imports {t} ({b}); {a} may import "
                       f"only {sorted(ALLOWED[a])}")
    assert not bad, "imports against docs/architecture.md:\n" + "\n".join(bad)


def test_known_debts_are_still_owed():
    """A debt paid is struck from the lists, so they only shrink."""
    edges = {(m, t) for m, t, _ in module_level_edges()}
    assert not KNOWN_UPWARD - edges, f"paid, remove from KNOWN_UPWARD: {KNOWN_UPWARD - edges}"


def test_no_cycle_between_parts():
    graph = part_graph()
    for m, t in KNOWN_UPWARD:
        graph.get(part_of(m), {}).pop(part_of(t), None)
    found = cycles(graph)
    report = []
    for component in found:
        for a in component:
            for b, where in sorted(graph.get(a, {}).items()):
                if b in component:
                    report.append(f"{a} -> {b}: {', '.join(where)}")
    assert not found, f"import cycles between parts {found}:\n" + "\n".join(report)


def test_no_cycle_between_modules_at_module_level():
    graph = {}
    for m, t, line in module_level_edges():
        if t in MODULES:
            graph.setdefault(m, {})[t] = line
    found = [c for c in cycles(graph) if frozenset(c) not in KNOWN_MODULE_LEVEL_CYCLES]
    assert not found, "modules importing each other at module level: " + "; ".join(
        " <-> ".join(c) for c in found)


def test_no_cycle_between_modules_counting_function_level_imports():
    """A function-level import is not a way around a cycle: counting them too, no two
    modules of kernelkit may need each other."""
    graph = {}
    for m, (top, deferred) in SCANS.items():
        for t, line in top + deferred:
            if t in MODULES and t != m:
                graph.setdefault(m, {})[t] = line
    found = [c for c in cycles(graph) if frozenset(c) not in KNOWN_MODULE_CYCLES]
    assert not found, "modules needing each other (through function-level imports): " + \
        "; ".join(" <-> ".join(c) for c in found)


def test_function_level_imports_are_listed_with_a_reason():
    actual = {}
    for m, (_, deferred) in SCANS.items():
        for t, line in deferred:
            actual.setdefault((m, t), []).append(_where(m, line))
    new = [f"{where[0]}: {m} imports {t} inside a function"
           for (m, t), where in sorted(actual.items()) if (m, t) not in FUNCTION_LEVEL]
    gone = [f"{m} -> {t}" for (m, t) in sorted(FUNCTION_LEVEL) if (m, t) not in actual]
    assert not new, ("function-level imports not in FUNCTION_LEVEL (import at module level "
                     "if the map allows it, else list it with its reason):\n" + "\n".join(new))
    assert not gone, "FUNCTION_LEVEL lists imports that are gone; remove:\n" + "\n".join(gone)
    for key, reason in FUNCTION_LEVEL.items():
        assert isinstance(reason, str) and reason.strip(), f"{key}: no reason given"


def test_scanner_sees_relative_deferred_and_type_checking_imports(tmp_path, monkeypatch):
    """The scanner itself: a relative import, a deferred one, one under TYPE_CHECKING."""
    pkg = tmp_path / "kernelkit" / "sub"
    pkg.mkdir(parents=True)
    (tmp_path / "kernelkit" / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "from . import b\n"
        "from ..ops.core import Tensor\n"
        "if TYPE_CHECKING:\n"
        "    from kernelkit.models import Model\n"
        "def f():\n"
        "    from kernelkit.saving import registry\n")
    (pkg / "b.py").write_text("")
    here = sys.modules[__name__]
    monkeypatch.setattr(here, "ROOT", tmp_path)
    monkeypatch.setattr(here, "PACKAGE", tmp_path / "kernelkit")
    monkeypatch.setattr(here, "MODULES", here._modules())
    top, deferred = scan("kernelkit.sub.a")
    assert top == [("kernelkit.sub.b", 2), ("kernelkit.ops.core", 3)]
    assert deferred == [("kernelkit.saving", 7)]
