"""The pytest entry point of otcheck (``pytest11: otcheck = pytest_otcheck``): options only, until asked.

pytest loads every installed ``pytest11`` plugin in every run, so this module is deliberately a
top-level one that imports nothing but pytest and the standard library: importing anything inside
the ``otcheck`` package runs ``otcheck/__init__.py``, which imports numpy and scipy. Without
``--otcheck`` it only adds the options below; with it, it registers :mod:`otcheck.pytest_plugin`
(the claims as test items) and imports the ``--otcheck-import`` modules. See that module and
``docs/pytest_plugin.rst``.
"""

from __future__ import annotations

import argparse

import pytest

__all__ = ["pytest_addoption", "pytest_configure"]

#: The options that mean something only with ``--otcheck`` (``dest`` names).
OPTIONS = ("otcheck_ids", "otcheck_import", "otcheck_examples", "otcheck_seed")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {value}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {value}")
    return value


def pytest_addoption(parser: pytest.Parser) -> None:
    """The plugin's options (all it does without ``--otcheck``)."""
    group = parser.getgroup("otcheck", "otcheck: the registered claims as test items")
    group.addoption(
        "--otcheck",
        action="store_true",
        default=False,
        help="collect the registered otcheck claims (the paper's and those of --otcheck-import) as test items",
    )
    group.addoption(
        "--otcheck-ids",
        nargs="+",
        action="append",
        default=[],
        metavar="ID",
        help="only these claim ids or globs (default: every proposition, step and conjecture)",
    )
    group.addoption(
        "--otcheck-import",
        action="append",
        default=[],
        metavar="MODULE",
        help="import MODULE (a module name importable from the current directory, or a .py path) "
        "that registers claims (repeatable)",
    )
    group.addoption(
        "--otcheck-examples",
        type=_positive_int,
        default=None,
        metavar="N",
        help="also search each claim with an instance space over N instances (otcheck.falsify)",
    )
    group.addoption("--otcheck-seed", type=_seed, default=None, metavar="K", help="seed of every check (default 0)")


def pytest_configure(config: pytest.Config) -> None:
    """With ``--otcheck``: register :mod:`otcheck.pytest_plugin` and import the ``--otcheck-import`` modules.

    Without it, an ``--otcheck-*`` option is a usage error (it would silently do nothing).
    """
    if not config.getoption("otcheck"):
        given = [
            "--" + name.replace("_", "-")
            for name in OPTIONS
            if config.getoption(name) is not None and config.getoption(name) != []
        ]
        if given:
            raise pytest.UsageError(f"{', '.join(given)}: need --otcheck")
        return
    from otcheck import pytest_plugin

    if not config.pluginmanager.is_registered(pytest_plugin):
        config.pluginmanager.register(pytest_plugin, "otcheck.pytest_plugin")
    pytest_plugin.setup(config)
