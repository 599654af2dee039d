"""Instance spaces of the claims of section 4 and the appendix (see :func:`otcheck.falsify.register_space`)."""

from __future__ import annotations
