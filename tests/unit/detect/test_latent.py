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


def test_a_signal_without_an_honest_reference_has_its_honest_rate_learnt() -> None:
    """The last signal is present in 40 % of honest rows and every fake one, but the reference says 1 %
    (as "inside this seller's campaign" would be measured on other sellers): taken at its word the model
    calls many honest rows fake; told to learn that rate, it recovers it and the fake rows."""
    rng = np.random.default_rng(7)
    n = 8000
    group = rng.integers(0, 4, n).astype(np.int64)
    fake = rng.random(n) < 0.3
    theta0 = np.array([0.03, 0.10, 0.40])
    theta1 = np.array([0.60, 0.80, 1.00])
    x = rng.random((n, 3)) < np.where(fake[:, None], theta1, theta0)
    wrong = np.array([0.03, 0.10, 0.01])
    init = np.where(x[:, 0], 0.9, 0.1)
    fixed, _, _ = latent.fit(x, group, wrong, init)
    learnt, _, _ = latent.fit(x, group, wrong, init, learn0=np.array([False, False, True]))
    false_pos = lambda post: int(((post >= 0.5) & ~fake).sum())  # noqa: E731
    assert false_pos(learnt) < false_pos(fixed) / 3
    assert ((learnt >= 0.5) == fake).mean() > 0.9
