"""Write ``explore.ipynb`` (cells only, no outputs) with nbformat.

Run ``python notebooks/make_explore.py`` after editing the cells below; tests/test_notebooks.py
executes the notebook and checks its outputs.
"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

CELLS = [
    new_markdown_cell("""\
# Exploring otcheck

A short tour: a certified optimal transport problem, Theorem 1 of the VEGAN cookbook on a small
instance (with a decoder that maps two codes to one point), the relaxation path of eq. 12, and the
claims registry."""),
    new_code_cell("""\
%matplotlib inline
import numpy as np
import otcheck
from otcheck import figures

rng = np.random.default_rng(0)"""),
    new_markdown_cell("""\
## 1. A certified optimal transport problem

`solve_ot` returns the optimal plan *and* dual potentials; the certificate (primal feasibility,
dual feasibility, duality gap) is checked before the result is returned."""),
    new_code_cell("""\
a = np.array([0.2, 0.3, 0.5])
b = np.array([0.5, 0.5])
C = np.array([[0.0, 2.0], [1.0, 1.0], [3.0, 0.0]])
res = otcheck.solve_ot(a, b, C)
print(res.cost)
print(res.plan)
print(res.certificate)
print("certified:", res.certificate.ok)"""),
    new_markdown_cell("""\
## 2. Theorem 1 on a small instance

For a deterministic decoder $Y = G(Z)$,
$W_c(P_X, P_G) = \\inf_{\\Gamma \\in \\Pi(P_X, P_Z)} \\mathbb E_\\Gamma\\, c(X, G(Z))$ (eq. 10-11):
an optimal transport problem between the data and the *codes*, with cost $c(x, G(z))$. The decoder
below sends codes 0 and 3 to the same point, so $P_G$ has fewer atoms than $P_Z$."""),
    new_code_cell("""\
X = rng.normal(size=(6, 2))
Z = np.arange(4.0)[:, None]                                    # four codes
def angle(z):
    return np.mod(2 * np.pi * z[:, 0] / 3, 2 * np.pi)  # codes 0 and 3: the same angle


def G(z):
    return np.stack([np.cos(angle(z)), np.sin(angle(z))], axis=1)
px, pz = otcheck.DiscreteMeasure(X), otcheck.DiscreteMeasure(Z)
pg = pz.pushforward(G)                                         # codes 0 and 3 merge
lhs = otcheck.wasserstein(px, pg).cost                          # W_c(P_X, P_G)
rhs = otcheck.solve_ot(px.weights, pz.weights, otcheck.cost_matrix(X, G(Z))).cost
print(f"P_G has {pg.n} atoms for {pz.n} codes")
print(f"W_c(P_X, P_G) = {lhs:.12f}")
print(f"inf over couplings of (P_X, P_Z) of E c(X, G(Z)) = {rhs:.12f}")
print("theorem 1 holds:", abs(lhs - rhs) <= 1e-9 * max(1.0, lhs))"""),
    new_code_cell("""\
figures.fig_theorem1(seed=0)"""),
    new_markdown_cell("""\
## 3. The relaxation path of eq. 12

$W_c^\\lambda = \\min_Q \\mathbb E\\, c(X, G(Z)) + \\lambda F(Q_Z)$ for each penalty $F$, solved exactly:
non-decreasing in $\\lambda$, below $W_c$, and tending to it."""),
    new_code_cell("""\
figures.fig_relaxation_path(seed=0, n=4, m=4, lams=np.logspace(-2, 3, 8))"""),
    new_markdown_cell("""\
## 4. Claims of the paper

Each registered claim returns `Evidence`: both sides, the relation, the verdict and the instance
that decided it."""),
    new_code_cell("""\
from otcheck.claims import registry
print(len(registry), "claims registered, e.g.", list(registry)[:5])
report = otcheck.verify(["kr-duality", "theorem1", "relaxation-bound"], seed=0)
print(report.to_table())
print("all asserted claims hold:", report.ok)"""),
]


def build():
    nb = new_notebook(cells=CELLS)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


if __name__ == "__main__":
    path = Path(__file__).with_name("explore.ipynb")
    nbformat.write(build(), path)
    print(f"wrote {path}")
