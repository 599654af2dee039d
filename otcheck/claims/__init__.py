"""The claims of the paper, one registered check per claim id (the table of ids: ``docs/claims.rst``; layer 5).

``registry`` maps a claim id to its :class:`Claim`; ``Claim.check(seed=0, **sizes)`` returns
:class:`Evidence`. Importing this package registers every claim, in paper order (the trained ones
load torch, through :mod:`otcheck.models`, only when run).

The engine: :mod:`._decide <otcheck.claims._decide>` (the decision rule :func:`decide`, :func:`combine`),
:mod:`._evidence <otcheck.claims._evidence>` (:class:`Evidence`, :class:`Recorder`, :func:`jsonable`;
it re-exports the decision rule), :mod:`._registry <otcheck.claims._registry>`
(:class:`Claim`, :data:`registry`, :func:`register`) and :mod:`._report <otcheck.claims._report>`
(:func:`verify`, :class:`Report`). The claims, one module per part of the paper:

================================ =================================================================
module                           claims
================================ =================================================================
``section2``                     kr-duality, gan-js-bound, wgan-lower-bound, vae-upper-bound
``section3_1``                   lemma6, lemma6-footnote2, theorem1
``section3_2``                   relaxation-bound, penalty-constraint, pot-objective
``section3_2_decoders``          corollary7, remark1
``section4_1``                   lemma8, prop2
``section4_1_autoencoders``      aae-equals-pot, aae-limits, vae-blur, avb-optimal-encoder,
                                 pot-no-overlap
``section4_2``                   w1-primal-dual, prop3, primal-imperfect-posterior
``appendix_a``                   prop4, prop5
``appendix_b``                   theorem1-proof, corollary7-proof, lemma8-proof
``appendix_a_proofs``            prop4-proof, prop5-proof
``trained``, ``trained_samples`` the trained claims (``otcheck verify --trained``)
================================ =================================================================

Private helpers: ``_common`` (bounds of the numbers a check computes itself, recording helpers),
``_instances`` (seeded instances and argument checks), ``_objectives`` (the auto-encoder
objectives as bounds), ``_theorem1_sampled``, ``_prop3`` and ``_search`` (beside the claims that
use them).
"""

from ._evidence import (
    FAILS,
    HOLDS,
    RELATIONS,
    UNDECIDED,
    Evidence,
    Recorder,
    combine,
    decide,
    decide_interval,
    jsonable,
)
from ._registry import KINDS, Claim, register, registry, same_function
from ._report import SEED_RULE, Report, environment, latex_escape, verify

# Registration happens on import, in paper order (the order of the README's claim table): keep this order.
# isort: off
from . import section2, section3_1, section3_2, section3_2_decoders  # noqa: E402,F401
from . import section4_1, section4_1_autoencoders, section4_2  # noqa: E402,F401
from . import appendix_a, appendix_b, appendix_a_proofs  # noqa: E402,F401
from . import trained, trained_samples, trained_lambda_path  # noqa: E402,F401
# isort: on

__all__ = [
    "Claim",
    "Evidence",
    "Recorder",
    "Report",
    "registry",
    "register",
    "verify",
    "environment",
    "latex_escape",
    "same_function",
    "SEED_RULE",
    "decide",
    "decide_interval",
    "combine",
    "jsonable",
    "HOLDS",
    "FAILS",
    "UNDECIDED",
    "KINDS",
    "RELATIONS",
]
