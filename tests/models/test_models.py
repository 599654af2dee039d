"""Tiny trainings: learning, determinism, checkpoints, divergence, names, CLI handlers."""

import argparse
import json

import numpy as np
import pytest
import torch

from otcheck.models import DATASETS, MODELS, TrainConfig, TrainingDiverged, load_checkpoint, make_data, train
from otcheck.models.cli import add_subcommands
from otcheck.models.data import LinearGaussian, split_data
from otcheck.models.evaluate import (
    coupling_cost,
    data_baseline,
    evaluate,
    evaluate_checkpoint,
    latent_mismatch,
    mean_interval,
    wasserstein_to_data,
)
from otcheck.models.objectives import build_model, mmd2_imq, pair_cost


@pytest.fixture(autouse=True)
def one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def tiny(model="pot", data="moons", steps=40, **kw):
    base = dict(
        width=32, depth=2, n_train=512, n_test=256, batch_size=64, eval_size=128, device="cpu", eval_every=steps
    )
    base.update(kw)
    return TrainConfig(model, data, steps=steps, **base)


def _w2_untrained_vs_trained(cfg):
    from otcheck.models.train import _make_model

    _, X_test = cfg.split()
    w0 = wasserstein_to_data(_make_model(cfg), X_test, n=128, repeats=3, seed=0).value
    res = train(cfg, quiet=True)
    w1 = wasserstein_to_data(res.model, X_test, n=128, repeats=3, seed=0).value
    return w0, w1


# -- data -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_data_seeded_and_shaped(name):
    a, b = make_data(name, 50, seed=3), make_data(name, 50, seed=3)
    assert a.shape[0] == 50 and a.dtype == np.float64 and np.isfinite(a).all()
    assert np.array_equal(a, b)
    assert not np.array_equal(a, make_data(name, 50, seed=4))


def test_digits_split_disjoint_and_scaled():
    tr, te = split_data("digits", 1000, 300, seed=0)
    assert tr.shape == (1000, 64) and te.shape == (300, 64)
    assert tr.min() >= 0 and tr.max() <= 1 and te.max() == 1.0
    tr2, te2 = split_data("digits", 1000, 300, seed=0)
    assert np.array_equal(tr, tr2) and np.array_equal(te, te2)
    with pytest.raises(ValueError, match="^n"):
        make_data("digits", 1798, seed=0)


def test_linear_gaussian_covariance_matches_samples():
    lg = LinearGaussian((2.0, 0.5))
    X = lg.sample(200_000, seed=0)
    assert np.allclose(np.cov(X, rowvar=False), lg.cov, atol=0.03)
    assert np.allclose(lg.optimal_decoder_cov("pot"), lg.cov)
    assert np.allclose(np.linalg.eigvalsh(lg.optimal_decoder_cov("vae", 0.3)), [0.2, 1.7])
    assert np.allclose(np.linalg.eigvalsh(lg.optimal_decoder_cov("pot", 0.3, latent_dim=1)), [0.0, 2.0], atol=1e-12)


def test_unknown_names_list_valid_ones():
    with pytest.raises(ValueError, match="valid names: .*pot.*wgan-gp"):
        TrainConfig("gan", "ring")
    with pytest.raises(ValueError, match="valid names: .*digits.*ring"):
        TrainConfig("pot", "mnist")
    with pytest.raises(ValueError, match="^cost"):
        TrainConfig("pot", "ring", cost="l1")


# -- objectives -----------------------------------------------------------------------------------


def test_pair_cost_and_mmd():
    x, y = torch.tensor([[0.0, 0.0], [1.0, 1.0]]), torch.tensor([[3.0, 4.0], [1.0, 1.0]])
    assert pair_cost(x, y).tolist() == [25.0, 0.0]
    assert pair_cost(x, y, "euclidean").tolist() == [5.0, 0.0]
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(300, 2, generator=g), torch.randn(300, 2, generator=g)
    assert float(mmd2_imq(a, b + 1.0)) > 10 * abs(float(mmd2_imq(a, b)))


