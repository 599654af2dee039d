"""Sphinx configuration of the otcheck documentation.

Build with ``sphinx-build -W -b html docs docs/_build/html``. Two pages are generated at build
time by the local extension ``_ext/otcheck_docs.py``: the API reference (from each public
module's ``__all__``) and the claims page (from ``otcheck.claims.registry``). Set
``OTCHECK_DOCS_STRICT=1`` to make a planned public module that cannot be imported an error
(the test suite does); otherwise it is left out of the API page with a log message.

Two more parts are built from files outside ``docs/``:

- the notebooks of ``notebooks/`` are copied to ``docs/notebooks/`` and rendered by ``myst-nb``.
  They are stored without outputs, so by default myst-nb executes them during the build
  (``nb_execution_mode = "auto"``, an error in a cell fails the build). When the environment
  variable ``OTCHECK_EXECUTED_NOTEBOOKS`` names a directory of already executed copies (the test
  suite executes each notebook once, tests/test_notebooks.py, and passes them here), those are
  copied instead and nothing is executed again (``"off"``);
- the figure gallery: ``sphinx-gallery`` runs each ``docs/gallery/plot_*.py`` (one per figure of
  :data:`otcheck.figures.FIGURES`, drawn small) and shows its figures, collected from the
  example's variables by the scraper of ``_ext/otcheck_gallery.py`` (they are built without pyplot).
"""

import filecmp
import os
import shutil
import sys

sys.path.insert(0, os.path.abspath("_ext"))

import otcheck  # noqa: E402  (the docs document the installed package)

project = "otcheck"
author = "otcheck developers"
copyright = "2026, otcheck developers"
version = release = otcheck.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_nb",
    "sphinx_gallery.gen_gallery",
    "otcheck_docs",
]

root_doc = "index"
source_suffix = {".rst": "restructuredtext", ".ipynb": "myst-nb"}
exclude_patterns = [
    "_build",
    "_generated",
    "Thumbs.db",
    ".DS_Store",
    "auto_examples/*.ipynb",
    "gallery",  # the gallery's sources: sphinx-gallery turns them into auto_examples/
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "auto_examples/*.json",
    "auto_examples/*.md5",
]
templates_path = []
html_static_path = []
html_theme = "alabaster"
html_title = "otcheck"

# autodoc: document what a module's ``__all__`` exports, in source order, without values of
# long data (the registry is a dict of every claim).
autodoc_member_order = "bysource"
autodoc_default_options = {"show-inheritance": True}
autodoc_typehints = "none"  # signatures in the docstrings' Parameters sections say it better
add_module_names = True

# numpydoc: the Attributes/Parameters sections are the reference; listing every member of a
# class again in an autosummary table is noise (and needs stub pages).
numpydoc_show_class_members = False
numpydoc_show_inherited_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

nitpicky = False

# Claim statements use ' as a prime and "..." verbatim: no typographic quotes.
smartquotes = False

# The doctests of the .rst pages run in tests/test_docs.py (doctest.testfile), not here.

# ------------------------------------------------------------------------------------ notebooks
HERE = os.path.dirname(os.path.abspath(__file__))
NOTEBOOKS = os.path.join(os.path.dirname(HERE), "notebooks")
_executed = os.environ.get("OTCHECK_EXECUTED_NOTEBOOKS", "").strip()
_source = _executed or NOTEBOOKS
os.makedirs(os.path.join(HERE, "notebooks"), exist_ok=True)
for _name in sorted(os.listdir(NOTEBOOKS)):
    if _name.endswith(".ipynb"):
        _src, _dst = os.path.join(_source, _name), os.path.join(HERE, "notebooks", _name)
        if not os.path.exists(_dst) or not filecmp.cmp(_src, _dst, shallow=False):
            shutil.copyfile(_src, _dst)  # unchanged copies keep their mtime: incremental builds stay incremental

myst_enable_extensions = ["dollarmath", "amsmath"]
nb_execution_mode = "off" if _executed else "auto"
nb_execution_timeout = 180
nb_execution_raise_on_error = True
nb_merge_streams = True
# Sliders (ipywidgets) are live only in Jupyter: their static figure is drawn before them.
nb_mime_priority_overrides = [("html", "application/vnd.jupyter.widget-view+json", None)]
suppress_warnings = ["mystnb.unknown_mime_type"]


# -------------------------------------------------------------------------------------- gallery
sphinx_gallery_conf = {
    "examples_dirs": os.path.join(HERE, "gallery"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "image_scrapers": ("otcheck_gallery",),  # _ext/otcheck_gallery.py
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "show_memory": False,
    "plot_gallery": "True",
}
