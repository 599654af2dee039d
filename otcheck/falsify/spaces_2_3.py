"""Instance spaces of the claims of sections 2 and 3 (see :func:`otcheck.falsify.register_space`)."""

from __future__ import annotations