def test_training_mmd_matches_exact_layer_mmd():
    """The torch penalty is the exact layer's unbiased IMQ MMD^2 at scales s * 2k (float64 on both sides)."""
    from otcheck.divergences import mmd2
    from otcheck.models.objectives import IMQ_SCALES

    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((40, 3)), rng.standard_normal((30, 3)) + 0.4
    ref = mmd2(x, y, kernel="imq", bandwidth=[s * 6.0 for s in IMQ_SCALES], unbiased=True)
    assert float(mmd2_imq(torch.as_tensor(x), torch.as_tensor(y))) == pytest.approx(ref, rel=1e-10)


def test_aae_is_pot_up_to_affine_map():
    """AAE objective = POT_{2 sigma^2} / (2 sigma^2) + (d/2) log(2 pi sigma^2) on the same nets and batch."""
    torch.manual_seed(0)
    aae = build_model("aae", 2, 2, width=16, depth=1, sigma2=0.3)
    pot = build_model("pot", 2, 2, width=16, depth=1, lam=0.6)
    pot.load_state_dict(aae.state_dict())
    x = torch.as_tensor(make_data("ring", 64, seed=0), dtype=torch.float32)
    oa = aae.objective(x, torch.Generator().manual_seed(1))
    op = pot.objective(x, torch.Generator().manual_seed(1))
    assert oa["objective"] == pytest.approx(op["objective"] / 0.6 + np.log(2 * np.pi * 0.3), rel=1e-5)


def _linear_critic(model, w, b=0.0):
    """Make the critic the affine map f(u) = w . u + b (a depth-2 MLP set to pass u through)."""
    net = model.critic.net
    layers = [m for m in net if isinstance(m, torch.nn.Linear)]
    k, width = layers[0].in_features, layers[0].out_features
    with torch.no_grad():
        for m in layers:
            m.weight.zero_()
            m.bias.zero_()
        # ReLU(u) - ReLU(-u) = u: first layer [I; -I], middle layers identity, last [w, -w]
        layers[0].weight[:k] = torch.eye(k)
        layers[0].weight[k : 2 * k] = -torch.eye(k)
        for m in layers[1:-1]:
            m.weight[: 2 * k, : 2 * k] = torch.eye(2 * k)
        w = torch.as_tensor(w, dtype=torch.float32)
        layers[-1].weight[0, :k] = w
        layers[-1].weight[0, k : 2 * k] = -w
        layers[-1].bias.fill_(b)
    assert width >= 2 * k


def test_latent_gan_signs():
    """D_GAN estimate = E_P log T + E_Q log(1 - T) (T = sigmoid f); the critic minimizes its negative;
    the encoder's non-saturating term is -E_Q log T and its gradient moves codes towards larger f."""
    torch.manual_seed(0)
    m = build_model("pot", 2, 2, width=8, depth=2, lam=1.0)
    _linear_critic(m, [1.0, -0.5], 0.2)
    x = torch.as_tensor(make_data("moons", 64, seed=0), dtype=torch.float32)
    g = torch.Generator().manual_seed(3)
    zq, zp = m.encode(x).detach(), m.prior(64, torch.Generator().manual_seed(3))
    f = lambda z: z @ torch.tensor([1.0, -0.5]) + 0.2  # noqa: E731
    expected = torch.log(torch.sigmoid(f(zp))).mean() + torch.log(1 - torch.sigmoid(f(zq))).mean()
    assert float(m.critic_loss(x, g).detach()) == pytest.approx(-float(expected.detach()), rel=1e-5)
    loss, stats = m.generator_loss(x)
    assert float(stats["adv"]) == pytest.approx(-float(torch.log(torch.sigmoid(f(zq))).mean()), rel=1e-5)
    z = zq.clone().requires_grad_(True)
    torch.nn.functional.softplus(-m.critic(z)).mean().backward()
    assert (z.grad @ torch.tensor([1.0, -0.5]) < 0).all()  # descent direction raises f, i.e. T(z) -> 1


def test_latent_r1_penalty_is_half_gamma_squared_gradient():
    torch.manual_seed(0)
    m0 = build_model("pot", 2, 2, width=8, depth=2)
    m1 = build_model("pot", 2, 2, width=8, depth=2, latent_r1=0.3)
    m1.load_state_dict(m0.state_dict())
    for m in (m0, m1):
        _linear_critic(m, [0.6, 0.8])
    x = torch.as_tensor(make_data("moons", 32, seed=0), dtype=torch.float32)
    l0 = m0.critic_loss(x, torch.Generator().manual_seed(1))
    l1 = m1.critic_loss(x, torch.Generator().manual_seed(1))
    assert float((l1 - l0).detach()) == pytest.approx(0.5 * 0.3 * 1.0, rel=1e-5)  # ||grad f||^2 = |w|^2 = 1


