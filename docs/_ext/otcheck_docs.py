"""Sphinx extension generating the API and claims pages of the otcheck docs.

At ``builder-inited`` it writes two reST fragments under ``docs/_generated/`` (included by
``api.rst`` and ``claims.rst``):

``api.rst``
    One section per public module, one ``auto*`` directive per name of the module's ``__all__``:
    the planned modules first (:data:`PLANNED_MODULES`, reading order), then every other public
    module found by walking the package (:func:`discovered_modules`; no hand-kept list decides
    what is documented). A name already documented under an earlier module (the same object re-exported)
    is listed as a link to that entry instead of being documented twice. A planned module that
    cannot be imported is left out with a log message, or is an error when the environment
    variable ``OTCHECK_DOCS_STRICT=1`` is set (the test suite sets it).
``claims.rst``
    Every claim of ``otcheck.claims.registry``, grouped by paper section: id, kind, paper
    location, relation, statement and how it is checked.

Files are rewritten only when their text changes, so incremental builds stay incremental.
"""

from __future__ import annotations

import importlib
import inspect
import os
import re
import string
import traceback

from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

#: The public modules the API page documents, in reading order: (module, one-line role).
PLANNED_MODULES = (
    ("otcheck", "The top-level names: measures, costs, certified exact OT, claims verification."),
    ("otcheck.bounds", "Layer 0: the one certified-number type, Bound (proof, confidence or estimate)."),
    ("otcheck.exact", "Layer 2: exact discrete optimal transport, every engine's result certified; the W_1 dual LP."),
    ("otcheck.strategies", "Hypothesis strategies for property-based proof checks."),
    ("otcheck.divergences", "Layer 3: divergences between discrete laws and MMD estimators."),
    ("otcheck.closed_forms", "Layer 3: closed forms (Gaussian W2, 1-D quantile W_p)."),
    ("otcheck.relaxed", "Layer 3: the relaxed objective of eq. 12, solved exactly."),
    ("otcheck.gaussian", "Layer 3: Gaussian decoders and Gaussian mixtures."),
    (
        "otcheck.autoencoders",
        "Layer 3: section 4.1 on discrete instances: encoders, decoders, the VAE, AVB, AAE "
        "and POT objectives, the linear decoder of Prop. 2.",
    ),
    ("otcheck.claims", "Layer 4: the claims engine and the registry of the paper's claims."),
    ("otcheck.models", "Layer 5: small torch models, objectives and a trainer."),
    ("otcheck.figures", "Front end: one function per figure."),
)

#: Documented when importable, never required.
OPTIONAL_MODULES = ()


def discovered_modules(package="otcheck"):
    """Every public module of ``package`` not in :data:`PLANNED_MODULES`: no component of its name
    starts with ``_``, it exports names (``__all__``) and it is not a deprecated alias (a module
    whose docstring starts with "Deprecated"), and not a module of ``otcheck.claims`` (each of its
    checks is documented with its claim, on the claims page). Sorted by name; role = its
    docstring's first paragraph."""
    import pkgutil

    root = importlib.import_module(package)
    planned = {m for m, _ in PLANNED_MODULES}
    out = []
    for info in pkgutil.walk_packages(root.__path__, package + ".", onerror=lambda name: None):
        name = info.name
        if name in planned or any(part.startswith("_") for part in name.split(".")):
            continue
        if name.startswith("otcheck.claims."):  # each check is documented with its claim, on the claims page
            continue
        try:
            module = importlib.import_module(name)
        except Exception:  # noqa: BLE001 - reported by api_rst when it tries again
            out.append((name, ""))
            continue
        doc = (module.__doc__ or "").strip()
        if not getattr(module, "__all__", None) or doc.lower().startswith("deprecated"):
            continue
        first = doc.split("\n\n")[0].replace("\n", " ").strip()
        out.append((name, first))
    return tuple(sorted(out))


SECTION_TITLES = {
    "2": "Section 2: preliminaries",
    "3": "Section 3: main results",
    "4": "Section 4: implications",
    "A": "Appendix A",
    "B": "Appendix B (proof steps)",
    "": "Other claims",
}

KIND_TEXT = {
    "proposition": "asserted by the paper; a failure makes ``otcheck verify`` exit non-zero",
    "step": "a displayed proof step; a failure is reported as a finding, not fatal",
    "conjecture": "explored, never asserted",
    "trained": "measured on trained torch models; run with ``otcheck verify --trained``",
}

_PUNCT = re.compile("([" + re.escape(string.punctuation) + "])")


def strict():
    """True when ``OTCHECK_DOCS_STRICT`` asks for every planned module to be documented."""
    return os.environ.get("OTCHECK_DOCS_STRICT", "").strip().lower() in ("1", "true", "yes")


def escape(text):
    """Plain text as reST that renders literally (every punctuation character escaped)."""
    return _PUNCT.sub(r"\\\1", " ".join(str(text).split()))


def as_rst(text):
    """``how`` texts come from docstrings (reST) or are plain; keep reST, escape plain text."""
    text = " ".join(line.strip() for line in str(text).strip().splitlines())
    if "`" in text:
        return text
    return escape(text)


def heading(title, char):
    return [title, char * max(len(title), 3), ""]


def public_names(module):
    """``__all__`` of the module, or its public names defined there when it has none."""
    names = getattr(module, "__all__", None)
    if names is not None:
        return list(names)
    return [
        n
        for n, obj in vars(module).items()
        if not n.startswith("_") and getattr(obj, "__module__", None) == module.__name__ and not inspect.ismodule(obj)
    ]


