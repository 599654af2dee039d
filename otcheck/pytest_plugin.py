"""A pytest plugin: the registered claims as test items (``pytest --otcheck``).

Installed with otcheck: the entry point ``pytest11: otcheck = otcheck.pytest_plugin`` loads this
module in every pytest run in the environment, so importing it is light: it imports pytest and the
standard library, and ``import otcheck`` imports nothing heavy (its names are imported on first
access). Without ``--otcheck`` the plugin only adds the options below (and makes an ``--otcheck-*``
option without ``--otcheck`` a usage error); only ``--otcheck`` imports otcheck's claims, numpy and
the solvers, inside the hooks. With it::

    pytest --otcheck                                   # every proposition, step and conjecture
    pytest --otcheck --otcheck-import my_claims        # ... and the claims my_claims.py registers
    pytest --otcheck --otcheck-ids 'prop*' lemma8      # ids or globs (put them last, or use =)
    pytest --otcheck --otcheck-examples 200            # ... and search each claim's instance space

one test item per claim (node id ``otcheck::ID``, marker ``otcheck``), run with seed
``--otcheck-seed`` (default 0):

* a claim that holds passes; an undecided one passes with an :class:`OtcheckUndecided` warning
  (as in ``otcheck verify``, undecided is not a failure);
* a failing *proposition* (or *trained* claim) fails, and the report shows its statement, both
  sides, the failing parts and the instance that decided it;
* a failing *step* or *conjecture* is a finding about the paper: an expected failure (``xfail``)
  whose reason is the failing comparison;
* with ``--otcheck-examples N``, a claim with an instance space (:func:`otcheck.falsify.register_space`)
  is also searched over N instances (:func:`otcheck.falsify.falsify`, example database
  ``.otcheck/falsify-examples`` under the root directory): a counterexample to a proposition
  (not listed in :data:`otcheck.falsify.KNOWN_FINDINGS`) fails with the shrunk instance, one to a
  step, a conjecture or a known finding is an ``xfail``, an instance whose check raised fails.
"""

from __future__ import annotations

import inspect
import json
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from _pytest._code.code import TerminalRepr

    from .claims import Claim, Evidence
    from .falsify import Outcome

__all__ = [
    "pytest_addoption",
    "pytest_configure",
    "setup",
    "pytest_collection_modifyitems",
    "ClaimItem",
    "ClaimsCollector",
    "ClaimFailure",
    "OtcheckUndecided",
]


class ClaimFailure(Exception):
    """A failing proposition (its text is the test's failure report)."""


class OtcheckUndecided(UserWarning):
    """A claim run as a test item was undecided: it passes, with this warning."""


#: The options that mean something only with ``--otcheck`` (``dest`` names).
OPTIONS = ("otcheck_ids", "otcheck_import", "otcheck_examples", "otcheck_seed")


def _positive_int(text: str) -> int:
    from ._cli_common import positive_int_arg  # when pytest parses the option, not when it loads the plugin

    return positive_int_arg(text)


def _seed(text: str) -> int:
    from ._cli_common import seed_arg

    return seed_arg(text)


