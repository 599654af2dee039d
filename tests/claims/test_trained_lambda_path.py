"""otcheck.claims.trained_lambda_path: the lambda-path claim and its figure, on tiny runs (seconds)."""

import numpy as np
import pytest

pytest.importorskip("torch")

from otcheck.claims import FAILS, HOLDS, UNDECIDED, registry  # noqa: E402
from otcheck.claims import trained_lambda_path as tlp  # noqa: E402

TINY = {"steps": 3, "lams": (0.01, 1000.0), "seeds": 2, "n": 64, "workers": 1}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    store = tmp_path_factory.mktemp("store")
    return store, registry["trained-lambda-path"].run(store=str(store), **TINY)


def test_registered_as_a_trained_claim():
    c = registry["trained-lambda-path"]
    assert c.kind == "trained" and c.relation == "<"
    assert c.sizes["steps"] == 400 and c.sizes["seeds"] >= 3 and c.sizes["n"] >= 2000
    assert len(c.sizes["lams"]) >= 6 and min(c.sizes["lams"]) <= 1e-2 and max(c.sizes["lams"]) >= 1e3


def test_two_parts_per_model_and_data_set_with_the_floor_and_curves(tiny):
    _, ev = tiny
    assert ev.verdict in (HOLDS, FAILS, UNDECIDED)
    assert len(ev.parts) == 2  # latent mismatch and |coupling - W_c|, lambda_max minus lambda_min
    d = ev.details
    floor = d["floor W_2^2(P_Z^n, P_Z'^n)"]
    lo, hi = floor["ci"]
    assert lo <= floor["value"] <= hi and floor["value"] > 0 and floor["n"] == 64
    assert d["diverged"] == {"count": 0, "of": 4, "runs": []}
    curve = d["curves"]["wae-mmd/ring"]
    assert curve["paired seeds"] == 2
    for lam in ("lambda=0.01", "lambda=1000"):
        for key in tlp.MEASURES:
            m = curve[lam][key]
            assert m["ci"][0] <= m["value"] <= m["ci"][1], (lam, key)
        assert curve[lam]["latent_w2sq"]["value"] > 0 and curve[lam]["w_c"]["value"] > 0
    gap = curve["gap at lambda=1000"]
    assert gap["ci"][0] <= gap["value"] <= gap["ci"][1]


def test_the_store_is_read_back_with_the_same_numbers(tiny):
    store, ev = tiny
    again = registry["trained-lambda-path"].run(store=str(store), **TINY)
    assert again.details == ev.details


def test_diverged_runs_are_counted_and_leave_the_pairs(tiny):
    """A seed whose run at an end of the grid diverged is counted, and with < 2 seeds left the part is undecided."""
    from otcheck.claims._trained import _config
    from otcheck.models.train import recipe

    store, _ = tiny
    configs = {
        ("wae-mmd", "ring", lam, s): _config(
            "wae-mmd", "ring", 3, s, **{**recipe("wae-mmd", "ring"), "lam": lam}, n_test=64
        )
        for lam in (0.01, 1000.0)
        for s in (0, 1)
    }
    status = {k: "finished" for k in configs}
    status[("wae-mmd", "ring", 1000.0, 1)] = "diverged"
    ev = tlp._lambda_path(configs, status, str(store), [0.01, 1000.0], [0, 1], 64, 3, ["wae-mmd"], ["ring"])
    assert ev.details["diverged"] == {"count": 1, "of": 4, "runs": ["wae-mmd/ring lambda=1000 seed=1"]}
    assert ev.details["curves"]["wae-mmd/ring"]["paired seeds"] == 1
    assert ev.verdict == UNDECIDED
    assert [p.verdict for p in ev.parts] == [UNDECIDED, UNDECIDED]


@pytest.mark.parametrize(
    ("sizes", "match"),
    [({"lams": (1.0,)}, "lams"), ({"seeds": 1}, "seeds"), ({"n": 1}, "n"), ({"models": ()}, "models")],
)
def test_bad_sizes_are_refused(sizes, match):
    with pytest.raises(ValueError, match=match):
        registry["trained-lambda-path"].run(**sizes)


def test_figure_draws_four_bands_and_the_floor(tiny, monkeypatch):
    import importlib

    from otcheck import figures
    from otcheck.figures import figure_data

    # a trained figure: named in TRAINED_FIGURES, never among the built-in ones (nor registered on import)
    fig_lambda_path = importlib.import_module("otcheck.figures._trained").fig_lambda_path
    assert "lambda-path" not in figures.FIGURES
    assert figures._function("lambda-path") is fig_lambda_path
    _, ev = tiny
    data = figure_data(fig_lambda_path(evidence=ev))
    names = [s["name"] for s in data["series"]]
    assert len(names) == 5 and names[-1] == "floor W_2^2(P_Z^n, P_Z'^n)"
    for s in data["series"]:
        assert s["guarantee"] == "confidence"
        assert [p["x"] for p in s["points"]] == [0.01, 1000.0]
        for p in s["points"]:
            assert p["lower"] <= p["value"] <= p["upper"]
    latent = next(s for s in data["series"] if "W_2^2(Q_Z" in s["name"])
    want = ev.details["curves"]["wae-mmd/ring"]["lambda=1000"]["latent_w2sq"]["value"]
    assert np.isclose(latent["points"][1]["value"], want)
