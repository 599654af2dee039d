"""The claims of the paper, one registered check per id of CLAIMS.md (layer 4).

``registry`` maps a claim id to its :class:`Claim`; ``Claim.check(seed=0, **sizes)`` returns
:class:`Evidence`. Importing this package registers every claim (the trained ones load torch, through
:mod:`otcheck.models`, only when run).
"""

from ._engine import (FAILS, HOLDS, KINDS, RELATIONS, UNDECIDED, Claim, Evidence, Recorder, Report, combine, decide,
                      decide_interval, register, registry, verify)

# Registration happens on import, in paper order.
from . import section2, section3, section4, appendix, trained  # noqa: E402,F401

__all__ = ["Claim", "Evidence", "Recorder", "Report", "registry", "register", "verify", "decide", "decide_interval",
           "combine", "HOLDS", "FAILS", "UNDECIDED", "KINDS", "RELATIONS"]
