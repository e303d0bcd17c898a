"""Let a module be called as its main function: ``tianwen.lambert(...)`` is the module ``tianwen.lambert``.

Python binds a package attribute to a submodule when that submodule is imported, so a function called
``tianwen.lambert`` would be replaced by the module ``tianwen.lambert`` as soon as any code imports it.
Making the module itself callable keeps ``tianwen.lambert(r1, r2, tof)`` and
``from tianwen.lambert import lambert`` both right, in any import order.
"""

import sys
import types


def make_module_callable(module_name: str, function) -> None:
    class _CallableModule(types.ModuleType):
        def __call__(self, *args, **kwargs):
            return function(*args, **kwargs)

    sys.modules[module_name].__class__ = _CallableModule
