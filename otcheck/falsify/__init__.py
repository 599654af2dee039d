r"""Falsification: search each claim's full statement for a counterexample (layer 6).

``otcheck verify`` checks each claim on one seeded instance. :func:`falsify` instead runs
`hypothesis <https://hypothesis.readthedocs.io>`_ over the claim's **instance space**: a strategy
that covers what the statement quantifies over (every :math:`P_X` it allows, degenerate members,
both ends of every parameter range, dimensions above 1), declared with :func:`register_space`.
Each example is decided by the claim's certified check; the first failing example is shrunk to
the smallest one hypothesis can find, saved in hypothesis' example database under a key of the
claim (so that it replays first next time, before any search) and returned, replayable
(:func:`dump_instance`, ``otcheck verify ID --instance FILE``).

What counts:

* an example whose check raises :class:`otcheck.UncertifiedError`, or whose verdict is
  ``undecided``, is counted apart, never as a pass;
* a counterexample is a ``fails`` of the check, which is a proven comparison (exact, rational or
  certified numbers), or, for a part decided from samples, a confidence statement whose seed is
  part of the instance: the report then states the family-wise level, Bonferroni-corrected for the
  number of instances tried;
* a space may give an ``exact`` re-check (rational arithmetic) that confirms a counterexample found
  in floats: a float failure that the exact re-check does not confirm is no counterexample (an artefact
  of the float check); it is counted apart (``refuted``) and the search goes on;
* a counterexample to a *proposition* makes :attr:`FalsifyReport.ok` false (``otcheck falsify``
  exits non-zero) unless the claim is listed in :data:`KNOWN_FINDINGS` with the narrower statement
  that does hold; failing *steps* and *conjectures* are findings.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..bounds import decode_number, encode_number
from ..claims import FAILS, HOLDS, UNDECIDED, Evidence, registry
from ..claims._registry import Claim
from ..exact import UncertifiedError
from ..measures import DiscreteMeasure

if TYPE_CHECKING:
    from hypothesis.database import ExampleDatabase
    from hypothesis.strategies import SearchStrategy

__all__ = [
    "Space",
    "SPACES",
    "KNOWN_FINDINGS",
    "register_space",
    "Outcome",
    "FalsifyReport",
    "falsify",
    "dump_instance",
    "load_instance",
    "encode_instance",
    "decode_instance",
    "DEFAULT_DATABASE",
]

#: Where hypothesis keeps the examples that failed, so that they replay first next time.
DEFAULT_DATABASE = Path(".otcheck") / "falsify-examples"

#: Instance of a claim: keyword arguments of its space's ``check``.
Instance = dict[str, object]


@dataclass(frozen=True)
class Space:
    """The instance space of one claim: what :func:`falsify` searches.

    Attributes
    ----------
    claim : str
        The claim id.
    strategy : hypothesis strategy of dict
        Draws one instance: the keyword arguments of ``check``. Its values must be JSON-friendly
        after :func:`encode_instance` (numbers, Fractions, strings, lists, numpy arrays,
        :class:`~otcheck.DiscreteMeasure`): an instance is replayable from a file.
    check : callable
        ``check(**instance) -> Evidence``: the claim's certified check on that instance.
    description : str
        Which quantifiers of the statement the space covers (shown in the report).
    sampled : bool
        True when a part is decided from samples (the instance then carries its seed, and the report
        corrects the confidence level for the number of instances tried).
    exact : callable or None
        ``exact(**instance) -> Evidence`` re-checks an instance in exact (rational) arithmetic, to
        confirm a counterexample found in floats.
    """

    claim: str
    strategy: SearchStrategy[dict[str, object]] = field(repr=False)
    check: Callable[..., Evidence] = field(repr=False)
    description: str = ""
    sampled: bool = False
    exact: Callable[..., Evidence] | None = field(default=None, repr=False)


#: claim id -> its :class:`Space`.
SPACES: dict[str, Space] = {}

#: claim id -> the narrower statement that holds, for propositions whose full statement is known to fail.
KNOWN_FINDINGS: dict[str, str] = {}


def register_space(
    claim: str,
    strategy: SearchStrategy[dict[str, object]],
    check: Callable[..., Evidence],
    *,
    description: str,
    sampled: bool = False,
    exact: Callable[..., Evidence] | None = None,
) -> Space:
    """Declare the instance space of ``claim`` (a user's claim too); returns the :class:`Space`.

    Registering again replaces the space (a notebook cell re-run).

    Examples
    --------
    >>> from hypothesis import strategies as st
    >>> from otcheck.claims import Recorder, register, registry
    >>> @register("doc-sq", location="user", statement="x^2 >= 0", relation=">=")
    ... def _sq(seed=0):
    ...     return _sq_at(x=1.5)
    >>> def _sq_at(x):
    ...     rec = Recorder("doc-sq", instance={"x": x})
    ...     rec.compare(x * x, 0, ">=")
    ...     return rec.evidence()
    >>> _ = register_space("doc-sq", st.fixed_dictionaries({"x": st.floats(-1e3, 1e3)}), _sq_at,
    ...                    description="x in [-1e3, 1e3]")
    >>> falsify(["doc-sq"], examples=20, database=None).outcomes[0].counterexample is None
    True
    >>> del registry["doc-sq"], SPACES["doc-sq"]
    """
    from hypothesis.strategies import SearchStrategy as _Strategy

    if not isinstance(claim, str) or not claim:
        raise TypeError("claim: expected a non-empty claim id")
    if not isinstance(strategy, _Strategy):
        raise TypeError(f"strategy: expected a hypothesis strategy, got {type(strategy).__name__}")
    if not callable(check):
        raise TypeError(f"check: expected a callable, got {type(check).__name__}")
    if exact is not None and not callable(exact):
        raise TypeError(f"exact: expected a callable or None, got {type(exact).__name__}")
    space = Space(claim, strategy, check, description, bool(sampled), exact)
    SPACES[claim] = space
    return space


# ------------------------------------------------------------------------------------- instances


def encode_instance(value: object) -> object:
    """An instance (or any value in it) as JSON data: arrays, measures and Fractions tagged, exactly.

    Examples
    --------
    >>> from fractions import Fraction
    >>> encode_instance({"a": np.array([0.5, 0.5]), "q": Fraction(1, 3)})
    {'a': {'__array__': [0.5, 0.5]}, 'q': {'__number__': '1/3'}}
    """
    if isinstance(value, DiscreteMeasure):
        weights = list(value.exact_weights) if value.exact_weights is not None else value.weights
        atoms: object = (
            [list(row) for row in value.exact_atoms] if value.exact_atoms is not None else value.atoms.tolist()
        )
        return {"__measure__": {"atoms": encode_instance(atoms), "weights": encode_instance(list(weights))}}
    if isinstance(value, np.ndarray):
        return {"__array__": encode_instance(value.tolist())}
    if isinstance(value, Fraction):
        return {"__number__": encode_number(value)}
    if isinstance(value, float) and not math.isfinite(value):
        return {"__number__": encode_number(value)}
    if isinstance(value, (np.floating, np.integer)):
        return encode_instance(value.item())
    if isinstance(value, Mapping):
        return {str(k): encode_instance(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode_instance(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"instance: {type(value).__name__} values cannot be written to a file")


def decode_instance(data: object) -> object:
    """Inverse of :func:`encode_instance`."""
    if isinstance(data, Mapping):
        if set(data) == {"__array__"}:
            return np.asarray(decode_instance(data["__array__"]))
        if set(data) == {"__number__"}:
            return decode_number(data["__number__"])
        if set(data) == {"__measure__"}:
            m = data["__measure__"]
            assert isinstance(m, Mapping)
            atoms = decode_instance(m["atoms"])
            weights = decode_instance(m["weights"])
            return DiscreteMeasure(_as_array_like(atoms), _as_array_like(weights))
        return {str(k): decode_instance(v) for k, v in data.items()}
    if isinstance(data, list):
        return [decode_instance(v) for v in data]
    return data


def _as_array_like(x: object) -> list[object]:
    if not isinstance(x, list):
        raise ValueError(f"instance: a measure's atoms and weights must be lists, got {type(x).__name__}")
    return x


def dump_instance(claim: str, instance: Mapping[str, object], path: str | Path) -> Path:
    """Write ``{"claim": ..., "instance": ...}`` to ``path`` (JSON); returns the path."""
    path = Path(path)
    path.write_text(json.dumps({"claim": claim, "instance": encode_instance(dict(instance))}, indent=2) + "\n")
    return path


def load_instance(path: str | Path) -> tuple[str, Instance]:
    """Read a file written by :func:`dump_instance`: ``(claim id, instance)``.

    Raises
    ------
    ValueError
        The file is not JSON, or not an instance file (the message names the file).
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"instance: cannot read {path}: {exc}") from exc
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("claim"), str)
        or not isinstance(data.get("instance"), dict)
    ):
        raise ValueError(f"instance: {path} is not an instance file (expected {{'claim': ..., 'instance': {{...}}}})")
    instance = decode_instance(data["instance"])
    assert isinstance(instance, dict)
    return data["claim"], instance