def directive_for(obj):
    if inspect.isclass(obj):
        return "autoexception" if issubclass(obj, BaseException) else "autoclass"
    if inspect.isroutine(obj) or callable(obj):
        return "autofunction"
    return "autodata"


def api_rst():
    """The text of ``_generated/api.rst`` and the modules left out (name, reason)."""
    out, missing, seen = [], [], {}
    for modname, role, required in (
        [(m, r, True) for m, r in PLANNED_MODULES]
        + [(m, r, True) for m, r in discovered_modules()]
        + [(m, r, False) for m, r in OPTIONAL_MODULES]
    ):
        try:
            module = importlib.import_module(modname)
        except Exception as exc:  # noqa: BLE001 - any import failure leaves the module out
            if required:
                missing.append((modname, f"{type(exc).__name__}: {exc}"))
                logger.info(f"[otcheck_docs] {modname} not importable, left out of the API page: {exc}")
            continue
        out += [f".. _api-{modname}:", ""]
        out += heading(f"``{modname}``", "-")
        out += [escape(role), "", f".. automodule:: {modname}", "   :no-members:"]
        if modname in seen.values():  # e.g. the module otcheck.models.train beside the function of that name
            out.append("   :no-index:")
        out.append("")
        again = []
        for name in public_names(module):
            if not hasattr(module, name):
                raise ExtensionError(f"otcheck_docs: {modname}.__all__ lists {name!r}, which is not defined")
            obj = getattr(module, name)
            if inspect.ismodule(obj):
                out += [f"- ``{modname}.{name}``: the module :mod:`{obj.__name__}`", ""]
                continue
            key = id(obj)
            if key in seen and not isinstance(obj, (int, float, str, bool, tuple)):
                again.append(f":obj:`{modname}.{name} <{seen[key]}>`")
                continue
            seen[key] = f"{modname}.{name}"
            kind = directive_for(obj)
            out.append(f".. {kind}:: {modname}.{name}")
            if kind in ("autoclass", "autoexception"):
                out.append("   :members:")
            if kind == "autodata" and (isinstance(obj, dict) or len(repr(obj)) > 60):
                out.append("   :no-value:")
            out.append("")
        if again:
            out += ["Also here (documented above): " + ", ".join(again) + ".", ""]
    return "\n".join(out) + "\n", missing


def claims_rst():
    """The text of ``_generated/claims.rst``: the registry, grouped by paper section."""
    from otcheck.claims import registry

    claims = list(registry.values())
    out = []
    if not claims:
        return "No claim is registered in this version of otcheck.\n", 0
    out += [
        ".. list-table:: Every registered claim",
        "   :header-rows: 1",
        "   :widths: 22 14 30 12",
        "",
        "   * - id",
        "     - kind",
        "     - paper location",
        "     - relation",
    ]
    for c in claims:
        out += [
            f"   * - :ref:`{c.id} <{label(c.id)}>`",
            f"     - {c.kind}",
            f"     - {escape(c.location) or '—'}",
            f"     - ``{c.relation}``",
        ]
    out.append("")
    sections = []
    for c in claims:
        if c.section not in sections:
            sections.append(c.section)
    for sec in sections:
        out += heading(SECTION_TITLES.get(sec, f"Section {sec}"), "-")
        for c in (c for c in claims if c.section == sec):
            out += [f".. _{label(c.id)}:", ""]
            out += heading(f"``{c.id}``", "~")
            out += [
                f":Statement: {escape(c.statement)}",
                f":Paper location: {escape(c.location) or '—'}",
                f":Relation: ``{c.relation}``",
                *([f":Reading tested: {escape(c.reading)}"] if getattr(c, "reading", "") else []),
                f":Kind: {c.kind} ({KIND_TEXT.get(c.kind, '')})",
                f":How it is checked: {as_rst(c.how) or '—'}",
                f":Run it: ``otcheck verify {c.id}``" + (" ``--trained``" if c.kind == "trained" else ""),
                "",
            ]
    return "\n".join(out) + "\n", len(claims)


def label(claim_id):
    return "claim-" + re.sub(r"[^a-z0-9]+", "-", claim_id.lower()).strip("-")


def write_if_changed(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    try:
        with open(path, encoding="utf-8") as fh:
            if fh.read() == text:
                return
    except FileNotFoundError:
        pass
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


def generate(app):
    gen = os.path.join(app.srcdir, "_generated")
    text, missing = api_rst()
    if missing and strict():
        lines = "\n".join(f"  {m}: {why}" for m, why in missing)
        raise ExtensionError(
            f"otcheck_docs: OTCHECK_DOCS_STRICT=1 and planned public module(s) cannot be imported:\n{lines}"
        )
    write_if_changed(os.path.join(gen, "api.rst"), text)
    try:
        text, count = claims_rst()
    except Exception as exc:
        raise ExtensionError(
            "otcheck_docs: could not read otcheck.claims.registry:\n" + traceback.format_exc()
        ) from exc
    write_if_changed(os.path.join(gen, "claims.rst"), text)
    logger.info(
        f"[otcheck_docs] API page: {len(PLANNED_MODULES) - len(missing)} planned modules; claims page: {count} claims"
    )


def setup(app):
    app.connect("builder-inited", generate)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