def pytest_addoption(parser: pytest.Parser) -> None:
    """The plugin's options (all it does without ``--otcheck``).

    Parameters
    ----------
    parser : pytest.Parser
        pytest's command-line parser; the options go in the group ``otcheck``.
    """
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
    """With ``--otcheck``: :func:`setup`; without it, an ``--otcheck-*`` option is a usage error.

    Parameters
    ----------
    config : pytest.Config
        The run's configuration.

    Raises
    ------
    pytest.UsageError
        An ``--otcheck-*`` option without ``--otcheck`` (it would silently do nothing), or, from
        :func:`setup`, an ``--otcheck-import`` module that cannot be imported.
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
    setup(config)


def setup(config: pytest.Config) -> None:
    """Under ``--otcheck`` (from :func:`pytest_configure`): the ``otcheck`` marker, the ``--otcheck-import`` modules.

    Parameters
    ----------
    config : pytest.Config
        The configuration of a run with ``--otcheck`` (checked by :func:`pytest_configure`); its
        ``--otcheck-import`` option names the modules to import.

    Raises
    ------
    pytest.UsageError
        A module that cannot be imported (named, with its error).
    """
    config.addinivalue_line("markers", "otcheck: a registered otcheck claim run as a test item (pytest --otcheck)")
    from .cli import import_user_module

    for mod in config.getoption("otcheck_import"):
        try:
            import_user_module(mod)
        except (ValueError, TypeError) as exc:
            raise pytest.UsageError(f"--otcheck-import {mod}: {exc}") from None


class ClaimsCollector(pytest.Collector):
    """The parent of the claim items (node id ``otcheck``): one :class:`ClaimItem` per id of ``claim_ids``."""

    #: The claims to collect, in order (set by :func:`pytest_collection_modifyitems`).
    claim_ids: tuple[str, ...] = ()

    def collect(self) -> list[pytest.Item | pytest.Collector]:
        """One :class:`ClaimItem` per claim id, marked ``otcheck``."""
        out: list[pytest.Item | pytest.Collector] = []
        for cid in self.claim_ids:
            item = ClaimItem.from_parent(self, name=cid)
            item.add_marker("otcheck")
            out.append(item)
        return out


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """With ``--otcheck``: one :class:`ClaimItem` per selected claim, after the collected tests."""
    if not config.getoption("otcheck", default=False):
        return
    from .claims import registry
    from .cli import select_ids

    patterns = [p for group in config.getoption("otcheck_ids") for p in group]
    try:
        ids = select_ids(patterns, registry)
    except ValueError as exc:
        raise pytest.UsageError(f"--otcheck-ids: {exc}") from None
    parent = ClaimsCollector.from_parent(session, name="otcheck", nodeid="otcheck")
    parent.claim_ids = tuple(ids)
    items.extend(session.genitems(parent))  # reported as collected, like any test


def _side(e: Evidence, which: str) -> str:
    bound = e.lhs_bound if which == "lhs" else e.rhs_bound
    value = e.lhs if which == "lhs" else e.rhs
    return str(bound) if bound is not None else f"{float(value):.6g} ({e.guarantee})"


def _describe(claim: Claim, e: Evidence, instance: object | None = None) -> str:
    from .claims import jsonable

    lines = [
        f"claim {claim.id} ({claim.kind}, {claim.location}): {claim.statement}",
        f"  verdict: {e}",
        f"  lhs = {_side(e, 'lhs')}",
        f"  rhs = {_side(e, 'rhs')}",
    ]
    if e.note:
        lines.append(f"  note: {e.note}")
    parts = e.failing_parts()
    for p in parts:
        indent = "  "
        if p is not e and (len(parts) > 1 or str(p) != str(e)):
            lines.append(f"  failing part: {p}" + (f" - {p.note}" if p.note else ""))
            lines.append(f"    lhs = {_side(p, 'lhs')}; rhs = {_side(p, 'rhs')}")
            indent = "    "
        elif p.note and p.note != e.note:  # the headline is this part: only its note is new
            lines.append(f"  note: {p.note}")
        if instance is None:
            lines.append(f"{indent}instance: {json.dumps(jsonable(p.instance), default=str)}")
    if instance is not None:
        lines.append(f"  instance: {json.dumps(instance, default=str)}")
    return "\n".join(lines)


class ClaimItem(pytest.Item):
    """One registered claim as a test item (its name is the claim id)."""

    def runtest(self) -> None:
        """Run the claim's check (and, with ``--otcheck-examples``, search its instance space)."""
        from .claims import FAILS, UNDECIDED, registry

        claim = registry[self.name]
        seed = self.config.getoption("otcheck_seed") or 0
        ev = claim.run(seed=seed)
        self.user_properties.append(("verdict", ev.verdict))
        if ev.verdict == FAILS:
            if claim.kind in ("proposition", "trained"):
                raise ClaimFailure(_describe(claim, ev))
            pytest.xfail(f"finding ({claim.kind}): {ev}")
        if ev.verdict == UNDECIDED:
            warnings.warn(f"claim {claim.id} is undecided at seed {seed}: {ev}", OtcheckUndecided, stacklevel=1)
        examples = self.config.getoption("otcheck_examples")
        if examples:
            self._search(claim, int(examples), seed)

    def _search(self, claim: Claim, examples: int, seed: int) -> None:
        from .falsify import KNOWN_FINDINGS, SPACES, falsify

        if claim.id not in SPACES:
            self.user_properties.append(("falsify", "no instance space"))
            return
        database = self.config.rootpath / ".otcheck" / "falsify-examples"
        outcome: Outcome = falsify([claim.id], examples=examples, seed=seed, database=database).outcomes[0]
        self.user_properties.append(("falsify", outcome.summary()))
        if outcome.is_failure and outcome.evidence is not None:
            raise ClaimFailure(
                f"falsify: {outcome.summary()}\n" + _describe(claim, outcome.evidence, _encoded(outcome))
            )
        if outcome.errors:
            raise ClaimFailure(
                f"falsify: {outcome.summary()}\n  {outcome.errors} instance(s) raised; the first: {outcome.error}"
            )
        if outcome.is_finding:
            known = KNOWN_FINDINGS.get(claim.id)
            reason = f"finding ({claim.kind}) by falsify: {outcome.evidence}; instance {_encoded(outcome)}"
            pytest.xfail(reason + (f"; what holds instead: {known}" if known else ""))

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: object | None = None
    ) -> str | TerminalRepr:
        """A failing claim: its statement, both sides, failing parts and instance (no traceback)."""
        if isinstance(excinfo.value, ClaimFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[os.PathLike[str] | str, int | None, str]:
        """Where the claim's check is defined, and ``otcheck claim ID``."""
        from .claims import registry

        check = registry[self.name].check
        try:
            path = inspect.getsourcefile(check)
            line = inspect.getsourcelines(check)[1] - 1
        except (TypeError, OSError):
            return self.path, None, f"otcheck claim {self.name}"
        return (Path(path) if path else self.path), line, f"otcheck claim {self.name}"


def _encoded(outcome: Outcome) -> object:
    from .falsify import encode_instance

    return encode_instance(outcome.counterexample) if outcome.counterexample is not None else None