def replay(claim: str, instance: Mapping[str, object]) -> Evidence:
    """Run ``claim``'s space check on one instance (what ``otcheck verify ID --instance FILE`` does)."""
    if claim not in SPACES:
        raise KeyError(f"claim: {claim!r} has no instance space (otcheck.falsify.register_space)")
    return _checked(SPACES[claim], dict(instance))


def _checked(space: Space, instance: Instance) -> Evidence:
    claim = registry.get(space.claim)
    ev = space.check(**instance)
    if not isinstance(ev, Evidence):
        raise TypeError(f"claim {space.claim!r}: its space check returned {type(ev).__name__}, expected Evidence")
    return ev if claim is None or ev.claim == claim.id else Evidence.from_dict({**ev.to_dict(), "claim": claim.id})


# ----------------------------------------------------------------------------------------- runs


@dataclass(frozen=True)
class Outcome:
    """What the search found for one claim.

    Attributes
    ----------
    claim, kind : str
        The claim's id and its kind (one of :data:`otcheck.claims.KINDS`), as registered.
    description : str
        The space searched.
    examples : int
        Instances decided before the search stopped (at a counterexample, the budget, or the end).
    holds, undecided, uncertified, errors : int
        How those instances came out (``uncertified``: a lower layer raised UncertifiedError;
        ``errors``: the check raised something else, the first message is in ``error``).
    refuted : int
        Instances where the float check failed but the space's exact re-check did not confirm it (a float
        artefact of the check, counted apart: neither a pass nor a counterexample).
    counterexample : dict or None
        The smallest failing instance found (shrunk), or None.
    evidence : Evidence or None
        The check's evidence on that instance.
    confirmed_exactly : bool or None
        Whether the space's exact re-check confirms it (None when the space has none).
    confidence : float or None
        For a sampled space, the family-wise level of a reported failure, Bonferroni over the
        instances tried.
    seconds : float
        Wall-clock time of the search (replaying stored counterexamples included); 0 when not searched.
    searched : bool
        False when the claim has no instance space.
    error : str
        The first error message, ``"TypeName: message"``, of the check or of hypothesis itself; empty when none.
    """

    claim: str
    kind: str
    description: str
    examples: int = 0
    holds: int = 0
    undecided: int = 0
    uncertified: int = 0
    errors: int = 0
    counterexample: Instance | None = None
    evidence: Evidence | None = None
    confirmed_exactly: bool | None = None
    confidence: float | None = None
    seconds: float = 0.0
    searched: bool = True
    error: str = ""
    refuted: int = 0

    @property
    def is_failure(self) -> bool:
        """A counterexample to an asserted claim (a proposition) not listed in :data:`KNOWN_FINDINGS`."""
        return (
            self.counterexample is not None
            and self.kind in ("proposition", "trained")
            and self.claim not in KNOWN_FINDINGS
            and self.confirmed_exactly is not False
        )

    @property
    def is_finding(self) -> bool:
        """A counterexample to a step, a conjecture, or a known finding: reported, not fatal."""
        return self.counterexample is not None and not self.is_failure

    def summary(self) -> str:
        """One line."""
        if not self.searched:
            return f"{self.claim}: no instance space declared (not searched)"
        counts = f"{self.holds} hold, {self.undecided} undecided, {self.uncertified} uncertified, {self.errors} errors"
        if self.refuted:
            counts += f", {self.refuted} float failures refuted in exact arithmetic"
        if self.counterexample is None:
            return f"{self.claim}: no counterexample in {self.examples} instances ({counts}; {self.seconds:.1f} s)"
        label = "FAILS" if self.is_failure else "finding"
        return f"{self.claim}: {label} after {self.examples} instances ({counts}): smallest counterexample below"


