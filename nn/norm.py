"""Batch normalisation, ``torch.nn.BatchNorm1d`` and ``torch.nn.BatchNorm2d``."""

from __future__ import annotations

import numpy as np

from nn.checks import check_array, check_dim, float_dtype
from nn.module import Module, Parameter


class _BatchNorm(Module):
    """Normalise each channel over the batch (and spatial) axes, then scale and shift:

    .. math:: \\hat x = \\frac{x - \\mu}{\\sqrt{\\sigma^2 + \\epsilon}}, \\qquad
              y = \\gamma \\hat x + \\beta,

    with :math:`\\mu, \\sigma^2` the mean and biased variance of the channel over the ``m``
    values it holds in the batch. In training, the running statistics follow

    .. math:: \\bar\\mu \\leftarrow (1 - \\text{momentum})\\,\\bar\\mu + \\text{momentum}\\,\\mu,
              \\qquad
              \\bar\\sigma^2 \\leftarrow (1 - \\text{momentum})\\,\\bar\\sigma^2
              + \\text{momentum}\\,\\tfrac{m}{m-1}\\sigma^2

    (the unbiased variance, as PyTorch); in eval mode they replace :math:`\\mu, \\sigma^2`.

    Parameters
    ----------
    num_features : int
        The number of channels ``C`` (axis 1 of the input).
    eps, momentum : float
        As in PyTorch: 1e-5 and 0.1.
    affine : bool
        Learn ``weight`` (:math:`\\gamma`, ones) and ``bias`` (:math:`\\beta`, zeros), shape (C,).
    dtype : numpy dtype
        float32 or float64; inputs must match it (a mismatch is a ``TypeError``).
    """

    _allowed_ndim: tuple[int, ...] = ()
    _buffer_names = ("running_mean", "running_var")

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float = 0.1,
        affine: bool = True,
        *,
        dtype: type | np.dtype = np.float64,
    ) -> None:
        name = type(self).__name__
        if num_features < 1:
            raise ValueError(f"{name}: num_features must be positive, got {num_features}")
        if eps <= 0 or not 0.0 <= momentum <= 1.0:
            raise ValueError(f"{name}: need eps > 0 and 0 <= momentum <= 1, "
                             f"got eps={eps}, momentum={momentum}")
        dtype = float_dtype(dtype, name)
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.weight = Parameter(np.ones(num_features, dtype), "weight") if affine else None
        self.bias = Parameter(np.zeros(num_features, dtype), "bias") if affine else None
        self.running_mean = np.zeros(num_features, dtype)
        self.running_var = np.ones(num_features, dtype)
        self._cache: tuple[np.ndarray, np.ndarray, tuple[int, ...], bool] | None = None

    def _per_channel(self, v: np.ndarray, ndim: int) -> np.ndarray:
        """Shape a (C,) vector to broadcast against an input of rank ``ndim``."""
        return v.reshape((1, -1) + (1,) * (ndim - 2))

    def forward(self, x: np.ndarray) -> np.ndarray:
        owner = repr(self)
        check_array(x, owner, ndim=self._allowed_ndim)
        check_dim(x, 1, self.num_features, owner, "channels (shape[1])")
        if x.dtype != self.running_mean.dtype:
            raise TypeError(f"{owner}: input dtype {x.dtype} does not match the layer's dtype "
                            f"{self.running_mean.dtype}")
        axes = (0,) + tuple(range(2, x.ndim))
        count = x.size // self.num_features
        if self.training and count < 2:
            raise ValueError(f"{owner}: expected more than 1 value per channel when training, "
                             f"got input shape {x.shape}")
        # --8<-- [start:forward]
        if self.training:
            mean = x.mean(axis=axes)
            var = x.var(axis=axes)
            m = self.momentum
            self.running_mean *= 1 - m
            self.running_mean += m * mean
            self.running_var *= 1 - m
            self.running_var += m * var * (count / (count - 1))
        else:
            mean, var = self.running_mean, self.running_var
        inv_std = 1 / np.sqrt(var + self.eps)
        x_hat = (x - self._per_channel(mean, x.ndim)) * self._per_channel(inv_std, x.ndim)
        # --8<-- [end:forward]
        self._cache = (x_hat, inv_std, axes, self.training)
        if self.weight is None:
            return x_hat
        return x_hat * self._per_channel(self.weight.data, x.ndim) + self._per_channel(
            self.bias.data, x.ndim
        )

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        """In training, with :math:`g = \\partial L/\\partial y` and averages
        :math:`\\langle\\cdot\\rangle` over a channel's ``m`` values,

        .. math:: \\frac{\\partial L}{\\partial x} = \\frac{\\gamma}{\\sqrt{\\sigma^2+\\epsilon}}
                  \\big(g - \\langle g \\rangle - \\hat x \\langle g \\hat x \\rangle\\big),

        because :math:`\\mu` and :math:`\\sigma^2` depend on every ``x`` of the channel. In eval
        mode the statistics are constants and the gradient is
        :math:`\\gamma g / \\sqrt{\\bar\\sigma^2 + \\epsilon}`. Also accumulates
        :math:`\\partial L/\\partial\\gamma = \\sum g \\hat x` and
        :math:`\\partial L/\\partial\\beta = \\sum g`.
        """
        if self._cache is None:
            raise RuntimeError(f"{self!r}: backward called before forward")
        x_hat, inv_std, axes, training = self._cache
        if grad_output.shape != x_hat.shape:
            raise ValueError(f"{self!r}: expected grad_output of shape {x_hat.shape}, "
                             f"got {grad_output.shape}")
        g = grad_output
        ndim = g.ndim
        if self.weight is not None:
            self.weight.grad += (g * x_hat).sum(axis=axes)
            self.bias.grad += g.sum(axis=axes)
            g = g * self._per_channel(self.weight.data, ndim)
        # --8<-- [start:backward]
        if training:
            g_mean = g.mean(axis=axes, keepdims=True)
            g_x_hat_mean = (g * x_hat).mean(axis=axes, keepdims=True)
            g = g - g_mean - x_hat * g_x_hat_mean
        return g * self._per_channel(inv_std, ndim)
        # --8<-- [end:backward]

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.weight is not None}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of ``(N, C)`` or ``(N, C, L)`` inputs; statistics per channel
    over ``N`` (and ``L``). Output shape and dtype equal the input's."""

    _allowed_ndim = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of ``(N, C, H, W)`` images; statistics per channel over
    ``N, H, W``. Output shape and dtype equal the input's."""

    _allowed_ndim = (4,)
