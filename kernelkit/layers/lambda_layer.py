"""The Lambda layer, and how it saves and loads its function (by name, or as Keras 2's
base64 marshal bytecode, loaded only with safe_mode=False)."""
import base64
import marshal
import sys
import types

import numpy as np

from .. import registry
from .base import Layer, infer_output_shape

__all__ = ["Lambda"]


def _func_dump(fn):
    code = base64.b64encode(marshal.dumps(fn.__code__)).decode("ascii")
    defaults = fn.__defaults__
    closure = tuple(c.cell_contents for c in fn.__closure__) if fn.__closure__ else None
    return code, defaults, closure


def _func_load(code, defaults=None, closure=None, globs=None):
    if isinstance(code, (tuple, list)):
        code, defaults, closure = code
    if isinstance(defaults, list):  # JSON turns Keras's tuples into lists
        defaults = tuple(defaults)
    try:
        raw = marshal.loads(base64.b64decode(code.encode("ascii")))  # noqa: S302 - only with safe_mode=False
    except (AttributeError, ValueError, EOFError, TypeError) as error:
        raise ValueError(_bytecode_error(f"({error})")) from error
    if not isinstance(raw, types.CodeType):
        raise ValueError(_bytecode_error(f"(it holds a {type(raw).__name__}, not code)"))
    cells = tuple(types.CellType(c) for c in closure) if closure else None
    try:
        return types.FunctionType(raw, globs if globs is not None else dict(globals()),
                                  raw.co_name, defaults, cells)
    except (TypeError, ValueError) as error:  # e.g. a closure of the wrong length
        raise ValueError(_bytecode_error(f"({error})")) from error


def _as_built(fn):
    """`fn` reading its free variables and the globals it names as they are now.

    Keras 2.2.4 runs a Lambda's function once, on the symbolic input, so the graph keeps the
    values its free variables had then: `Lambda(lambda x: x[:, i])` made in a loop over `i`
    takes a different slice in each layer. kernelkit runs the function at every call, so a
    lambda or local function gets a copy of itself bound to today's values (the cells of its
    closure and the module globals its code names; objects are shared, not copied). Named
    module-level functions are left as they are (they can be found by name, and pickled).
    """
    if not isinstance(fn, types.FunctionType) or (
            fn.__name__ != "<lambda>" and "<locals>" not in fn.__qualname__):
        return fn
    names, codes = set(), [fn.__code__]
    while codes:
        code = codes.pop()
        names.update(code.co_names)
        codes.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
    module = fn.__globals__
    globs = {k: module[k] for k in names | {"__builtins__", "__name__"} if k in module}
    cells = None
    if fn.__closure__:
        cells = []
        for cell in fn.__closure__:
            try:
                cells.append(types.CellType(cell.cell_contents))
            except ValueError:   # not assigned yet: stays shared
                cells.append(cell)
        cells = tuple(cells)
    bound = types.FunctionType(fn.__code__, globs, fn.__name__, fn.__defaults__, cells)
    bound.__qualname__, bound.__kwdefaults__ = fn.__qualname__, fn.__kwdefaults__
    bound.__doc__, bound.__module__ = fn.__doc__, fn.__module__
    bound.__dict__.update(fn.__dict__)
    return bound


def _bytecode_error(detail):
    version = ".".join(map(str, sys.version_info[:2]))
    return (f"the stored Python bytecode could not be loaded {detail}. "
            "Bytecode only loads in the Python version that wrote it (this is Python "
            f"{version}); load the file with that version, or rebuild the Lambda in code "
            "and use `load_weights`.")