@dataclass(frozen=True)
class FalsifyReport:
    """The outcomes of :func:`falsify`, one per claim."""

    outcomes: tuple[Outcome, ...]
    examples: int
    seed: int

    @property
    def ok(self) -> bool:
        """No counterexample to an asserted claim (findings and undecided examples are reported, not fatal)."""
        return not any(o.is_failure for o in self.outcomes) and not any(o.errors for o in self.outcomes)

    def to_text(self) -> str:
        """A readable report: one line per claim, then each counterexample with its evidence."""
        out = [o.summary() for o in self.outcomes]
        for o in self.outcomes:
            if o.counterexample is None or o.evidence is None:
                continue
            out += ["", f"{o.claim}: {o.evidence}"]
            for p in o.evidence.failing_parts():
                out.append(f"  failing part: {p}" + (f" - {p.note}" if p.note else ""))
            out.append("  instance: " + json.dumps(encode_instance(o.counterexample)))
            if o.confirmed_exactly is not None:
                out.append(f"  confirmed in exact arithmetic: {o.confirmed_exactly}")
            if o.confidence is not None:
                out.append(f"  sampled: family-wise confidence {o.confidence:.4g} over {o.examples} instances")
            if o.claim in KNOWN_FINDINGS:
                out.append(f"  known finding; what holds instead: {KNOWN_FINDINGS[o.claim]}")
            if o.error:
                out.append(f"  error: {o.error}")
        return "\n".join(out)


