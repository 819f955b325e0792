"""A two-class latent model of binary signals (latent class analysis), fitted by EM.

At each suspect seller some orders are fake and the rest honest; which is which is unknown. Each order
carries binary signals (empty parcel, quick top rating, account linked to known brushers …). The model:
an order of group ``g`` (a seller) is fake with probability ``pi[g]``; given its class, signal ``f`` is
present with probability ``theta1[f]`` (fake) or ``theta0[f]`` (honest), independently. ``theta0`` is
known — measured on orders where nobody is suspected, the honest reference (but see ``learn0``) — so EM
only learns ``theta1`` (held at or above ``theta0``: every signal is one of suspicion) and the groups' shares, and
reports each order's posterior probability of being fake.
Nothing is learnt from labels: the same fit runs on any dataset.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
EPS = 1e-4


def fit(
    x: NDArray[np.bool_],
    group: I64,
    theta0: F64,
    init: F64,
    *,
    learn0: NDArray[np.bool_] | None = None,
    iterations: int = 50,
) -> tuple[F64, F64, F64]:
    """(posterior per row, theta1, pi per group). ``init``: a first guess of each row's posterior.
    ``learn0`` marks signals whose honest rate has no outside reference (it depends on the suspects
    themselves, e.g. "inside the seller's campaign"): EM learns their ``theta0`` from the rows it deems
    honest, as it learns ``theta1``."""
    n, _ = x.shape
    xf = x.astype(np.float64)
    t0 = np.clip(theta0, EPS, 1 - EPS)
    log0 = xf @ np.log(t0) + (1 - xf) @ np.log(1 - t0)
    groups = int(group.max()) + 1 if n else 0
    post = np.clip(init.astype(np.float64), 0.0, 1.0)
    theta1 = t0.copy()
    pi = np.full(groups, 0.5)
    free = np.zeros(x.shape[1], dtype=np.bool_) if learn0 is None else learn0
    for _ in range(iterations):
        mass = post.sum()
        if free.any():
            honest = 1.0 - post
            t0 = np.where(free, np.clip((honest @ xf + 1.0) / (honest.sum() + 2.0), EPS, 1 - EPS), t0)
            log0 = xf @ np.log(t0) + (1 - xf) @ np.log(1 - t0)
        # Laplace-smoothed, and never below the honest rate: every signal is one of suspicion, so the fake
        # class may not be "the rows without signals" (which would otherwise fit rows that have none)
        theta1 = np.clip(np.maximum((post @ xf + 1.0) / (mass + 2.0), t0), EPS, 1 - EPS)
        pi = np.clip(
            (np.bincount(group, weights=post, minlength=groups) + 0.5) / (np.bincount(group, minlength=groups) + 1.0),
            EPS,
            1 - EPS,
        )
        log1 = xf @ np.log(theta1) + (1 - xf) @ np.log(1 - theta1)
        logit = np.log(pi[group]) - np.log(1 - pi[group]) + log1 - log0
        new = 1.0 / (1.0 + np.exp(-np.clip(logit, -50, 50)))
        if np.max(np.abs(new - post), initial=0.0) < 1e-6:
            post = new
            break
        post = new
    return post, theta1, pi
