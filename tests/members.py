"""The public methods of a class, as the annotation check (test_lint.py) and the docstring checks
(test_docs.py) walk them."""

import inspect


def public_methods(cls):
    """``(name, function)`` for each public method, property getter, class and static method defined on
    ``cls`` itself, and ``__init__`` and ``__call__``."""
    for attr, member in vars(cls).items():
        if attr.startswith("_") and attr not in ("__init__", "__call__"):
            continue
        if isinstance(member, property):
            member = member.fget
        elif isinstance(member, (classmethod, staticmethod)):
            member = member.__func__
        if inspect.isfunction(member):
            yield attr, member
