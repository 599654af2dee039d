r"""The paper's objectives as torch models (layer 5): POT/WAE-GAN, WAE-MMD, AAE, VAE, WGAN-GP.

Each model owns its networks and exposes

* ``generator_loss(x, generator) -> (loss, stats)``: the loss minimized by the encoder and
  decoder (or the generator) on a batch ``x``;
* ``critic_loss(x, generator) -> loss`` or ``None``: the loss minimized by the critic (latent GAN
  discriminator or WGAN witness);
* ``objective(x, generator) -> dict``: the value of the paper's objective on ``x`` (no gradients),
  with its parts;
* ``sample``, ``encode``, ``decode``, ``reconstruct``.

Notation: :math:`E` encoder, :math:`G` decoder mean, :math:`P_Z = \mathcal N(0, I_k)` prior,
:math:`Q_Z` the aggregated posterior (codes of a batch), :math:`T = \mathrm{sigmoid}(f)` a latent
discriminator, :math:`c` the cost (``"sqeuclidean"`` :math:`\|x-y\|^2` or ``"euclidean"``
:math:`\|x-y\|`). The GAN divergence is estimated by the critic's value

.. math::

    \hat D_{GAN}(Q_Z, P_Z) = E_{P_Z} \log T(Z) + E_{Q_Z} \log (1 - T(Z))
    \;\le\; 2 D_{JS}(P_Z, Q_Z) - \log 4 ,

the critic maximizes it, and the encoder minimizes the non-saturating surrogate
:math:`-E_{Q_Z} \log T(Z)` (same fixed points, useful gradients early on); ``objective`` always
reports :math:`\hat D_{GAN}` itself. With ``latent_r1`` :math:`= \gamma > 0` the critic's loss
gains the zero-centred gradient penalty :math:`\frac\gamma2 E_{P_Z}\|\nabla f(Z)\|^2`
(Mescheder et al. 2018): it regularizes the critic only (any critic's value is still a lower
bound of :math:`2 D_{JS} - \log 4`) and stops the latent GAN from oscillating.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, TypedDict

import torch
import torch.nn.functional as F
from torch import nn

from .._validation import check_nonnegative, check_positive_int
from ..costs import COST_NAMES, Cost, as_cost_fn
from .nets import Critic, Decoder, Encoder

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = [
    "MODELS",
    "COSTS",
    "GenerativeModel",
    "POT",
    "WAEMMD",
    "AAE",
    "VAE",
    "WGANGP",
    "build_model",
    "check_model_name",
    "pair_cost",
    "mmd2_imq",
    "model_defaults",
    "ModelHyper",
]

#: Costs the models accept: the names of :data:`otcheck.costs.COST_NAMES`.
COSTS = COST_NAMES


class ModelHyper(TypedDict, total=False):
    """The keyword hyperparameters of :class:`GenerativeModel` (and :func:`build_model`), all optional.

    Examples
    --------
    >>> import inspect
    >>> keywords = set(inspect.signature(GenerativeModel).parameters) - {"data_dim", "latent_dim"}
    >>> set(ModelHyper.__annotations__) == keywords
    True
    """

    width: int
    depth: int
    critic_width: int | None
    critic_depth: int | None
    lam: float
    sigma2: float
    cost: str
    output: str
    gaussian_encoder: bool | None
    gp: float
    latent_r1: float


def pair_cost(x: torch.Tensor, y: torch.Tensor, cost: str | Cost = "sqeuclidean") -> torch.Tensor:
    r"""Row-wise cost :math:`c(x_i, y_i) = \|x_i - y_i\|^p` for a cost of power ``p`` (a name or a
    :class:`~otcheck.costs.Cost`): :math:`p = 2` for ``"sqeuclidean"``, 1 for ``"euclidean"``.

    Examples
    --------
    >>> pair_cost(torch.tensor([[0.0, 0.0]]), torch.tensor([[3.0, 4.0]]), "euclidean")
    tensor([5.])
    """
    fn = as_cost_fn(cost)
    if fn.power is None:
        raise ValueError(f"cost: the models need a cost ||x - y||^p, got {cost!r}")
    diff = x - y
    if fn.power == 2.0:
        return (diff * diff).sum(-1)
    norm = torch.linalg.vector_norm(diff, dim=-1)  # subgradient 0 at 0, never NaN
    return norm if fn.power == 1.0 else norm**fn.power


#: Relative scales of the IMQ kernels, as in Tolstikhin et al. (WAE, 2018).
IMQ_SCALES = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)


def mmd2_imq(
    x: torch.Tensor, y: torch.Tensor, base: float | None = None, scales: Sequence[float] = IMQ_SCALES
) -> torch.Tensor:
    r"""Unbiased MMD² between two samples with a sum of inverse multiquadratic kernels.

    .. math::

        k(x, y) = \sum_s \frac{C_s}{C_s + \|x - y\|^2}, \quad C_s = s \cdot C, \quad
        \widehat{MMD}^2 = \frac{\sum_{i \ne j} k(x_i, x_j)}{n(n-1)} + \frac{\sum_{i \ne j} k(y_i, y_j)}{m(m-1)}
        - \frac{2}{nm} \sum_{i,j} k(x_i, y_j)

    with :math:`C = 2k` by default (twice the latent dimension: the expected squared norm of
    :math:`\mathcal N(0, I_k)` times two).

    Examples
    --------
    >>> g = torch.Generator().manual_seed(0)
    >>> x, y = torch.randn(200, 2, generator=g), torch.randn(200, 2, generator=g)
    >>> abs(float(mmd2_imq(x, y))) < 0.05, float(mmd2_imq(x, y + 3.0)) > 0.5
    (True, True)
    """
    n, m = x.shape[0], y.shape[0]
    if n < 2 or m < 2:
        raise ValueError("x, y: the unbiased MMD needs at least 2 points in each sample")
    C = 2.0 * x.shape[1] if base is None else float(base)
    dxx, dyy, dxy = torch.cdist(x, x) ** 2, torch.cdist(y, y) ** 2, torch.cdist(x, y) ** 2
    total = x.new_zeros(())
    for s in scales:
        c = s * C
        kxx, kyy, kxy = c / (c + dxx), c / (c + dyy), c / (c + dxy)
        total = (
            total
            + (kxx.sum() - kxx.diagonal().sum()) / (n * (n - 1))
            + (kyy.sum() - kyy.diagonal().sum()) / (m * (m - 1))
            - 2.0 * kxy.mean()
        )
    return total


class GenerativeModel(nn.Module):
    """Common parts: prior, decoder, encoder (if any), critic (if any), and their parameters.

    Subclasses set ``name``, ``uses_encoder``, ``critic_space`` (``"latent"``, ``"data"`` or
    ``None``) and implement ``generator_loss``, ``critic_loss``, ``objective``.
    """

    name: str = "?"
    uses_encoder: bool = True
    critic_space: str | None = "latent"
    gaussian_encoder: bool = False

    def __init__(
        self,
        data_dim: int,
        latent_dim: int,
        *,
        width: int = 128,
        depth: int = 2,
        critic_width: int | None = None,
        critic_depth: int | None = None,
        lam: float = 1.0,
        sigma2: float = 0.0,
        cost: str = "sqeuclidean",
        output: str = "linear",
        gaussian_encoder: bool | None = None,
        gp: float = 10.0,
        latent_r1: float = 0.0,
    ) -> None:
        super().__init__()
        self.data_dim = check_positive_int(data_dim, "data_dim")
        self.latent_dim = check_positive_int(latent_dim, "latent_dim")
        self.lam = check_nonnegative(lam, "lam")
        self.sigma2 = check_nonnegative(sigma2, "sigma2")
        self.gp = check_nonnegative(gp, "gp")
        self.latent_r1 = check_nonnegative(latent_r1, "latent_r1")
        if cost not in COSTS:
            raise ValueError(f"cost: expected one of {COSTS}, got {cost!r}")
        self.cost = cost
        if gaussian_encoder is not None:
            self.gaussian_encoder = bool(gaussian_encoder)
        cw = width if critic_width is None else critic_width
        cd = depth if critic_depth is None else critic_depth
        self.decoder = Decoder(latent_dim, data_dim, width, depth, output=output)
        self.encoder: Encoder | None = (
            Encoder(data_dim, latent_dim, width, depth, self.gaussian_encoder) if self.uses_encoder else None
        )
        self.critic: Critic | None
        if self.critic_space == "latent":
            self.critic = Critic(latent_dim, cw, cd)
        elif self.critic_space == "data":
            self.critic = Critic(data_dim, cw, cd)
        else:
            self.critic = None

    # -- sampling -------------------------------------------------------------------------------
    def _randn(self, shape: Sequence[int], generator: torch.Generator | None) -> torch.Tensor:
        p = next(self.parameters())
        return torch.randn(shape, generator=generator, device=p.device, dtype=p.dtype)

    def prior(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        r""":math:`n` draws of :math:`P_Z = \mathcal N(0, I_k)`."""
        return self._randn((n, self.latent_dim), generator)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Decoder mean :math:`G(z)`."""
        return self.decoder(z)

    def sample(self, n: int, generator: torch.Generator | None = None, noise: bool = False) -> torch.Tensor:
        r"""Model samples :math:`G(Z)`, :math:`Z \sim P_Z` (plus :math:`\sigma\varepsilon` when ``noise``)."""
        y = self.decode(self.prior(n, generator))
        if noise and self.sigma2 > 0:
            y = y + math.sqrt(self.sigma2) * self._randn(y.shape, generator)
        return y

    def encode(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        r"""Codes :math:`Z \sim Q(Z|X=x)` (the mean for a deterministic encoder)."""
        if self.encoder is None:
            raise ValueError(f"model {self.name!r} has no encoder")
        return self.encoder.sample(x, generator)

    def reconstruct(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """:math:`G(E(x))`."""
        return self.decode(self.encode(x, generator))

    def generator_parameters(self) -> list[nn.Parameter]:
        """Parameters of the decoder and the encoder (or the generator): what ``generator_loss`` trains."""
        mods = [self.decoder] + ([self.encoder] if self.encoder is not None else [])
        return [p for m in mods for p in m.parameters()]

    def critic_parameters(self) -> list[nn.Parameter]:
        """Parameters of the critic (none without one): what ``critic_loss`` trains."""
        return [] if self.critic is None else list(self.critic.parameters())

    # -- losses (the subclasses define them) ------------------------------------------------------
    def generator_loss(
        self, x: torch.Tensor, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Loss minimized by the encoder and decoder (or the generator) on batch ``x``, and its parts
        (detached), by name."""
        raise NotImplementedError(f"model {self.name!r} does not define generator_loss")

    def objective(self, x: torch.Tensor, generator: torch.Generator | None = None) -> dict[str, float]:
        """Value of the paper's objective on batch ``x`` (no gradients), with its parts, by name."""
        raise NotImplementedError(f"model {self.name!r} does not define objective")

    # -- latent GAN pieces ----------------------------------------------------------------------
    def _critic_of(self, z: torch.Tensor) -> torch.Tensor:
        """The critic's values :math:`f(z)`; an error for a model without a critic."""
        if self.critic is None:
            raise ValueError(f"model {self.name!r} has no critic")
        return self.critic(z)

    def _dgan(self, zq: torch.Tensor, zp: torch.Tensor) -> torch.Tensor:
        r""":math:`\hat D_{GAN}(Q_Z, P_Z)` with the current critic."""
        return -F.softplus(-self._critic_of(zp)).mean() - F.softplus(self._critic_of(zq)).mean()

    def _latent_critic_loss(self, x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
        with torch.no_grad():
            zq = self.encode(x, generator)
        zp = self.prior(x.shape[0], generator)
        if self.latent_r1 > 0:
            zp = zp.requires_grad_(True)
            fp = self._critic_of(zp)
            (grad,) = torch.autograd.grad(fp.sum(), zp, create_graph=True)
            dgan = -F.softplus(-fp).mean() - F.softplus(self._critic_of(zq)).mean()
            return -dgan + 0.5 * self.latent_r1 * (grad * grad).sum(-1).mean()
        return -self._dgan(zq, zp)

    def critic_loss(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor | None:
        """Loss of the critic on batch ``x``; ``None`` when the model has no critic."""
        return None

    def _require_gaussian_decoder(self, name: str) -> None:
        """A Gaussian likelihood needs ``sigma2 > 0`` and the squared Euclidean cost (else ``ValueError``)."""
        if self.sigma2 <= 0:
            raise ValueError(f"sigma2: the {name}'s Gaussian decoder needs sigma2 > 0")
        if self.cost != "sqeuclidean":
            raise ValueError(f"cost: the {name}'s Gaussian likelihood is the squared Euclidean cost")

    def _gaussian_nll(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        r""":math:`-\log \mathcal N(x; y, \sigma^2 I_d)` per row."""
        d = x.shape[1]
        return pair_cost(x, y, "sqeuclidean") / (2.0 * self.sigma2) + 0.5 * d * math.log(2 * math.pi * self.sigma2)


class POT(GenerativeModel):
    r"""POT / WAE-GAN (eq. 13): :math:`E\, c(X, Y) + \lambda \hat D_{GAN}(Q_Z, P_Z)` with
    :math:`Y = G(E(X)) + \sigma \varepsilon` (:math:`\sigma^2 = 0` by default: a Dirac decoder).

    With :math:`\sigma^2 > 0` and the squared cost, the expected reconstruction is
    :math:`E\|X - G(Z)\|^2 + d\sigma^2` (Corollary 7): the noise changes the value, not the
    minimizer.
    """

    name = "pot"

    def _reconstruction(self, x: torch.Tensor, generator: torch.Generator | None) -> tuple[torch.Tensor, torch.Tensor]:
        z = self.encode(x, generator)
        y = self.decode(z)
        if self.sigma2 > 0:
            y = y + math.sqrt(self.sigma2) * self._randn(y.shape, generator)
        return pair_cost(x, y, self.cost).mean(), z

    def generator_loss(
        self, x: torch.Tensor, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        rec, z = self._reconstruction(x, generator)
        adv = F.softplus(-self._critic_of(z)).mean()
        return rec + self.lam * adv, {"rec": rec.detach(), "adv": adv.detach()}

    def critic_loss(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor | None:
        return self._latent_critic_loss(x, generator)

    @torch.no_grad()
    def objective(self, x: torch.Tensor, generator: torch.Generator | None = None) -> dict[str, float]:
        rec, z = self._reconstruction(x, generator)
        dgan = self._dgan(z, self.prior(x.shape[0], generator))
        return {"objective": float(rec + self.lam * dgan), "rec": float(rec), "dgan": float(dgan)}


class WAEMMD(POT):
    r"""WAE-MMD: :math:`E\, c(X, G(E(X))) + \lambda\, \widehat{MMD}^2_{IMQ}(Q_Z, P_Z)` (:func:`mmd2_imq`)."""

    name = "wae-mmd"
    critic_space = None

    def generator_loss(
        self, x: torch.Tensor, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        rec, z = self._reconstruction(x, generator)
        mmd = mmd2_imq(z, self.prior(x.shape[0], generator))
        return rec + self.lam * mmd, {"rec": rec.detach(), "mmd2": mmd.detach()}

    def critic_loss(self, x: torch.Tensor, generator: torch.Generator | None = None) -> None:
        return None

    @torch.no_grad()
    def objective(self, x: torch.Tensor, generator: torch.Generator | None = None) -> dict[str, float]:
        rec, z = self._reconstruction(x, generator)
        mmd = mmd2_imq(z, self.prior(x.shape[0], generator))
        return {"objective": float(rec + self.lam * mmd), "rec": float(rec), "mmd2": float(mmd)}


class AAE(GenerativeModel):
    r"""AAE (eq. 7): :math:`E_{P_X} [-\log p_G(X | E(X))] + \hat D_{GAN}(Q_Z, P_Z)` with the
    Gaussian decoder :math:`p_G(x|z) = \mathcal N(x; G(z), \sigma^2 I_d)`, so

    .. math::

        -\log p_G(x|z) = \frac{\|x - G(z)\|^2}{2\sigma^2} + \frac d2 \log(2\pi\sigma^2)

    and the objective is :math:`\frac{1}{2\sigma^2}[E\|X - G(Z)\|^2 + 2\sigma^2 \hat D_{GAN}]
    + \frac d2 \log(2\pi\sigma^2)`: POT at :math:`\lambda = 2\sigma^2` up to this affine map
    (``aae-equals-pot``).
    """

    name = "aae"

    def __init__(self, data_dim: int, latent_dim: int, **kw: Unpack[ModelHyper]) -> None:
        super().__init__(data_dim, latent_dim, **kw)
        self._require_gaussian_decoder("AAE")

    def generator_loss(
        self, x: torch.Tensor, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        # computed as the POT loss at lambda = 2 sigma^2 through the affine map (rec / (2 sigma^2) + adv
        # + const), with the same RNG draws, so its gradients are POT's divided by 2 sigma^2 (exactly,
        # when 2 sigma^2 is a power of two)
        z = self.encode(x, generator)
        rec = pair_cost(x, self.decode(z), "sqeuclidean").mean()
        nll = rec / (2.0 * self.sigma2) + 0.5 * x.shape[1] * math.log(2 * math.pi * self.sigma2)
        adv = F.softplus(-self._critic_of(z)).mean()
        return nll + adv, {"nll": nll.detach(), "adv": adv.detach(), "rec": rec.detach()}

    def critic_loss(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        return self._latent_critic_loss(x, generator)

    @torch.no_grad()
    def objective(self, x: torch.Tensor, generator: torch.Generator | None = None) -> dict[str, float]:
        z = self.encode(x, generator)
        y = self.decode(z)
        nll = self._gaussian_nll(x, y).mean()
        dgan = self._dgan(z, self.prior(x.shape[0], generator))
        return {
            "objective": float(nll + dgan),
            "nll": float(nll),
            "dgan": float(dgan),
            "rec": float(pair_cost(x, y).mean()),
        }


class VAE(GenerativeModel):
    r"""VAE (eq. 5): the negative ELBO with a Gaussian encoder and decoder,

    .. math::

        E_{P_X} \Big[ E_{Q(Z|X)} \Big( \frac{\|X - G(Z)\|^2}{2\sigma^2} \Big) + \frac d2 \log(2\pi\sigma^2)
        + D_{KL}\big(Q(Z|X) \,\|\, P_Z\big) \Big],

    the KL in closed form, :math:`\frac12 \sum_j (\mu_j^2 + e^{v_j} - 1 - v_j)`.
    """

    name = "vae"
    critic_space = None
    gaussian_encoder = True

    def __init__(self, data_dim: int, latent_dim: int, **kw: Unpack[ModelHyper]) -> None:
        super().__init__(data_dim, latent_dim, **kw)
        self._require_gaussian_decoder("VAE")
        if self.encoder is None or not self.encoder.gaussian:
            raise ValueError("gaussian_encoder: the VAE needs a Gaussian encoder")

    def _terms(
        self, x: torch.Tensor, generator: torch.Generator | None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        if self.encoder is None:  # checked by __init__
            raise ValueError(f"model {self.name!r} has no encoder")
        mean, logvar = self.encoder(x)
        z = mean + torch.exp(0.5 * logvar) * self._randn(mean.shape, generator)
        y = self.decode(z)
        nll = self._gaussian_nll(x, y).mean()
        kl = 0.5 * (mean * mean + logvar.exp() - 1.0 - logvar).sum(-1).mean()
        return nll, kl, pair_cost(x, y).mean()

    def generator_loss(
        self, x: torch.Tensor, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        nll, kl, rec = self._terms(x, generator)
        return nll + kl, {"nll": nll.detach(), "kl": kl.detach(), "rec": rec.detach()}

    @torch.no_grad()
    def objective(self, x: torch.Tensor, generator: torch.Generator | None = None) -> dict[str, float]:
        nll, kl, rec = self._terms(x, generator)
        return {"objective": float(nll + kl), "nll": float(nll), "kl": float(kl), "rec": float(rec)}


class WGANGP(GenerativeModel):
    r"""WGAN-GP (Gulrajani et al. 2017): the dual side of :math:`W_1` (eq. 2).

    The critic minimizes :math:`E f(G(Z)) - E f(X) + \gamma E(\|\nabla f(\hat X)\| - 1)^2` with
    :math:`\hat X` uniform on segments between data and samples (``gp`` is :math:`\gamma`); the
    generator minimizes :math:`-E f(G(Z))`. ``objective`` reports the dual estimate
    :math:`E f(X) - E f(G(Z))` of :math:`W_1(P_X, P_G)`.
    """

    name = "wgan-gp"
    uses_encoder = False
    critic_space = "data"

    def generator_loss(
        self, x: torch.Tensor, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        loss = -self._critic_of(self.sample(x.shape[0], generator)).mean()
        return loss, {"gen": loss.detach()}

    def critic_loss(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        with torch.no_grad():
            y = self.sample(x.shape[0], generator)
        t = torch.rand((x.shape[0], 1), generator=generator, device=x.device, dtype=x.dtype)
        xh = (t * x + (1 - t) * y).requires_grad_(True)
        (grad,) = torch.autograd.grad(self._critic_of(xh).sum(), xh, create_graph=True)
        penalty = ((torch.linalg.vector_norm(grad, dim=-1) - 1.0) ** 2).mean()
        return self._critic_of(y).mean() - self._critic_of(x).mean() + self.gp * penalty

    @torch.no_grad()
    def objective(self, x: torch.Tensor, generator: torch.Generator | None = None) -> dict[str, float]:
        dual = self._critic_of(x).mean() - self._critic_of(self.sample(x.shape[0], generator)).mean()
        return {"objective": float(dual), "dual_w1": float(dual)}


#: Model name -> class.
MODELS: dict[str, type[GenerativeModel]] = {"pot": POT, "wae-mmd": WAEMMD, "aae": AAE, "vae": VAE, "wgan-gp": WGANGP}

_DEFAULTS: dict[str, dict[str, float | str]] = {
    "pot": {"lam": 1.0, "sigma2": 0.0, "cost": "sqeuclidean", "critic_steps": 1},
    "wae-mmd": {"lam": 10.0, "sigma2": 0.0, "cost": "sqeuclidean", "critic_steps": 0},
    "aae": {"lam": 1.0, "sigma2": 0.5, "cost": "sqeuclidean", "critic_steps": 1},
    "vae": {"lam": 1.0, "sigma2": 0.1, "cost": "sqeuclidean", "critic_steps": 0},
    "wgan-gp": {"lam": 1.0, "sigma2": 0.0, "cost": "euclidean", "critic_steps": 5},
}


def check_model_name(name: object) -> str:
    """Return ``name`` if it is a known model, else raise ``ValueError`` listing the valid ones."""
    if not isinstance(name, str) or name not in MODELS:
        raise ValueError(f"model: unknown model {name!r}; valid names: {', '.join(sorted(MODELS))}")
    return name


def model_defaults(name: str) -> dict[str, float | str]:
    """Default ``lam``, ``sigma2``, ``cost`` and ``critic_steps`` of model ``name`` (a copy).

    Examples
    --------
    >>> model_defaults("wgan-gp")["critic_steps"]
    5
    """
    return dict(_DEFAULTS[check_model_name(name)])


def build_model(name: str, data_dim: int, latent_dim: int, **hyper: Unpack[ModelHyper]) -> GenerativeModel:
    """Construct model ``name`` (see :data:`MODELS`) with hyperparameters ``hyper``.

    Raises
    ------
    ValueError
        Unknown name; the message lists the valid names.

    Examples
    --------
    >>> m = build_model("pot", 2, 2, width=16, depth=1)
    >>> tuple(m.sample(5, torch.Generator().manual_seed(0)).shape)
    (5, 2)
    >>> build_model("gan", 2, 2)
    Traceback (most recent call last):
    ...
    ValueError: model: unknown model 'gan'; valid names: aae, pot, vae, wae-mmd, wgan-gp
    """
    return MODELS[check_model_name(name)](data_dim, latent_dim, **hyper)
