"""The registry's old path: `kernelkit.registry` holds it (the ground floor of the import map,
standard library only); this module re-exports it so that old imports keep working."""
from kernelkit.registry import (  # noqa: F401 - re-exports
    _BUILTINS, _REGISTERED, CustomObjectScope, SafeModeScope, _scope, accessors, builtin,
    builtin_table, custom_object_scope, deserialize, get_custom_objects, get_registered_name,
    in_safe_mode, lookup, register_builtin, register_keras_serializable, scoped_objects,
    serialize, unknown)

__all__ = ["CustomObjectScope", "SafeModeScope", "accessors", "builtin", "builtin_table",
           "custom_object_scope", "deserialize", "get_custom_objects", "get_registered_name",
           "in_safe_mode", "lookup", "register_builtin", "register_keras_serializable",
           "scoped_objects", "serialize", "unknown"]
