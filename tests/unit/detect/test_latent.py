"""The latent two-class model separates a planted mixture without labels."""

from __future__ import annotations

import numpy as np

from chengxin.analytics.detect import latent


def test_em_recovers_the_fake_rows_and_their_signal_rates() -> None:
    rng = np.random.default_rng(1)
    n, groups = 6000, 6
    group = rng.integers(0, groups, n).astype(np.int64)
    share = np.linspace(0.05, 0.6, groups)
    fake = rng.random(n) < share[group]
    theta0 = np.array([0.02, 0.10, 0.05, 0.30])
    theta1 = np.array([0.40, 0.70, 0.05, 0.90])
    x = rng.random((n, 4)) < np.where(fake[:, None], theta1, theta0)
    init = np.where(x[:, 0], 0.9, 0.1)
    post, t1, pi = latent.fit(x, group, theta0, init)
    # the best any rule can do: the posterior under the true parameters
    xf = x.astype(np.float64)
    ll1 = xf @ np.log(theta1) + (1 - xf) @ np.log(1 - theta1)
    ll0 = xf @ np.log(theta0) + (1 - xf) @ np.log(1 - theta0)
    oracle = (np.log(share[group] / (1 - share[group])) + ll1 - ll0) >= 0
    accuracy = ((post >= 0.5) == fake).mean()
    assert accuracy >= (oracle == fake).mean() - 0.01
    assert accuracy > 0.85
    assert np.allclose(t1, theta1, atol=0.08)
    assert np.all(np.diff(pi) > -0.05)  # the groups' shares come out in their order


def test_no_signal_means_no_fake() -> None:
    x = np.zeros((100, 3), dtype=np.bool_)
    post, _, _ = latent.fit(x, np.zeros(100, dtype=np.int64), np.array([0.1, 0.2, 0.3]), np.full(100, 0.1))
    assert post.max() < 0.5
