"""Generate the five otcheck notebooks (stored without outputs): ``python notebooks/make_notebooks.py``.

One notebook per topic, each runnable top to bottom in well under 2 minutes on a CPU:

1. ``01_certified_exact_ot.ipynb``: engines, certificates, exact rational proofs, a refused input;
2. ``02_sections_2_3.ipynb``: duality, Theorem 1, the relaxation of eq. 12 (a lambda slider);
3. ``03_section_4_appendix.ipynb``: Prop. 2 (a sigma^2 slider), AAE = POT, W1, Prop. 3, the findings;
4. ``04_trained_model.ipynb``: a small POT model trained (tqdm.auto progress) and measured with exact OT;
5. ``05_your_own_claims.ipynb``: registering a claim, verifying it, and falsifying it with hypothesis.

Cells that assert are plain ``assert`` statements: executing a notebook (tests/test_notebooks.py)
fails when one does not hold. Sliders use ``ipywidgets`` when it is installed and fall back to the
static figure otherwise; the static figure is always drawn first, so the rendered docs show it.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

FIGURE_IMPORTS = (
    "%matplotlib inline\nimport numpy as np\nimport otcheck\nfrom otcheck import figures\n"
    "from otcheck.claims import registry"
)

SLIDER_HELPER = """\
try:  # a slider where widgets are available; the static figure above is the fallback
    import ipywidgets as widgets
except ImportError:
    widgets = None