def test_vae_kl_and_likelihood_closed_forms():
    torch.manual_seed(0)
    m = build_model("vae", 3, 2, width=8, depth=1, sigma2=0.2)
    x = torch.as_tensor(np.random.default_rng(0).standard_normal((16, 3)), dtype=torch.float32)
    with torch.no_grad():
        mean, logvar = m.encoder(x)
    q = torch.distributions.Normal(mean, torch.exp(0.5 * logvar))
    ref_kl = torch.distributions.kl_divergence(q, torch.distributions.Normal(0.0, 1.0)).sum(-1).mean()
    o = m.objective(x, torch.Generator().manual_seed(2))
    assert o["kl"] == pytest.approx(float(ref_kl), rel=1e-5)
    eps = torch.randn(mean.shape, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        y = m.decode(mean + torch.exp(0.5 * logvar) * eps)
    ref_nll = -torch.distributions.Normal(y, 0.2**0.5).log_prob(x).sum(-1).mean()
    assert o["nll"] == pytest.approx(float(ref_nll), rel=1e-5)


def test_wgan_gp_critic_loss_with_a_unit_linear_critic():
    """For f(x) = w.x with |w| = 1 the gradient penalty vanishes and the loss is E f(G(Z)) - E f(X)."""
    torch.manual_seed(0)
    m = build_model("wgan-gp", 2, 2, width=8, depth=2, gp=10.0)
    _linear_critic(m, [0.6, 0.8])
    x = torch.as_tensor(make_data("moons", 64, seed=0), dtype=torch.float32)
    loss = m.critic_loss(x, torch.Generator().manual_seed(5)).detach()
    with torch.no_grad():
        y = m.sample(64, torch.Generator().manual_seed(5))
    w = torch.tensor([0.6, 0.8])
    assert float(loss) == pytest.approx(float((y @ w).mean() - (x @ w).mean()), abs=1e-5)
    _linear_critic(m, [1.2, 1.6])  # |w| = 2: penalty 10 (2 - 1)^2 = 10
    loss2 = m.critic_loss(x, torch.Generator().manual_seed(5)).detach()
    assert float(loss2) == pytest.approx(2 * float((y @ w).mean() - (x @ w).mean()) + 10.0, abs=1e-4)


def test_aae_gradient_is_pot_gradient_over_two_sigma2():
    torch.manual_seed(0)
    aae = build_model("aae", 2, 2, width=16, depth=2, sigma2=0.3)
    pot = build_model("pot", 2, 2, width=16, depth=2, lam=0.6)
    pot.load_state_dict(aae.state_dict())
    x = torch.as_tensor(make_data("moons", 64, seed=0), dtype=torch.float32)
    for m in (aae, pot):
        m.generator_loss(x)[0].backward()
    for pa, pp in zip(aae.generator_parameters(), pot.generator_parameters()):
        assert torch.allclose(pa.grad * 0.6, pp.grad, rtol=1e-4, atol=1e-7)


def test_aae_and_pot_train_identically_when_adam_eps_is_scaled():
    """sigma^2 = 1/8: the AAE loss is POT_{1/4} x 4 + const, exact in binary floating point; with
    Adam's eps x 4 the two runs (same seed, RNG streams, critic) are the same run, bit for bit."""
    a = train(tiny("aae", steps=30, sigma2=0.125, adam_eps=4e-8), quiet=True).model.state_dict()
    p = train(tiny("pot", steps=30, lam=0.25), quiet=True).model.state_dict()
    assert all(torch.equal(a[k], p[k]) for k in a)


def test_pot_latent_gan_recipe_fits_the_ring():
    """Eq. 13 (latent GAN) with the ring recipe of ``otcheck train``: after 500 steps the certified
    W_2^2 to 500 held-out points is within 1.5x the data's own two-sample W_2^2 (the issue's
    target), and Q_Z is closer to P_Z than 8 clumps can be (optimal 8-point quantization of
    N(0, I_2) has W_2^2 ~ 0.40)."""
    from otcheck.models.evaluate import exact_cost
    from otcheck.models.train import recipe

    cfg = TrainConfig(
        "pot",
        "ring",
        steps=500,
        seed=0,
        n_train=2000,
        n_test=1000,
        eval_size=500,
        eval_every=500,
        device="cpu",
        **recipe("pot", "ring"),
    )
    _, X = cfg.split()
    floor = exact_cost(X[:500], X[500:], "sqeuclidean")
    h = train(cfg, quiet=True).final
    assert h["w2sq_test"] <= 1.5 * floor, (h, floor)
    assert h["w2sq_latent"] < 0.3, h


def test_model_constraints_are_validated():
    with pytest.raises(ValueError, match="^sigma2"):
        build_model("vae", 2, 2, sigma2=0.0)
    with pytest.raises(ValueError, match="^cost"):
        build_model("aae", 2, 2, sigma2=0.1, cost="euclidean")


# -- training -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "model, data, steps, lr, factor",
    [
        ("pot", "moons", 300, 3e-3, 3.0),
        ("wae-mmd", "moons", 150, 3e-3, 2.0),
        ("vae", "moons", 150, 3e-3, 2.0),
        # 5 critic updates per step, the slowest learner here. On moons its 300-step outcome depends on
        # the CPU's float32 kernels (ratio 1.13 on one machine, 1.4 on another, worse than untrained for
        # 2 of 4 seeds); on the ring it improved for every seed tried (1.14x to 3.5x).
        ("wgan-gp", "ring", 300, 1e-3, 1.1),
    ],
)
def test_models_learn(model, data, steps, lr, factor):
    """Certified W_2^2 between held-out data and samples drops by ``factor`` from the untrained model."""
    w0, w1 = _w2_untrained_vs_trained(tiny(model, data, steps=steps, lr=lr))
    assert w1 < w0 / factor, (w0, w1)


