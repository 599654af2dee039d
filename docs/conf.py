"""Sphinx configuration of the otcheck documentation.

Build with ``sphinx-build -W -b html docs docs/_build/html``. Two pages are generated at build
time by the local extension ``_ext/otcheck_docs.py``: the API reference (from each public
module's ``__all__``) and the claims page (from ``otcheck.claims.registry``). Set
``OTCHECK_DOCS_STRICT=1`` to make a planned public module that cannot be imported an error
(the test suite does); otherwise it is left out of the API page with a log message.
"""

import os
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
    "otcheck_docs",
]

root_doc = "index"
source_suffix = {".rst": "restructuredtext"}
exclude_patterns = ["_build", "_generated", "Thumbs.db", ".DS_Store"]
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
