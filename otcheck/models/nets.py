r"""Small MLP encoders, decoders and critics (layer 5, torch).

All networks are multilayer perceptrons with ``depth`` hidden layers of ``width`` units and ReLU
activations; ``depth = 0`` gives an affine map (used for linear-Gaussian data, where the optimal
decoders are linear).
"""

from __future__ import annotations

import torch
from torch import nn

from .._validation import check_positive_int

__all__ = ["mlp", "Encoder", "Decoder", "Critic"]


def mlp(in_dim: int, out_dim: int, width: int = 128, depth: int = 2) -> nn.Sequential:
    r"""A ReLU multilayer perceptron :math:`\mathbb R^{in} \to \mathbb R^{out}`.

    .. math::

        f = A_{L+1} \circ \mathrm{ReLU} \circ A_L \circ \dots \circ \mathrm{ReLU} \circ A_1,
        \qquad L = \text{depth}

    Parameters
    ----------
    in_dim, out_dim : int
        Input and output dimensions.
    width : int
        Units per hidden layer.
    depth : int
        Number of hidden layers (0: a single affine map).

    Returns
    -------
    torch.nn.Sequential
        ``depth`` blocks ``Linear, ReLU``, then a ``Linear`` to ``out_dim``; freshly initialized (torch's
        default initialization and dtype).

    Examples
    --------
    >>> net = mlp(2, 3, width=8, depth=1)
    >>> tuple(net(torch.zeros(5, 2)).shape)
    (5, 3)
    """
    in_dim = check_positive_int(in_dim, "in_dim")
    out_dim = check_positive_int(out_dim, "out_dim")
    width = check_positive_int(width, "width")
    depth = check_positive_int(depth, "depth", minimum=0)
    layers: list[nn.Module] = []
    d = in_dim
    for _ in range(depth):
        layers += [nn.Linear(d, width), nn.ReLU()]
        d = width
    layers.append(nn.Linear(d, out_dim))
    return nn.Sequential(*layers)


class Encoder(nn.Module):
    r"""Encoder :math:`Q(Z|X)`: deterministic :math:`Z = E(X)` or Gaussian
    :math:`Q(Z|X=x) = \mathcal N(\mu(x), \mathrm{diag}\, e^{v(x)})`.

    Parameters
    ----------
    data_dim, latent_dim : int
        Dimensions of X and Z.
    width, depth : int
        Size of the MLP (see :func:`mlp`).
    gaussian : bool
        Gaussian encoder (mean and log-variance heads) instead of a deterministic one.

    Examples
    --------
    >>> enc = Encoder(2, 1, width=8, depth=1, gaussian=True)
    >>> mean, logvar = enc(torch.zeros(4, 2))
    >>> tuple(mean.shape), tuple(logvar.shape)
    ((4, 1), (4, 1))
    >>> Encoder(2, 1, width=8, depth=1)(torch.zeros(4, 2))[1] is None
    True
    """

    def __init__(
        self, data_dim: int, latent_dim: int, width: int = 128, depth: int = 2, gaussian: bool = False
    ) -> None:
        super().__init__()
        self.latent_dim = check_positive_int(latent_dim, "latent_dim")
        self.gaussian = bool(gaussian)
        self.net = mlp(data_dim, (2 if self.gaussian else 1) * self.latent_dim, width, depth)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """``(mean, logvar)``; ``logvar`` is ``None`` for a deterministic encoder."""
        out = self.net(x)
        if not self.gaussian:
            return out, None
        mean, logvar = out.split(self.latent_dim, dim=-1)
        return mean, logvar.clamp(-12.0, 8.0)

    def sample(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        r"""Draw :math:`Z \sim Q(Z|X=x)` (the mean for a deterministic encoder), reparameterized."""
        mean, logvar = self(x)
        if logvar is None:
            return mean
        eps = torch.randn(mean.shape, generator=generator, device=mean.device, dtype=mean.dtype)
        return mean + torch.exp(0.5 * logvar) * eps


class Decoder(nn.Module):
    r"""Decoder mean :math:`G: \mathcal Z \to \mathcal X`; ``output="sigmoid"`` maps into
    :math:`[0, 1]^d` (images).

    Examples
    --------
    >>> dec = Decoder(1, 3, width=8, depth=1, output="sigmoid")
    >>> bool(((dec(torch.zeros(2, 1)) > 0) & (dec(torch.zeros(2, 1)) < 1)).all())
    True
    """

    OUTPUTS = ("linear", "sigmoid")

    def __init__(
        self, latent_dim: int, data_dim: int, width: int = 128, depth: int = 2, output: str = "linear"
    ) -> None:
        super().__init__()
        if output not in self.OUTPUTS:
            raise ValueError(f"output: expected one of {self.OUTPUTS}, got {output!r}")
        self.output = output
        self.net = mlp(latent_dim, data_dim, width, depth)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        out = self.net(z)
        return torch.sigmoid(out) if self.output == "sigmoid" else out


class Critic(nn.Module):
    r"""Scalar critic :math:`f: \mathbb R^d \to \mathbb R` (a logit for the GAN discriminator
    :math:`T = \mathrm{sigmoid}(f)`, or a WGAN witness).

    Examples
    --------
    >>> tuple(Critic(2, width=8, depth=1)(torch.zeros(3, 2)).shape)
    (3,)
    """

    def __init__(self, in_dim: int, width: int = 128, depth: int = 2) -> None:
        super().__init__()
        self.net = mlp(in_dim, 1, width, depth)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(-1)