@pytest.mark.parametrize("model", sorted(MODELS))
def test_same_seed_same_weights_bitwise(model):
    cfg = tiny(model, "moons", steps=8)
    a, b = train(cfg, quiet=True).model.state_dict(), train(cfg, quiet=True).model.state_dict()
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)
    c = train(tiny(model, "moons", steps=8, seed=1), quiet=True).model.state_dict()
    assert not all(torch.equal(a[k], c[k]) for k in a)


def test_training_leaves_global_rng_and_threads_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    torch.set_num_threads(2)
    train(tiny("pot", steps=2, threads=1), quiet=True)
    assert torch.equal(torch.rand(3), expected)
    assert torch.get_num_threads() == 2
    assert not torch.are_deterministic_algorithms_enabled()


def test_checkpoint_round_trip(tmp_path):
    out = tmp_path / "run"
    res = train(tiny("pot", "moons", steps=30, eval_every=10), out=out, quiet=True)
    for f in ("model.pt", "config.json", "metrics.json", "samples.png"):
        assert (out / f).is_file(), f
    assert (out / "samples.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    meta = json.loads((out / "metrics.json").read_text())
    assert [h["step"] for h in meta["history"]] == [10, 20, 30] and meta["status"] == "finished"
    ck = load_checkpoint(out)
    assert ck.config == res.config
    sd = res.model.state_dict()
    assert all(torch.equal(sd[k], v) for k, v in ck.model.state_dict().items())
    _, X_test = res.config.split()
    direct = evaluate(res.model.eval(), X_test, n=64, repeats=3, seed=5)
    again = evaluate_checkpoint(out, n=64, repeats=3, seed=5)
    assert direct.to_dict() == again.to_dict()


def test_nan_stops_with_step_and_keeps_last_good(tmp_path, monkeypatch):
    from otcheck.models import objectives

    out = tmp_path / "nan"
    real = objectives.POT.generator_loss
    calls = {"n": 0}

    def poisoned(self, x, generator=None):
        calls["n"] += 1
        loss, stats = real(self, x, generator)
        return (loss * float("nan") if calls["n"] == 17 else loss), stats

    monkeypatch.setattr(objectives.POT, "generator_loss", poisoned)
    with pytest.raises(TrainingDiverged, match=r"step 17: the loss is nan.*last good checkpoint \(step 15\)") as info:
        train(tiny("pot", steps=30, eval_every=5), out=out, quiet=True)
    assert info.value.step == 17 and info.value.last_good_step == 15
    meta = json.loads((out / "metrics.json").read_text())
    assert meta["step"] == info.value.last_good_step
    assert json.loads((out / "divergence.json").read_text())["step"] == 17
    ck = load_checkpoint(out)
    assert all(torch.isfinite(p).all() for p in ck.model.parameters())


def test_exploding_learning_rate_is_caught(tmp_path):
    with pytest.raises(TrainingDiverged, match=r"diverged at step \d+") as info:
        train(tiny("wae-mmd", steps=200, lr=1e4, eval_every=1, max_loss=1e4), out=tmp_path / "x", quiet=True)
    assert 1 <= info.value.step <= 200
    assert (tmp_path / "x" / "model.pt").is_file()


# -- evaluation -----------------------------------------------------------------------------------


def test_estimates_have_intervals_and_baseline_floor():
    X = make_data("moons", 600, seed=0)
    base = data_baseline(X, n=100, repeats=4, seed=0)
    assert base.low <= base.value <= base.high and len(base.values) == 4
    assert mean_interval([1.0, 1.0]).ci == (1.0, 1.0)
    with pytest.raises(ValueError, match="^values"):
        mean_interval([1.0])
    model = build_model("pot", 2, 2, width=8, depth=1)
    assert wasserstein_to_data(model, X, n=100, repeats=3, seed=0).value > base.value
    c = coupling_cost(model, X, n=50, repeats=3, seed=0)
    w, m = latent_mismatch(model, X, n=50, repeats=3, seed=0)
    assert c.value > 0 and w.value > 0 and np.isfinite(m.value)


# -- CLI handlers ---------------------------------------------------------------------------------


def _parser():
    p = argparse.ArgumentParser(prog="otcheck")
    add_subcommands(p.add_subparsers(dest="command"))
    return p


def test_cli_train_and_evaluate(tmp_path, capsys):
    out = tmp_path / "cli"
    args = _parser().parse_args(
        [
            "train",
            "pot",
            "--data",
            "ring",
            "--steps",
            "5",
            "--seed",
            "1",
            "--out",
            str(out),
            "--device",
            "cpu",
            "--quiet",
            "--batch-size",
            "32",
            "--lam",
            "2",
            "--width",
            "16",
        ]
    )
    assert args.func(args) == 0
    assert json.loads((out / "config.json").read_text())["lam"] == 2.0
    assert "status: finished" in capsys.readouterr().out
    args = _parser().parse_args(["evaluate", str(out), "--n", "32", "--repeats", "2"])
    assert args.func(args) == 0
    assert "W_c" in capsys.readouterr().out


def test_cli_bad_names_exit_2_listing_valid(tmp_path, capsys):
    args = _parser().parse_args(["train", "gan", "--out", str(tmp_path / "a"), "--quiet"])
    assert args.func(args) == 2
    assert "valid names: aae, pot, vae, wae-mmd, wgan-gp" in capsys.readouterr().err
    args = _parser().parse_args(["train", "pot", "--data", "cifar", "--out", str(tmp_path / "b"), "--quiet"])
    assert args.func(args) == 2
    assert "digits" in capsys.readouterr().err
    args = _parser().parse_args(["evaluate", str(tmp_path / "missing")])
    assert args.func(args) == 2


# -- trained claims (tiny sizes: structure and the exact parts, not the verdicts at full size) ------

TRAINED = ("trained-theorem1", "trained-prop2", "trained-aae-pot", "trained-blur", "trained-primal-dual-w1")


def test_trained_claims_registered_and_excluded_by_default():
    from otcheck.claims import registry, verify

    assert all(registry[c].kind == "trained" for c in TRAINED)
    default_kinds = verify.__kwdefaults__["kinds"]
    assert "trained" not in default_kinds
    assert not set(TRAINED) & {k for k, c in registry.items() if c.kind in default_kinds}


_TINY = {
    "trained-theorem1": dict(steps=20, n=32, repeats=3, workers=1),
    "trained-prop2": dict(steps=20, seeds=2, workers=1),
    "trained-aae-pot": dict(steps=20, n=32, repeats=3, seeds=2, sync_steps=20, rel_margin=10.0, workers=1),
    "trained-blur": dict(steps=20, n=32, repeats=3, workers=1),
    "trained-primal-dual-w1": dict(steps=20, n=32, repeats=3, critic_refit=10, workers=1),
}
_TINY_RUNS = {}


def _tiny_run(claim):
    """Each trained claim at tiny sizes, run once per session (seconds each)."""
    from otcheck.claims import registry

    if claim not in _TINY_RUNS:
        _TINY_RUNS[claim] = registry[claim].run(seed=1, **_TINY[claim])
    return _TINY_RUNS[claim]


def _is_paired_confidence(p, pairs):
    """A sampled part: a 95 % paired interval (never tight) against an exact 0."""
    b = p.lhs_bound
    return (
        p.guarantee == "confidence"
        and p.confidence == 0.95
        and b.guarantee == "confidence"
        and not b.tight
        and f"paired difference over {pairs}" in b.method
        and b.lower <= b.value <= b.upper
        and p.rhs_bound.is_exact
        and p.rhs_bound.value == 0
    )


@pytest.mark.parametrize("claim", TRAINED)
def test_trained_claims_compare_two_bounds_in_every_part(claim):
    from otcheck.bounds import Bound
    from otcheck.claims import Evidence

    ev = _tiny_run(claim)
    assert ev.claim == claim and ev.parts and ev.verdict in ("holds", "fails", "undecided")
    for p in ev.parts:
        assert isinstance(p.lhs_bound, Bound) and isinstance(p.rhs_bound, Bound), p
        assert p.method != "trained" and p.lhs_bound.method in p.method  # provenance of the bounds
        if "confidence" in (p.lhs_bound.guarantee, p.rhs_bound.guarantee):
            assert p.guarantee == "confidence" and p.confidence == 0.95
            assert not (p.lhs_bound.tight and p.rhs_bound.tight)  # sampled: never decided by overlap
        if p.relation == "==" and p.guarantee == "confidence":  # an equivalence: its margin is stated
            assert p.tolerance > 0 and "equivalence margin" in p.note and "TOST at 95 %" in p.note
    back = Evidence.from_dict(json.loads(json.dumps(ev.to_dict())))
    assert [q.lhs_bound for q in back.parts] == [q.lhs_bound for q in ev.parts]
    assert [q.verdict for q in back.parts] == [q.verdict for q in ev.parts]


def test_trained_aae_pot_tiny_run_has_intervals_and_exact_affine_part():
    ev = _tiny_run("trained-aae-pot")
    assert len(ev.parts) == 4 and ev.instance["seed"] == 1 and ev.instance["rel_margin"] == 10.0
    affine, grads, objective, w2 = ev.parts
    # an identity of the objectives, up to float32 rounding: two estimates of width 2 * 2^-12 of their size
    assert affine.verdict == "holds" and affine.guarantee == "estimate" and affine.relation == "=="
    assert 0 < affine.lhs_bound.width < 1e-2 * max(1.0, abs(affine.lhs)) and affine.tolerance == 0
    assert abs(float(affine.lhs_bound.value) - float(affine.rhs_bound.value)) <= affine.lhs_bound.width
    # same dynamics: at a common initialization the gradients are the same up to the factor 2 sigma^2
    assert grads.verdict == "holds" and grads.relation == "==" and grads.guarantee == "estimate"
    assert grads.lhs == ev.details["gradient_difference_at_init"] <= grads.lhs_bound.upper - grads.lhs_bound.lower
    assert grads.rhs_bound.is_exact and grads.rhs == 0
    # the drift of whole runs is reported, not decided on (float32 chaos sets in at a machine-dependent step)
    assert ev.details["weight_distance_after_sync_steps"] >= 0
    per = ev.details["per_seed"]
    assert len(per["w2_aae"]) == len(per["w2sq_aae"]) == 2
    # the POT objective: paired over the 2 training seeds, margin 1000 % of the larger mean objective
    assert _is_paired_confidence(objective, "2 training seeds")
    assert objective.lhs == pytest.approx(np.mean(np.subtract(per["obj_aae"], per["obj_pot"])), abs=1e-12)
    m = 10.0 * max(abs(np.mean(per["obj_aae"])), abs(np.mean(per["obj_pot"])))
    assert objective.tolerance == pytest.approx(m) and "equivalence margin 1000%" in objective.note
    assert objective.verdict == "holds"  # 20 steps: the AAE and POT runs still agree to ~1e-7
    # the expected W_2 at size n (the target: every replicate certified, no bias), paired by seed
    assert _is_paired_confidence(w2, "2 training seeds") and "W_2 between 32 held-out" in w2.lhs_bound.method
    assert w2.lhs == pytest.approx(np.mean(np.subtract(per["w2_aae"], per["w2_pot"])), abs=1e-12)
    # per seed, a mean of square roots of the W_2^2 replicates: below the square root of their mean (Jensen)
    assert all(0 < a <= np.sqrt(b) * (1 + 1e-12) for a, b in zip(per["w2_aae"], per["w2sq_aae"]))
    assert w2.tolerance == pytest.approx(10.0 * max(np.mean(per["w2_aae"]), np.mean(per["w2_pot"])))
    assert "TOST at 95 %" in w2.note and "unbiased for this size-n target" in w2.note
    assert w2.verdict == "holds" and ev.verdict == "holds"  # 20 steps: the twin runs have not drifted yet


def test_trained_theorem1_tiny_run_proves_the_coupling_bound_and_pairs_the_mmds():
    ev = _tiny_run("trained-theorem1")
    assert ev.instance["lams"] == [0.01, 1.0, 100.0]  # at least three lambda values by default
    assert len(ev.parts) == 2 * 2 + 3
    mmds, certified = ev.parts[:4], ev.parts[4:]
    pairs = [("100", "0.01"), ("1", "0.01")]  # every larger lambda against the smallest, the largest first
    for i, key in enumerate(("mmd_model", "mmd_latent")):
        for p, (large, small) in zip(mmds[2 * i : 2 * i + 2], pairs):
            assert p.relation == "<" and _is_paired_confidence(p, "3 held-out subsets")
            assert "U-statistic" in p.lhs_bound.method and f"lambda={large} minus lambda={small}" in p.note
            diff = ev.details[f"lambda={large}"][key]["value"] - ev.details[f"lambda={small}"][key]["value"]
            assert p.lhs == pytest.approx(diff, abs=1e-12)
    for p in certified:  # Theorem 1's inequality on the empirical laws: a proof, always holds
        assert p.relation == "<=" and p.verdict == "holds" and p.guarantee == "proof"
        assert p.lhs_bound.guarantee == p.rhs_bound.guarantee == "proof" and p.lhs_bound.tight
        assert p.lhs_bound.lower <= p.rhs_bound.upper
        assert p.rhs_bound.width <= 1e-15 * max(1.0, p.rhs)  # the coupling's cost is an enclosed rational


def test_trained_claims_read_their_runs_from_a_store_trained_on_workers(tmp_path):
    """Runs trained by two worker processes into a store give the in-process run's numbers, bit for bit,
    and a second run reads the store instead of training."""
    from otcheck.claims import registry

    sizes = {**_TINY["trained-aae-pot"], "workers": 2, "store": str(tmp_path)}
    ev = registry["trained-aae-pot"].run(seed=1, **sizes)
    ref = _tiny_run("trained-aae-pot")
    assert [p.lhs for p in ev.parts[2:]] == [p.lhs for p in ref.parts[2:]]
    assert ev.details["per_seed"] == ref.details["per_seed"]
    runs = sorted(p.name for p in tmp_path.iterdir())
    assert len(runs) == 4 and all((tmp_path / r / "metrics.json").is_file() for r in runs)
    stamps = {r: (tmp_path / r / "model.pt").stat().st_mtime_ns for r in runs}
    again = registry["trained-aae-pot"].run(seed=1, **sizes)
    assert {r: (tmp_path / r / "model.pt").stat().st_mtime_ns for r in runs} == stamps  # read, not retrained
    assert again.details["per_seed"] == ev.details["per_seed"]


def test_trained_prop2_tiny_run_states_margins_against_proven_closed_forms():
    from fractions import Fraction

    ev = _tiny_run("trained-prop2")
    vae_order, *closed, pot_same = ev.parts
    assert len(closed) == 4 and ev.instance["margin"] == 0.08
    assert vae_order.relation == ">" and _is_paired_confidence(vae_order, "2 training seeds")
    assert pot_same.relation == "==" and _is_paired_confidence(pot_same, "2 training seeds")
    for p in closed + [pot_same]:
        assert p.tolerance == 0.08 and "equivalence margin 0.08" in p.note
    for p in closed:
        assert p.relation == "==" and p.guarantee == "confidence" and p.confidence == 0.95
        assert p.lhs_bound.method.endswith("mean of 2 replicates") and not p.lhs_bound.tight
        r = p.rhs_bound
        assert r.guarantee == "proof"
        if "vae" in p.note:  # sqrt(1 - sigma^2), enclosed by outward rounding
            s2 = Fraction(0.1) if "sigma^2=0.1" in p.note else Fraction(0.5)
            assert Fraction(r.lower) ** 2 <= 1 - s2 <= Fraction(r.upper) ** 2 and r.width <= 4e-16
        else:
            assert r.is_exact and r.value == 1


def test_trained_blur_and_primal_dual_tiny_runs_pair_their_samples():
    blur = _tiny_run("trained-blur")
    sharp, recon = blur.parts
    assert sharp.relation == "<" and _is_paired_confidence(sharp, "3 repetitions")
    g = blur.details["gradient_energy"]
    assert sharp.lhs == pytest.approx(g["vae"][0] - g["pot"][0], abs=1e-12)
    assert recon.relation == "<=" and _is_paired_confidence(recon, "3 held-out subsets")
    r = blur.details["reconstruction"]
    assert recon.lhs == pytest.approx(r["vae"][0] - 2.0 * r["pot"][0], abs=1e-9)
    pd = _tiny_run("trained-primal-dual-w1")
    for p, key, rel in zip(pd.parts, ("pot_exact", "wgan_exact"), (0.3, 0.1)):  # primal 30 %, dual 10 %
        assert p.relation == "==" and _is_paired_confidence(p, "3 held-out subsets")
        assert "certificate width" in p.lhs_bound.method  # the exact replicates' width, a proven bias bound
        assert p.tolerance == pytest.approx(rel * pd.details[key][0]) and f"equivalence margin {rel:.0%}" in p.note


def test_trained_blur_measure_orders_averages():
    from otcheck.claims.trained_samples import gradient_energy

    X = make_data("digits", 200, seed=0)
    pairs = 0.5 * (X[:100] + X[100:])
    assert gradient_energy(pairs).mean() < gradient_energy(X).mean()
    assert gradient_energy(X.mean(0, keepdims=True))[0] < 0.5 * gradient_energy(X).mean()


def test_device_resolution():
    from otcheck.models.train import resolve_device

    assert resolve_device("cpu") == "cpu"
    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    if torch.cuda.is_available():
        assert resolve_device("cuda") == "cuda"
    else:
        with pytest.raises(ValueError, match="^device: 'cuda' requested"):
            resolve_device("cuda")
    with pytest.raises(ValueError, match="^device"):
        TrainConfig("pot", "ring", device="tpu")


def test_linear_gaussian_vae_decoder_reaches_closed_form(tmp_path):
    """Prop. 2 / B.3: the VAE's linear decoder law N(0, a^2) has a^2 = 1 - sigma^2 (distance < 0.05)."""
    cfg = TrainConfig(
        "vae",
        "linear-gaussian-1d",
        steps=1000,
        depth=0,
        width=1,
        sigma2=0.3,
        lr=3e-2,
        lr_final=1e-3,
        n_train=4000,
        n_test=600,
        device="cpu",
        eval_every=1000,
    )
    train(cfg, out=tmp_path / "lg", quiet=True)
    ev = evaluate_checkpoint(tmp_path / "lg", n=200, repeats=3, seed=0)
    assert ev.decoder["objective"] == "vae"
    assert ev.decoder["optimum"] == [[pytest.approx(0.7)]]
    assert ev.decoder["distance"] < 0.05, ev.decoder