class Lambda(Layer):
    """Wraps an arbitrary expression (written with kernelkit.backend ops) as a layer.

    `model.add(Lambda(lambda x: x ** 2))`. A named function is saved by name, and loading
    finds it in `custom_objects` or the registered objects; an anonymous one (or one defined
    in `__main__` and not registered) is saved as Python bytecode, as Keras 2 saved every
    function, which loads only with `safe_mode=False` and only in the Python version that
    wrote it.

    Arguments:
        function: the function to evaluate; it takes the input tensor (or list of tensors)
            as its first argument.
        output_shape: the output shape without the batch axis (a tuple), or a function of
            the whole input shape; None infers it by calling `function` symbolically.
        mask: None, a mask to return, or a function `(inputs, mask)` computing it.
        arguments: dict of keyword arguments passed to `function`.

    Raises:
        ValueError: from `from_config`, for bytecode in safe mode or from another Python
            version, or a function name that no custom object gives.
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        self.function = function
        self._output_shape = output_shape
        self.mask = mask
        self.arguments = arguments or {}
        self.supports_masking = mask is not None

    def build(self, input_shape):
        # bound to the values its free variables have now, as Keras 2.2.4's graph is
        self.function = _as_built(self.function)
        if callable(self._output_shape):
            self._output_shape = _as_built(self._output_shape)
        if callable(self.mask):
            self.mask = _as_built(self.mask)
        super().build(input_shape)

    def call(self, inputs, mask=None, training=None):
        kw = dict(self.arguments)
        import inspect
        try:
            params = inspect.signature(self.function).parameters
        except (TypeError, ValueError):
            params = {}
        if "mask" in params:
            kw["mask"] = mask
        if "training" in params:
            kw["training"] = training
        return self.function(inputs, **kw)

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return infer_output_shape(self, input_shape)
        if callable(self._output_shape):
            return tuple(self._output_shape(input_shape))
        return (input_shape[0] if not isinstance(input_shape, list) else input_shape[0][0],) + \
            tuple(self._output_shape)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def get_config(self):
        cfg = super().get_config()
        fn = self.function
        if isinstance(fn, types.LambdaType) and fn.__name__ == "<lambda>" or registry.lookup(
                "function", getattr(fn, "__name__", "")) is None and fn.__module__ == "__main__":
            cfg.update(function=_func_dump(fn), function_type="lambda",
                       module=getattr(fn, "__module__", None))
        else:
            cfg.update(function=fn.__name__, function_type="function",
                       module=getattr(fn, "__module__", None))
        if callable(self._output_shape):
            cfg.update(output_shape=_func_dump(self._output_shape), output_shape_type="lambda")
        else:
            cfg.update(output_shape=None if self._output_shape is None else list(self._output_shape),
                       output_shape_type="raw")
        cfg["arguments"] = self.arguments
        cfg["mask"] = None if self.mask is None or callable(self.mask) else self.mask
        return cfg

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        """A Lambda from its config (kernelkit's, Keras 2.2.4's or Keras 3's spelling).

        A function stored by name (`function_type: 'function'`, `output_shape_type:
        'function'`) is looked up in `custom_objects` and the registered objects, and with
        `safe_mode=False` in its `module` when that is already imported; the module is never
        imported (Keras 2.2.4 stored such functions as bytecode). A function stored as
        bytecode (`'lambda'`) is rebuilt only with `safe_mode=False`; its globals are this
        module's, `K` (kernelkit.backend, as in Keras's core module), the namespace of its
        `module` when that module is already imported, and the custom objects.

        Arguments:
            config: the dict `get_config` returned.
            custom_objects: {name: object} for functions stored by name.
            safe_mode: refuse bytecode; None takes the loading function's choice (True
                outside of one).

        Returns:
            A Lambda layer.

        Raises:
            ValueError: bytecode in safe mode, bytecode another Python version wrote, an
                unknown function name or `function_type`.
        """
        if safe_mode is None:
            safe_mode = registry.in_safe_mode()
        config = dict(config)
        name = config.get("name")
        ftype = config.pop("function_type", "function")
        fn = config.pop("function")
        module = config.pop("module", None)
        oshape_module = config.pop("output_shape_module", None)
        if isinstance(fn, dict):  # Keras 3: {"class_name": "__lambda__" | "function", ...}
            if fn.get("class_name") == "__lambda__":
                inner = fn.get("config") or {}
                ftype, fn = "lambda", (inner.get("code"), inner.get("defaults"),
                                       inner.get("closure"))
            else:
                fn = fn.get("registered_name") or fn.get("config")
        otype = config.pop("output_shape_type", "raw")
        oshape = config.pop("output_shape", None)
        if oshape is None:
            otype = "raw"
        for kind, what in ((ftype, "function"), (otype, "output_shape")):
            if kind not in ("lambda", "function", "raw") or (kind == "raw" and what == "function"):
                raise ValueError(f"Lambda layer '{name}': unknown {what}_type {kind!r} in its "
                                 "config (expected 'lambda', 'function' or, for output_shape, "
                                 "'raw').")
            if kind == "lambda" and safe_mode:
                raise ValueError(
                    f"Lambda layer '{name}': its {what} is stored as Python bytecode, and "
                    "loading it would run code from the file. kernelkit refuses this by "
                    "default; pass `safe_mode=False` to `load_model` (or `model_from_json`/"
                    "`model_from_yaml`/`model_from_config`) if you trust the file.")

        def rebuild(kind, value, module_name, what):
            if kind == "function":
                found = registry.lookup("function", value, custom_objects)
                if found is None and not safe_mode and module_name in sys.modules:
                    # a file you trust: its module, when your code has imported it
                    found = getattr(sys.modules[module_name], value, None)
                    found = found if callable(found) else None
                if found is None:
                    raise ValueError(
                        f"Lambda layer '{name}': unknown {what} '{value}' (from module "
                        f"'{module_name}'). kernelkit finds functions stored by name in "
                        "`custom_objects`, `custom_object_scope` or "
                        "`register_keras_serializable`, and, with `safe_mode=False` (a file "
                        "you trust), in their module once your code has imported it; it "
                        "never imports a module a file names.")
                return found
            try:
                return _func_load(value, globs=_lambda_globals(module_name, custom_objects))
            except (TypeError, ValueError) as error:
                raise ValueError(f"Lambda layer '{name}', {what}: {error}") from error

        fn = rebuild(ftype, fn, module, "function")
        if otype != "raw":
            oshape = rebuild(otype, oshape, oshape_module, "output_shape")
        arguments = config.get("arguments")
        if isinstance(arguments, dict):  # Keras 2.2.4 stored NumPy arguments as typed lists
            config["arguments"] = {
                k: np.array(v["value"]) if isinstance(v, dict) and v.get("type") == "ndarray"
                and "value" in v else v for k, v in arguments.items()}
        return cls(fn, output_shape=oshape, **config)


def _lambda_globals(module_name, custom_objects):
    """The globals a Lambda's stored bytecode sees; a fresh dict, so the code cannot change
    any module's namespace. A module is used only when it is already imported."""

    from .. import backend  # noqa: F401 - up the map on purpose: Keras 2 lambdas name `K`
    globs = dict(globals())
    globs["K"] = sys.modules["kernelkit.backend"]
    loaded = sys.modules.get(module_name) if isinstance(module_name, str) else None
    if loaded is not None:
        globs.update(vars(loaded))
    globs.update(registry.scoped_objects())
    globs.update(custom_objects or {})
    return globs