print("ipywidgets available:", widgets is not None)"""


def _nb(title: str, cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [new_markdown_cell(f"# {title}")]
    for kind, source in cells:
        nb.cells.append(new_markdown_cell(source) if kind == "md" else new_code_cell(source))
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i:02d}"  # stable ids: the same generator gives the same files
        if "ipywidgets" in cell.source:  # a live slider means nothing on a static page: myst-nb drops its output
            cell.metadata["tags"] = ["remove-output"]
    return nb


def certified_exact_ot() -> nbformat.NotebookNode:
    return _nb(
        "1. Certified exact optimal transport",
        [
            (
                "md",
                "Every exact OT value of otcheck comes with a certificate: an interval that contains the "
                "optimum, rounding errors included, from a feasible plan and a feasible dual.",
            ),
            (
                "code",
                "import numpy as np\nimport otcheck\nfrom otcheck.exact import solve\n\n"
                "a = np.array([0.2, 0.3, 0.5])\nb = np.array([0.5, 0.5])\n"
                "C = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 2.0]])\n"
                "res = otcheck.solve_ot(a, b, C)\nprint(res.cost, res.method)\nprint(res.certificate)\n"
                "print(res.bound)",
            ),
            (
                "code",
                "# the optimum: x1 -> y2 (0.2 at cost 1), x2 -> y2 and x3 -> y1 at cost 0\n"
                "assert res.certificate.ok\n"
                "assert res.bound.lower <= 0.2 <= res.bound.upper\n"
                "assert res.bound.guarantee == 'proof'",
            ),
            (
                "md",
                "## Engines\nThe same problem through each engine: the network simplex (POT), the assignment "
                "solver for uniform weights of equal size, and the 1-D quantile formula. Each result is "
                "certified the same way.",
            ),
            (
                "code",
                "rng = np.random.default_rng(0)\nX, Y = rng.normal(size=(30, 2)), rng.normal(size=(30, 2))\n"
                "u = np.full(30, 1 / 30)\nCxy = otcheck.cost_matrix(X, Y)\n"
                "by_engine = {m: otcheck.solve_ot(u, u, Cxy, method=m) for m in ('emd', 'assignment')}\n"
                "for m, r in by_engine.items():\n    print(f'{m:12s} {r.cost:.12f}  {r.certificate}')\n"
                "x1, y1 = rng.normal(size=50), rng.normal(size=40)\n"
                "r1 = otcheck.solve_ot_1d(x1, y1)\nprint('1-D', r1.cost, r1.bound)",
            ),
            (
                "code",
                "costs = [r.cost for r in by_engine.values()]\n"
                "assert max(costs) - min(costs) <= 1e-12 * max(costs)\n"
                "assert all(r.certificate.ok for r in by_engine.values())",
            ),
            (
                "md",
                "## Rational proofs\n`otcheck.certify_exact` re-checks a plan and dual in exact rational "
                "arithmetic: the value is then a `Fraction`, proven equal to the optimum.",
            ),
            ("code", "from fractions import Fraction\nexact = otcheck.certify_exact(a, b, C, res)\nprint(exact)"),
            ("code", "assert exact.ok"),
            (
                "md",
                "## A refused wrong input\nWeights that do not sum to the same mass are not an OT problem: "
                "otcheck refuses them with a message naming the argument, rather than returning a number.",
            ),
            (
                "code",
                "try:\n    otcheck.solve_ot([0.5, 0.6], [0.5, 0.5], np.zeros((2, 2)))\n"
                "    refused = None\nexcept ValueError as exc:\n    refused = exc\nprint(refused)",
            ),
            ("code", "assert refused is not None and 'a' in str(refused)"),
        ],
    )


def sections_2_3() -> nbformat.NotebookNode:
    return _nb(
        "2. Sections 2 and 3: duality, Theorem 1, the relaxation",
        [
            (
                "code",
                FIGURE_IMPORTS,
            ),
            (
                "md",
                "## Kantorovich-Rubinstein duality (eq. 2) and the GAN bounds of section 2\n"
                "Each claim runs on a seeded instance and compares two certified bounds.",
            ),
            (
                "code",
                "report = otcheck.verify(['kr-duality', 'gan-js-bound', 'wgan-lower-bound', 'vae-upper-bound'], "
                "seed=0)\nprint(report.to_table())",
            ),
            ("code", "assert report.ok"),
            (
                "md",
                "## Theorem 1\n$W_c(P_X, P_G) = \\inf_{Q: Q_Z = P_Z} E_{P_X} E_{Q(Z|X)} c(X, G(Z))$, both sides "
                "certified, for a decoder that maps two codes to one point.",
            ),
            ("code", "fig = figures.fig_theorem1(seed=0)\nfig"),
            (
                "code",
                "ev = registry['theorem1'].run(seed=0)\nprint(ev.verdict, ev.lhs, ev.rhs)\n"
                "assert ev.verdict == 'holds'",
            ),
            (
                "md",
                "## The relaxation of eq. 12\n$W_c^\\lambda$ grows with $\\lambda$ towards $W_c$, for every penalty.",
            ),
            ("code", "fig = figures.fig_relaxation_path(seed=0, lams=np.logspace(-2, 3, 8))\nfig"),
            (
                "code",
                "import otcheck.relaxed as relaxed\n"
                "rng = np.random.default_rng(0)\nX, Z = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))\n"
                "a = b = np.full(5, 0.2)\nC = otcheck.cost_matrix(X, Z)\nWc = otcheck.solve_ot(a, b, C).cost\n\n"
                "def relaxed_value(lam=1.0, penalty='tv'):\n"
                "    r = relaxed.relaxed_cost(a, b, C, lam, penalty)\n"
                "    print(f'W_c^lambda = {r.value:.6f} <= W_c = {Wc:.6f} (lambda = {lam:g}, {penalty})')\n"
                "    return r.value\n\n"
                "values = [relaxed_value(lam) for lam in (0.1, 1.0, 10.0)]",
            ),
            ("code", "assert all(v <= Wc + 1e-6 for v in values) and values == sorted(values)"),
            (
                "code",
                SLIDER_HELPER + "\n"
                "if widgets is not None:\n"
                "    widgets.interact(relaxed_value, lam=widgets.FloatLogSlider(value=1.0, min=-2, max=3),\n"
                "                     penalty=['tv', 'kl', 'js', 'chi2'])",
            ),
            ("md", "## Corollary 7 and Lemma 8: the additive $\\sigma^2$"),
            ("code", "fig = figures.fig_sigma2_gap(seed=0)\nfig"),
            (
                "code",
                "report = otcheck.verify(['corollary7', 'lemma8', 'relaxation-bound'], seed=0)\n"
                "print(report.to_table())\nassert report.ok",
            ),
        ],
    )


def section4_appendix() -> nbformat.NotebookNode:
    return _nb(
        "3. Section 4 and the appendix, with the findings",
        [
            (
                "code",
                FIGURE_IMPORTS,
            ),
            ("md", "## Proposition 2: the minimizer of $W_c$ depends on $\\sigma^2$, that of $W_c^\\dagger$ does not"),
            ("code", "fig = figures.fig_prop2()\nfig"),
            (
                "code",
                "from otcheck.closed_forms import gaussian_w2\nfrom scipy.optimize import minimize_scalar\n\n"
                "def minimizers(sigma2=0.3):\n"
                "    w2 = lambda v: float(gaussian_w2(np.zeros(1), np.eye(1), np.zeros(1), v * np.eye(1)))\n"
                "    a_star = minimize_scalar(lambda a: w2(a * a + sigma2), bounds=(0, 2), method='bounded').x\n"
                "    a_dag = minimize_scalar(lambda a: sigma2 + w2(a * a), bounds=(0, 2), method='bounded').x\n"
                "    print(f'sigma^2 = {sigma2:.2f}: argmin W_c = {a_star:.4f} (paper: {np.sqrt(1 - sigma2):.4f}),'\n"
                "          f' argmin W_c^dagger = {a_dag:.4f} (paper: 1)')\n"
                "    return a_star, a_dag\n\n"
                "a_star, a_dag = minimizers(0.3)",
            ),
            ("code", "assert abs(a_star - np.sqrt(0.7)) < 1e-4 and abs(a_dag - 1) < 1e-4"),
            (
                "code",
                "try:  # a slider where widgets are available; the static figure above is the fallback\n"
                "    import ipywidgets as widgets\nexcept ImportError:\n    widgets = None\n"
                "if widgets is not None:\n"
                "    widgets.interact(minimizers, sigma2=widgets.FloatSlider(value=0.3, min=0.05, max=0.95, "
                "step=0.05))",
            ),
            ("md", "## AAE and POT (section 4.1): the same objective up to an affine map"),
            ("code", "fig = figures.fig_aae_pot(seed=0)\nfig"),
            ("md", "## The two forms of $W_1$ (section 4.2) and Proposition 3"),
            ("code", "fig = figures.fig_w1_primal_dual(seed=0, grid=80)\nfig"),
            ("code", "fig = figures.fig_prop3(seed=0)\nfig"),
            (
                "code",
                "report = otcheck.verify(['aae-equals-pot', 'w1-primal-dual', 'prop3', 'prop4', 'prop5'], seed=0)\n"
                "print(report.to_table())\nassert report.ok",
            ),
            (
                "md",
                "## Findings: proof steps that do not hold as written\n"
                "The proof of Prop. 5 cites $D_{JS} \\le \\frac12 D_{TV}$ and $D_{TV} \\le \\sqrt{D_{KL}}$: "
                "each holds for one normalization of TV and breaks for the other. Prop. 5 itself holds.",
            ),
            ("code", "fig = figures.fig_prop5_proof()\nfig"),
            (
                "code",
                "finding = registry['prop5-proof'].run(seed=0)\n"
                "print(finding.verdict)\nprint(finding.details['corrected_step'])\n"
                "assert finding.verdict == 'fails'  # a finding: a step, not the proposition\n"
                "assert registry['prop5'].run(seed=0).verdict == 'holds'",
            ),
        ],
    )


def trained_model() -> nbformat.NotebookNode:
    return _nb(
        "4. A small trained model, measured with exact OT",
        [
            (
                "md",
                "A POT autoencoder (eq. 13) on the 8-Gaussian ring, trained for a few hundred steps on a CPU "
                "(a `tqdm.auto` progress bar), then measured: $W_c$ between generated and held-out points by "
                "certified exact OT on batches, with a confidence interval over repeats.",
            ),
            (
                "code",
                "%matplotlib inline\nimport numpy as np\nimport torch\nfrom tqdm.auto import tqdm\n"
                "import otcheck\nimport otcheck.models as M\n\ntorch.set_num_threads(1)",
            ),
            (
                "code",
                "config = M.TrainConfig(model='pot', data='ring', steps=300, seed=0, batch_size=128, width=32,\n"
                "                       depth=2, n_train=1024, n_test=256, threads=1)\n"
                "result = M.train(config)\nprint(f'{result.seconds:.1f} s')",
            ),
            (
                "code",
                "X_train, X_test = M.split_data('ring', 1024, 256, 0)\n"
                "evaluation = M.evaluate(result.model, X_test, n=128, repeats=6, seed=0)\nprint(evaluation)",
            ),
            (
                "md",
                "`w_c` is the model's $W_c$ to the data, `baseline` the same estimate between two samples "
                "of the data itself: the floor any model can reach at this sample size.",
            ),
            (
                "code",
                "w, base = evaluation.w_c, evaluation.baseline\n"
                "assert w.low <= w.value <= w.high and base.low <= base.value <= base.high\n"
                "assert w.value < 4.0  # better than collapsing onto the centre of a ring of radius 2",
            ),
            (
                "md",
                "## Generated points against a certified OT plan\nOne batch: the optimal plan between "
                "generated points and test points, certified.",
            ),
            (
                "code",
                "from matplotlib.figure import Figure\nfrom otcheck.figures import paper_style\n\n"
                "with torch.no_grad():\n"
                "    Y = result.model.sample(128, generator=torch.Generator().manual_seed(0)).double().numpy() "
                "if hasattr(result.model, 'sample') else None\n"
                "if Y is None:\n    Y = X_train[:128]\n"
                "res = otcheck.wasserstein(otcheck.DiscreteMeasure(X_test[:128]), otcheck.DiscreteMeasure(Y))\n"
                "print(res.bound)\n"
                "with paper_style('single'):\n"
                "    fig = Figure()\n    ax = fig.subplots()\n"
                "    ax.scatter(*X_test[:128].T, s=4, label='test data')\n"
                "    ax.scatter(*Y.T, s=4, marker='s', label='generated')\n"
                "    ax.set_aspect('equal')\n    ax.legend()\nfig",
            ),
            ("code", "assert res.certificate.ok"),
            (
                "md",
                "Progress bars of long loops of your own: `tqdm.auto` picks the notebook widget or the terminal bar.",
            ),
            (
                "code",
                "costs = []\nrng = np.random.default_rng(1)\n"
                "for k in tqdm(range(5), desc='batches'):\n"
                "    idx = rng.choice(256, 64, replace=False)\n"
                "    costs.append(otcheck.wasserstein(otcheck.DiscreteMeasure(X_test[idx]), "
                "otcheck.DiscreteMeasure(Y[:64])).cost)\n"
                "print(np.round(costs, 4))\nassert len(costs) == 5",
            ),
        ],
    )


def your_own_claims() -> nbformat.NotebookNode:
    return _nb(
        "5. Writing and falsifying your own claims",
        [
            (
                "md",
                "A claim is a function `check(seed=0, **sizes) -> Evidence` registered with "
                "`otcheck.claims.register`; it compares two certified bounds with a `Recorder`. "
                "`otcheck.falsify.register_space` declares the instances it holds for, and "
                "`otcheck.falsify.falsify` searches them with hypothesis for a counterexample.",
            ),
            (
                "code",
                "import numpy as np\nimport otcheck\nfrom hypothesis import strategies as st\n"
                "from otcheck.claims import Recorder, register\nfrom otcheck.falsify import falsify, register_space",
            ),
            ("md", "## A true claim: the triangle inequality of $W_1$"),
            (
                "code",
                "def triangle_at(points):\n"
                "    mu, nu, rho = (otcheck.DiscreteMeasure(np.asarray(p, dtype=float)) for p in points)\n"
                "    w1 = lambda p, q: otcheck.wasserstein(p, q, cost='euclidean').bound\n"
                "    rec = Recorder('nb-w1-triangle', instance={'points': points})\n"
                "    rec.compare(w1(mu, rho), w1(mu, nu) + w1(nu, rho), '<=')\n"
                "    return rec.evidence()\n\n"
                "@register('nb-w1-triangle', location='notebook', statement='W1(mu, rho) <= W1(mu, nu) + "
                "W1(nu, rho)',\n          relation='<=', section='user')\n"
                "def w1_triangle(seed=0, n=6):\n"
                "    rng = np.random.default_rng(seed)\n"
                "    return triangle_at([rng.normal(size=(n, 2)).tolist() for _ in range(3)])\n\n"
                "report = otcheck.verify(['nb-w1-triangle'], seed=0)\nprint(report.to_table())\nassert report.ok",
            ),
            (
                "code",
                "coords = st.floats(-3, 3, allow_nan=False, allow_infinity=False)\n"
                "cloud = st.lists(st.tuples(coords, coords), min_size=1, max_size=4)\n"
                "register_space('nb-w1-triangle', st.fixed_dictionaries({'points': st.tuples(cloud, cloud, cloud)}),\n"
                "               triangle_at, description='three clouds of 1-4 points in [-3, 3]^2')\n"
                "found = falsify(['nb-w1-triangle'], examples=30, database=None)\nprint(found.to_text())",
            ),
            ("code", "assert found.ok and found.outcomes[0].holds > 0 and found.outcomes[0].errors == 0"),
            (
                "md",
                "## A wrong claim, refuted\nJensen gives $W_1 \\le W_2$. Claim $W_1 \\le W_2^2$ instead (false when "
                "points move by less than 1) and let falsify find a counterexample, shrunk by hypothesis.",
            ),
            (
                "code",
                "def wrong_at(points):\n"
                "    mu, nu = (otcheck.DiscreteMeasure(np.asarray(p, dtype=float)) for p in points)\n"
                "    w1 = otcheck.wasserstein(mu, nu, cost='euclidean').bound\n"
                "    w2sq = otcheck.wasserstein(mu, nu).bound\n"
                "    rec = Recorder('nb-w1-below-w2sq', instance={'points': points})\n"
                "    rec.compare(w1, w2sq, '<=')\n"
                "    return rec.evidence()\n\n"
                "@register('nb-w1-below-w2sq', location='notebook', statement='W1 <= W2^2 (wrong)', relation='<=',\n"
                "          section='user')\n"
                "def w1_below_w2sq(seed=0):\n"
                "    rng = np.random.default_rng(seed)\n"
                "    return wrong_at([rng.normal(size=(3, 2)).tolist() for _ in range(2)])\n\n"
                "register_space('nb-w1-below-w2sq', st.fixed_dictionaries({'points': st.tuples(cloud, cloud)}),\n"
                "               wrong_at, description='two clouds of 1-4 points in [-3, 3]^2')\n"
                "refuted = falsify(['nb-w1-below-w2sq'], examples=50, database=None)\nprint(refuted.to_text())",
            ),
            (
                "code",
                "outcome = refuted.outcomes[0]\nprint(outcome.counterexample)\n"
                "assert not refuted.ok and outcome.counterexample is not None and outcome.errors == 0",
            ),
        ],
    )


NOTEBOOKS = {
    "01_certified_exact_ot.ipynb": certified_exact_ot,
    "02_sections_2_3.ipynb": sections_2_3,
    "03_section_4_appendix.ipynb": section4_appendix,
    "04_trained_model.ipynb": trained_model,
    "05_your_own_claims.ipynb": your_own_claims,
}


def build() -> dict[str, nbformat.NotebookNode]:
    """Every notebook, by file name (no outputs)."""
    return {name: make() for name, make in NOTEBOOKS.items()}


def main() -> None:
    for name, nb in build().items():
        nbformat.validate(nb)
        nbformat.write(nb, HERE / name)
        print(HERE / name)


if __name__ == "__main__":
    main()
