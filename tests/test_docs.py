"""The Sphinx documentation builds with -W, documents every public name and every claim, and the
examples of its pages run.

The build runs once per session in a subprocess with ``OTCHECK_DOCS_STRICT=1``: a planned public
module that cannot be imported is then an error, not a silently shorter API page.
"""

import doctest
import html as html_module
import importlib
import importlib.util
import inspect
import os
import pkgutil
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from members import public_methods

import otcheck
from otcheck.claims import registry

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _load_extension():
    spec = importlib.util.spec_from_file_location("otcheck_docs_ext", DOCS / "_ext" / "otcheck_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ext = _load_extension()


@pytest.fixture(scope="module")
def html(request, tmp_path_factory):
    """Build the HTML docs once: ``sphinx-build -W -q -j 1 -b html docs OUT``.

    The notebooks are rendered from the copies tests/test_notebooks.py executed (once per
    session): the build does not execute them again (``OTCHECK_EXECUTED_NOTEBOOKS``).
    """
    from test_notebooks import executed_notebooks

    executed = executed_notebooks(request.config, tmp_path_factory)["directory"]
    out = tmp_path_factory.mktemp("html")
    env = dict(os.environ, OTCHECK_DOCS_STRICT="1", MPLBACKEND="Agg", OTCHECK_EXECUTED_NOTEBOOKS=str(executed))
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-j", "1", "-b", "html", str(DOCS), str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, f"sphinx-build -W failed:\n{proc.stdout}\n{proc.stderr}"
    return out


def _page(out, name):
    return (out / f"{name}.html").read_text(encoding="utf-8")


def test_build_passes_with_warnings_as_errors(html):
    for page in ("index", "quickstart", "certificates", "claims", "user_claims", "api", "figures", "notebooks"):
        assert (html / f"{page}.html").is_file(), page


def test_api_page_documents_every_top_level_name(html):
    api = _page(html, "api")
    missing = [name for name in otcheck.__all__ if f'id="otcheck.{name}"' not in api]
    assert not missing, f"otcheck.__all__ names without an API entry: {missing}"


def test_api_page_documents_every_planned_module_and_name(html):
    api = _page(html, "api")
    missing = []
    modules = list(ext.PLANNED_MODULES) + list(ext.discovered_modules())
    assert "otcheck.falsify" in dict(modules) and "otcheck.cli" in dict(modules)  # found, not listed by hand
    for modname, _ in modules:
        module = importlib.import_module(modname)  # strict build passed, so each one imports
        assert f'id="{modname.replace(".", "-")}"' in api or f'id="module-{modname}"' in api, modname
        for name in ext.public_names(module):
            full = f"{modname}.{name}"
            # Documented here, or listed here as a link to where the same object is documented.
            if f'id="{full}"' not in api and f">{full}<" not in api:
                missing.append(full)
    assert not missing, f"public names without an API entry: {missing}"


def test_claims_page_lists_every_registered_claim(html):
    page = html_module.unescape(_page(html, "claims"))
    ours = [c for c in registry.values() if c.check.__module__.startswith("otcheck.")]
    assert ours, "no claim registered by otcheck itself"
    missing = [c.id for c in ours if f'id="{ext.label(c.id)}"' not in page]
    assert not missing, f"registered claims missing from the claims page: {missing}"
    for c in ours:  # shown verbatim: statement and paper location
        for text in (c.statement, c.location):
            assert " ".join(text.split()) in page, (c.id, text)


def test_missing_planned_module_is_an_error_only_when_strict(monkeypatch, tmp_path):
    monkeypatch.setattr(ext, "PLANNED_MODULES", (("otcheck", "top"), ("otcheck._no_such_module", "planned")))
    text, missing = ext.api_rst()
    assert [m for m, _ in missing] == ["otcheck._no_such_module"]
    assert "otcheck.DiscreteMeasure" in text and "_no_such_module" not in text

    class App:
        srcdir = str(tmp_path)

    monkeypatch.setenv("OTCHECK_DOCS_STRICT", "1")
    with pytest.raises(Exception, match="_no_such_module"):
        ext.generate(App())
    monkeypatch.setenv("OTCHECK_DOCS_STRICT", "0")
    ext.generate(App())
    assert (tmp_path / "_generated" / "api.rst").is_file()
    assert (tmp_path / "_generated" / "claims.rst").is_file()


def test_claim_text_is_escaped_to_render_literally():
    from docutils.core import publish_doctree

    raw = "W_c(P_X, P_G) <= ||x - y||^2 * `lam` | E_[Q] |x|_ :math: -"
    tree = publish_doctree(ext.escape(raw), settings_overrides={"report_level": 5, "halt_level": 5})
    assert tree.astext() == raw
    assert not [n for n in tree.findall() if n.tagname == "system_message"]


@pytest.mark.parametrize("page", ["quickstart.rst", "certificates.rst", "user_claims.rst"])
def test_examples_of_the_pages_run(page):
    before = set(registry)
    try:
        result = doctest.testfile(
            str(DOCS / page),
            module_relative=False,
            report=False,
            verbose=False,
            optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        )
    finally:
        for cid in set(registry) - before:  # user_claims.rst registers examples
            del registry[cid]
    assert result.attempted > 0
    assert result.failed == 0, f"{result.failed} example(s) of docs/{page} failed (run it with doctest -v)"


def test_api_entries_show_signatures(html):
    api = _page(html, "api")
    for name, params in (("otcheck.figures.save", ("names", "fmt", "width")), ("otcheck.solve_ot", ("a", "b", "C"))):
        start = api.index(f'id="{name}"')
        sig = api[start : api.index("</dt>", start)]
        for p in params:
            assert f'<span class="pre">{p}</span>' in sig, (name, p)


def test_discovery_skips_private_claims_and_deprecated_modules():
    found = dict(ext.discovered_modules())
    assert not [m for m in found if any(part.startswith("_") for part in m.split("."))]
    assert "otcheck.witnesses" not in found  # a deprecated alias
    assert not [m for m in found if m.startswith("otcheck.claims.")]
    assert not set(found) & {m for m, _ in ext.PLANNED_MODULES}


def test_gallery_shows_every_built_in_figure(html):
    from otcheck import figures

    examples = Path(__file__).resolve().parents[1] / "docs" / "gallery"
    sources = {p.name: p.read_text() for p in examples.glob("plot_*.py")}
    for name, func in figures.FIGURES.items():
        using = [f for f, text in sources.items() if f"figures.{func.__name__}(" in text]
        assert using, f"no gallery example draws {name} ({func.__name__})"
        page = html / "auto_examples" / using[0].replace(".py", ".html")
        assert re.search(r'<img [^>]*class\s*=\s*"sphx-glr-single-img"', page.read_text(encoding="utf-8")), page
    index = (html / "auto_examples" / "index.html").read_text(encoding="utf-8")
    assert index.count("sphx-glr-thumbcontainer") >= len(figures.FIGURES)


def test_notebooks_are_rendered_with_their_outputs(html):
    for name in ("01_certified_exact_ot", "02_sections_2_3", "03_section_4_appendix", "04_trained_model",
                 "05_your_own_claims"):  # fmt: skip
        page = (html / "notebooks" / f"{name}.html").read_text(encoding="utf-8")
        assert "cell_output" in page, name  # executed copies, not the stored empty ones
    assert "<img" in (html / "notebooks" / "03_section_4_appendix.html").read_text(encoding="utf-8")


def _modules():
    """Every module of otcheck, private ones included (their public functions are re-exported or used by
    the CLI), except deprecated aliases (a module whose docstring starts with "Deprecated")."""
    for info in pkgutil.walk_packages(otcheck.__path__, "otcheck."):
        module = importlib.import_module(info.name)
        if not (module.__doc__ or "").strip().lower().startswith("deprecated"):
            yield module


def _with_members(obj):
    """``obj``, and for a class its public methods, properties, class and static methods (and ``__init__``,
    ``__call__``), as the annotation check of tests/test_lint.py walks them."""
    yield obj
    if inspect.isclass(obj):
        yield from (member for _, member in public_methods(obj))


def _documented_objects():
    """``(qualified name, object)`` for every function and class otcheck defines under a public name, every
    name of a module's ``__all__`` and their methods, each once (docstrings as rendered: ``fill_doc`` has run
    at import)."""
    seen = set()
    for module in _modules():
        defined = [
            obj
            for name, obj in vars(module).items()
            if not name.startswith("_") and getattr(obj, "__module__", None) == module.__name__
        ]
        for obj in [getattr(module, name) for name in getattr(module, "__all__", ())] + defined:
            if not (inspect.isclass(obj) or inspect.isfunction(obj)) or not obj.__module__.startswith("otcheck"):
                continue
            for member in _with_members(obj):
                if id(member) not in seen:
                    seen.add(id(member))
                    yield f"{member.__module__}.{member.__qualname__}", member


def _undescribed(doc, sections):
    """The entries of the given sections of a numpy-style docstring that have no description, as
    ``"Returns: float"`` or ``"Parameters: a, b"``; a docstring numpydoc cannot parse is one entry too."""
    from numpydoc.docscrape import NumpyDocString

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unknown section names: not this check's business
        try:
            parsed = NumpyDocString(inspect.cleandoc(doc))
        except Exception as exc:  # noqa: BLE001 - reported as a finding, with the parser's message
            return [f"numpydoc cannot parse it: {exc}"]
    return [
        f"{section}: {entry.name or entry.type}"
        for section in sections
        for entry in parsed[section]
        if not "".join(entry.desc).strip()
    ]


def _undescribed_returns(doc):
    """The entries of the Returns and Yields sections without a description (numpydoc's rule RT03)."""
    return _undescribed(doc, ("Returns", "Yields"))


def _undescribed_parameters(doc):
    """The entries of the Parameters, Other Parameters and Attributes sections without a description
    (numpydoc's rule PR07, and its equivalent for attributes). An entry that groups names (``a, b : ndarray``)
    needs one description for the group; prose left after the last entry of a section parses as entries
    without a description, so it is reported too (it belongs before the section)."""
    return _undescribed(doc, ("Parameters", "Other Parameters", "Attributes"))


def test_undescribed_returns_finds_entries_without_description():
    doc = """Summary.

    Returns
    -------
    mean, half : float
    count : int
        How many.
    """
    assert _undescribed_returns(doc) == ["Returns: mean, half"]
    assert _undescribed_returns("Summary.\n\nYields\n------\ndict\n") == ["Yields: dict"]
    assert _undescribed_returns("Summary.\n\nReturns\n-------\nfloat\n    W_2^2, >= 0.\n") == []


def test_undescribed_parameters_finds_entries_without_description():
    doc = """Summary.

    Parameters
    ----------
    a, b : ndarray
        Both weights.
    cost : {"sqeuclidean", "euclidean"}

    Other Parameters
    ----------------
    seed : int

    Attributes
    ----------
    A : ndarray, shape (d, k)
    sigma2 : float
        The variance.
    """
    assert _undescribed_parameters(doc) == ["Parameters: cost", "Other Parameters: seed", "Attributes: A"]
    trailing = "Summary.\n\nAttributes\n----------\nx : float\n    A value.\n\nProse after the entries.\n"
    assert _undescribed_parameters(trailing) == ["Attributes: Prose after the entries."]
    assert _undescribed_parameters("Summary.\n\nParameters\n----------\nx : float\n    >= 0.\n") == []


@pytest.mark.parametrize(
    ("find", "what"),
    [(_undescribed_returns, "Returns/Yields"), (_undescribed_parameters, "Parameters/Attributes")],
    ids=["returns-yields", "parameters-attributes"],
)
def test_every_entry_says_what_the_value_is(find, what):
    """numpydoc RT03 and PR07 (and the same for Attributes): under each entry of a Returns, Yields,
    Parameters, Other Parameters or Attributes section, a line (indented 4 more) that says what the value
    is, not only its name and type."""
    bad, count = [], 0
    for where, obj in _documented_objects():
        if obj.__doc__:
            count += 1
            bad += [f"{where}: {entry}" for entry in find(obj.__doc__)]
    assert count > 300, count  # the walk reached the package
    assert not bad, f"{len(bad)} {what} entries without a description:\n" + "\n".join(bad)