def _stored(db: ExampleDatabase | None, key: bytes) -> list[Instance]:
    """The instances saved under ``key`` in hypothesis' example database (unreadable ones skipped)."""
    if db is None:
        return []
    out = []
    for raw in db.fetch(key):
        try:
            value = decode_instance(json.loads(raw.decode()))
        except (ValueError, UnicodeDecodeError, TypeError):
            continue
        if isinstance(value, dict):
            out.append(value)
    return out


class _Counterexample(Exception):
    """Raised inside the hypothesis test on a failing instance, so that hypothesis shrinks it."""


def falsify(
    ids: Iterable[str] | None = None,
    *,
    examples: int = 200,
    max_seconds: float | None = None,
    seed: int = 0,
    database: str | Path | None = DEFAULT_DATABASE,
    kinds: Sequence[str] = ("proposition", "step", "conjecture"),
    progress: bool = False,
) -> FalsifyReport:
    """Search the instance space of each claim for a counterexample.

    Parameters
    ----------
    ids : iterable of str, optional
        Claim ids (default: every claim of ``kinds`` that has an instance space).
    examples : int
        Instances per claim (hypothesis' ``max_examples``), >= 1.
    max_seconds : float, optional
        Time budget per claim: once spent, the remaining examples are skipped (counted out).
    seed : int
        Seeds hypothesis' search: the same seed and versions give the same examples.
    database : path or None
        Hypothesis' example database (failing examples are saved there and replayed first);
        ``None`` for none.
    kinds : sequence of str
        The kinds searched when ``ids`` is omitted.
    progress : bool
        A tqdm bar over the claims.

    Returns
    -------
    FalsifyReport
        One outcome per claim, in the order searched (a claim without an instance space as not searched), with
        ``examples`` and ``seed``; ``ok`` is false when an asserted claim has a counterexample or a search
        raised.
    """
    from hypothesis.database import DirectoryBasedExampleDatabase

    if isinstance(examples, bool) or not isinstance(examples, int) or examples < 1:
        raise ValueError(f"examples: expected an integer >= 1, got {examples!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed: expected an integer >= 0, got {seed!r}")
    if max_seconds is not None and (isinstance(max_seconds, bool) or not max_seconds > 0):
        raise ValueError(f"max_seconds: expected a positive number, got {max_seconds!r}")
    if ids is None:
        chosen = [cid for cid, c in registry.items() if c.kind in kinds and cid in SPACES]
    else:
        chosen = [ids] if isinstance(ids, str) else list(ids)
        unknown = [cid for cid in chosen if cid not in registry]
        if unknown:
            raise KeyError(f"ids: unknown claim(s) {unknown}; known: {sorted(registry)}")
    db = DirectoryBasedExampleDatabase(str(database)) if database is not None else None
    outcomes = []
    it: Iterable[str] = chosen
    if progress:
        from tqdm.auto import tqdm

        it = tqdm(chosen, desc="falsify", unit="claim")
    for cid in it:
        claim = registry[cid]
        if cid not in SPACES:
            outcomes.append(Outcome(cid, claim.kind, "", searched=False))
            continue
        outcomes.append(_search(claim, SPACES[cid], examples, max_seconds, seed, db))
    return FalsifyReport(tuple(outcomes), examples, seed)


def _search(
    claim: Claim, space: Space, examples: int, max_seconds: float | None, seed: int, db: ExampleDatabase | None
) -> Outcome:
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hyp_seed

    counts = {"examples": 0, HOLDS: 0, UNDECIDED: 0, "uncertified": 0, "errors": 0, "refuted": 0}
    state: dict[str, object] = {"failing": None, "evidence": None, "found": False, "error": ""}
    t0 = time.perf_counter()

    def probe(instance: Instance) -> None:
        if max_seconds is not None and time.perf_counter() - t0 > max_seconds and not state["found"]:
            return  # over budget: the rest is skipped (hypothesis still counts the call)
        try:
            ev = _checked(space, instance)
        except UncertifiedError:
            if not state["found"]:
                counts["examples"] += 1
                counts["uncertified"] += 1
            return
        except Exception as exc:  # noqa: BLE001 - counted and reported, never a pass
            if not state["found"]:
                counts["examples"] += 1
                counts["errors"] += 1
                state["error"] = state["error"] or f"{type(exc).__name__}: {exc}"
            return
        if not state["found"]:
            counts["examples"] += 1
        if ev.verdict == FAILS and not _confirmed(space, instance):
            if not state["found"]:
                counts["refuted"] += 1
            return
        if ev.verdict == FAILS:
            state["found"] = True
            state["failing"], state["evidence"] = dict(instance), ev  # the last one is hypothesis' smallest
            raise _Counterexample(claim.id)
        if not state["found"]:
            counts[ev.verdict] += 1

    # the claim id keys hypothesis' example database (the probe's source is the same for every claim)
    setattr(probe, "_hypothesis_internal_add_digest", claim.id.encode())  # noqa: B010
    test = given(space.strategy)(probe)
    test = settings(
        max_examples=examples,
        deadline=None,
        database=db,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    )(test)
    test = hyp_seed(seed)(test)
    key = b"otcheck-falsify:" + claim.id.encode()
    for stored in _stored(db, key):  # counterexamples found before replay first
        try:
            probe(stored)
        except _Counterexample:
            break
        except Exception:  # noqa: BLE001 - a stored instance the claim no longer accepts: searched anew
            continue
    if not state["found"]:
        try:
            test()  # hypothesis' search, seeded (so it does not write the database itself)
        except _Counterexample:
            pass
        except Exception as exc:  # noqa: BLE001 - hypothesis' own errors (e.g. the strategy cannot draw)
            counts["errors"] += 1
            state["error"] = state["error"] or f"{type(exc).__name__}: {exc}"
        if isinstance(state["failing"], dict) and db is not None:
            db.save(key, json.dumps(encode_instance(state["failing"])).encode())
    failing = state["failing"]
    evidence = state["evidence"]
    confirmed = None
    if isinstance(failing, dict) and space.exact is not None:
        try:
            confirmed = space.exact(**failing).verdict == FAILS
        except Exception:  # noqa: BLE001 - no exact re-check possible on this instance
            confirmed = None
    confidence = None
    if failing is not None and space.sampled and isinstance(evidence, Evidence) and evidence.confidence:
        confidence = max(0.0, 1.0 - (1.0 - evidence.confidence) * max(counts["examples"], 1))
    return Outcome(
        claim.id,
        claim.kind,
        space.description,
        counts["examples"],
        counts[HOLDS],
        counts[UNDECIDED],
        counts["uncertified"],
        counts["errors"],
        failing if isinstance(failing, dict) else None,
        evidence if isinstance(evidence, Evidence) else None,
        confirmed,
        confidence,
        time.perf_counter() - t0,
        True,
        str(state["error"]),
        counts["refuted"],
    )


def _confirmed(space: Space, instance: Instance) -> bool:
    """Whether a float failure stands: True without an exact re-check, or where it does not apply (raises
    anything); else whether the exact re-check fails too."""
    if space.exact is None:
        return True
    try:
        return space.exact(**instance).verdict == FAILS
    except Exception:  # noqa: BLE001 - no exact re-check on this instance (irrational costs, ...): it stands
        return True


# The instance spaces of the paper's claims (registration order is irrelevant; they key on the id).
from . import spaces_2_3, spaces_4_a  # noqa: E402,F401
