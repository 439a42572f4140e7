"""Search directions against textbook references: L-BFGS against the
two-loop recursion; BFGS against its finite termination on quadratics, the
secant equation and the product form of its update."""

import numpy as np
import pytest

from sklogreg._backend import Backend
from sklogreg._bfgs import BFGS
from sklogreg._coordinates import Coordinates
from sklogreg._directions import LBFGS
from sklogreg._loss import MultinomialLoss
from sklogreg._objective import Objective

from .test_gradient import CASES, N, P, _objective


def _two_loop(steps, changes, g, metric):
    """The textbook L-BFGS two-loop recursion (Nocedal and Wright, Alg. 7.4): H g,
    from ``H0 = gamma P`` (``metric`` applies ``P``)."""
    rho = [1 / (y @ s) for s, y in zip(steps, changes, strict=True)]
    q, alphas = g.copy(), []
    for s, y, r in zip(reversed(steps), reversed(changes), reversed(rho), strict=True):
        alphas.append(r * (s @ q))
        q -= alphas[-1] * y
    gamma = (steps[-1] @ changes[-1]) / (changes[-1] @ metric(changes[-1]))
    r_vec = gamma * metric(q)
    for s, y, r, a in zip(steps, changes, rho, reversed(alphas), strict=True):
        r_vec += s * (a - r * (y @ r_vec))
    return r_vec


def _quadratic_pairs(objective, shape, n_pairs, rng, scale=1.0):
    """Steps and the gradient changes a fixed quadratic per group gives them."""
    n_groups = objective.n_groups
    size = int(np.prod(shape)) // n_groups
    hessians = rng.normal(size=(n_groups, size, size))
    hessians = hessians @ np.transpose(hessians, (0, 2, 1)) + np.eye(size)
    steps = [scale * rng.normal(size=shape) for _ in range(n_pairs)]
    changes = [
        np.einsum("gij,gj->gi", hessians, step.reshape(n_groups, -1)).reshape(shape)
        for step in steps
    ]
    return steps, changes


def _feed(lbfgs, objective, g, steps, changes, metric):
    """Pairs reach the memory as in the solver: a direction at a gradient, the
    step taken from there, the gradient where it led. Returns the gradients
    visited (the last one where the next direction is asked)."""
    gradients = [g]
    for step, change in zip(steps, changes, strict=True):
        lbfgs.direction(objective, gradients[-1], metric)
        lbfgs.record(step)
        gradients.append(gradients[-1] + change)
    return gradients


def _expected(steps, gradients, metric, n_groups, width, keep):
    """``-H g`` of the last gradient by the two-loop recursion, per group, over
    the pairs ``keep`` (indices), as float64 arrays."""
    g = gradients[-1].astype(np.float64)
    steps = [steps[i].astype(np.float64) for i in keep]
    # The changes as the method sees them: differences in the gradients' dtype.
    changes = [(gradients[i + 1] - gradients[i]).astype(np.float64) for i in keep]

    def per_group(a, k):
        return a.reshape(n_groups, -1)[k]

    def group_metric(v):  # the columns of one group, each times the metric
        return metric(v.reshape(-1, width)).astype(np.float64).ravel()

    return np.stack(
        [
            -_two_loop(
                [per_group(s, k) for s in steps],
                [per_group(y, k) for y in changes],
                per_group(g, k),
                group_metric,
            )
            for k in range(n_groups)
        ]
    )


def _metric(rng, width, with_metric, dtype=np.float64):
    root = rng.normal(size=(width, width))
    Q = (root @ root.T + np.eye(width) if with_metric else np.eye(width)).astype(dtype)
    return lambda A: A @ Q  # per column of theta (and per pair, for 3-d A)


@pytest.mark.parametrize("with_metric", [False, True])
@pytest.mark.parametrize("n_classes, multi_class", CASES)
def test_lbfgs_direction_is_the_two_loop_recursion_per_group(
    n_classes, multi_class, with_metric
):
    """The compact form equals the two-loop recursion, group by group, from the
    identity or from a positive definite matrix per column, once the memory
    is full and its oldest pair has gone."""
    objective, _, theta = _objective(n_classes, multi_class, True, "plain")
    rng = np.random.default_rng(7)
    metric = _metric(rng, theta.shape[1], with_metric)
    steps, changes = _quadratic_pairs(objective, theta.shape, 5, rng)
    lbfgs = LBFGS(memory=4)
    g = rng.normal(size=theta.shape)
    gradients = _feed(lbfgs, objective, g, steps, changes, metric)
    direction, slope = lbfgs.direction(objective, gradients[-1], metric)
    n_groups = objective.n_groups
    expected = _expected(steps, gradients, metric, n_groups, theta.shape[1], range(1, 5))
    np.testing.assert_allclose(direction, expected.reshape(theta.shape), rtol=1e-10)
    g = gradients[-1].reshape(n_groups, -1)
    np.testing.assert_allclose(slope, np.einsum("gi,gi->g", g, expected))


@pytest.mark.parametrize(
    "seed, n_pairs, memory, bad",
    [
        (3, 4, 10, 0),  # the first pair
        (3, 4, 10, 2),  # a later one
        # Pairs come and go through the memory's slots several times over (3
        # kept of 9): a skipped pair long after the memory filled, early or
        # inside the last window, leaves no trace either.
        (5, 9, 3, 2),
        (5, 9, 3, 7),
    ],
)
def test_lbfgs_skips_a_pair_of_negative_curvature(seed, n_pairs, memory, bad):
    """A pair with s^T y <= 0 in any group is stored for none; the direction
    is the recursion over the last ``memory`` others."""
    objective, _, theta = _objective(4, "ovr", True, "plain")
    rng = np.random.default_rng(seed)
    metric = _metric(rng, theta.shape[1], True)
    steps, changes = _quadratic_pairs(objective, theta.shape, n_pairs, rng)
    changes[bad] = changes[bad].copy()
    changes[bad][1] = -steps[bad][1]  # group 1: s^T y = -|s|^2
    lbfgs = LBFGS(memory=memory)
    g = rng.normal(size=theta.shape)
    gradients = _feed(lbfgs, objective, g, steps, changes, metric)
    direction, _ = lbfgs.direction(objective, gradients[-1], metric)
    keep = [i for i in range(n_pairs) if i != bad][-memory:]
    expected = _expected(steps, gradients, metric, 4, theta.shape[1], keep)
    np.testing.assert_allclose(direction, expected.reshape(theta.shape), rtol=1e-10)


def _softmax_groups(rng, n_groups=3, n_classes=3):
    """An objective of ``n_groups`` softmax problems of ``n_classes`` columns."""
    X = rng.normal(size=(N, P))
    labels = rng.integers(n_classes, size=(N, n_groups))
    Y = np.hstack(
        [(labels[:, [k]] == np.arange(n_classes)).astype(float) for k in range(n_groups)]
    )
    backend = Backend(X)
    weight = np.full((N, 1), 1 / N)
    loss = MultinomialLoss(Y, n_classes, backend)
    alpha = np.full(n_groups * n_classes, 0.1)
    return Objective(X, loss, weight, alpha, fit_intercept=True)


def test_lbfgs_keeps_the_pairs_of_the_groups_that_run_on():
    """Dropping a softmax group (columns of several classes) keeps the other
    groups' pairs and small matrices: their directions are unchanged."""
    rng = np.random.default_rng(11)
    objective = _softmax_groups(rng)
    backend = objective.backend
    shape = (9, P + 1)
    metric = _metric(rng, P + 1, True)
    steps, changes = _quadratic_pairs(objective, shape, 5, rng)
    lbfgs = LBFGS(memory=3)
    gradients = _feed(lbfgs, objective, rng.normal(size=shape), steps, changes, metric)
    kept = np.array([0, 2])
    columns = objective.columns(kept)
    lbfgs.take(backend, columns, kept)
    direction, _ = lbfgs.direction(objective.subset(kept), gradients[-1][columns], metric)
    expected = _expected(steps, gradients, metric, 3, P + 1, range(2, 5))[kept]
    np.testing.assert_allclose(direction, expected.reshape(6, P + 1), rtol=1e-10)


def test_lbfgs_float32_small_steps():
    """In float32, with steps so small that |g| is 1e5 times |y|, the images
    z = P y stay as accurate as y itself (P g - P g_prev would cancel)."""
    objective, _, theta = _objective(2, "ovr", True, "plain", dtype=np.float32)
    rng = np.random.default_rng(5)
    metric = _metric(rng, theta.shape[1], True, dtype=np.float32)
    steps, changes = _quadratic_pairs(objective, theta.shape, 4, rng, scale=1e-5)
    steps = [s.astype(np.float32) for s in steps]
    changes = [y.astype(np.float32) for y in changes]
    g = rng.normal(size=theta.shape).astype(np.float32)
    lbfgs = LBFGS(memory=10)
    gradients = _feed(lbfgs, objective, g, steps, changes, metric)
    direction, _ = lbfgs.direction(objective, gradients[-1], metric)
    assert direction.dtype == np.float32
    expected = _expected(steps, gradients, metric, 1, theta.shape[1], range(4))
    error = np.abs(direction - expected.reshape(theta.shape)).max()
    assert error <= 1e-4 * np.abs(expected).max()


def _exact_descent(objective, hessians, b, directions, metric, x, n_steps):
    """``n_steps`` of ``directions`` on ``x^T A x / 2 - b^T x`` per group, each
    step to the minimum along the direction. Returns ``x`` and the gradient."""
    n_groups, shape = objective.n_groups, x.shape

    def gradient(x):
        flat = np.einsum("gij,gj->gi", hessians, x.reshape(n_groups, -1))
        return (flat - b).reshape(shape)

    for _ in range(n_steps):
        g = gradient(x)
        d, slope = directions.direction(objective, g, metric)
        flat = d.reshape(n_groups, -1)
        curvature = np.einsum("gi,gij,gj->g", flat, hessians, flat)
        step = (-slope / curvature).repeat(objective.group_size)[:, None] * d
        directions.record(step)
        x = x + step
    return x, gradient(x)


@pytest.mark.parametrize("with_metric", [False, True])
@pytest.mark.parametrize("n_classes, multi_class", CASES)
def test_bfgs_minimizes_a_quadratic_in_as_many_exact_steps_as_coordinates(
    n_classes, multi_class, with_metric
):
    """With exact line searches, BFGS reaches the minimum of a strictly
    convex quadratic in at most ``n`` steps (Nocedal and Wright, Thm. 6.4),
    from any positive definite start. (Here the start exceeds the inverse
    Hessian, so ``H`` is never scaled up, which would void the theorem.)
    Steepest descent, the test's control, is still far from it then."""
    objective, _, theta = _objective(n_classes, multi_class, True, "plain")
    rng = np.random.default_rng(2)
    n_groups = objective.n_groups
    size = theta.size // n_groups
    root = rng.normal(size=(n_groups, size, size))
    hessians = 1e3 * (root @ np.transpose(root, (0, 2, 1)) + 0.1 * np.eye(size))
    b = rng.normal(size=(n_groups, size))
    metric = _metric(rng, theta.shape[1], with_metric)
    x0 = np.zeros(theta.shape)
    _, g0 = _exact_descent(objective, hessians, b, BFGS(), metric, x0, 0)
    _, g = _exact_descent(objective, hessians, b, BFGS(), metric, x0, size)
    assert np.abs(g).max() <= 1e-9 * np.abs(g0).max()
    # Preconditioned steepest descent: BFGS never updated.
    never = BFGS()
    never.record = lambda step: None
    _, g_sd = _exact_descent(objective, hessians, b, never, metric, x0, size)
    assert np.abs(g_sd).max() >= 1e-3 * np.abs(g0).max()


@pytest.mark.parametrize("curvature", [1e-3, 1e3])
@pytest.mark.parametrize("n_classes, multi_class", CASES)
def test_bfgs_update_meets_the_secant_equation(n_classes, multi_class, curvature):
    """After each pair, ``H`` is symmetric positive definite and maps the
    gradient change to the step, ``H y = s`` (whether or not it was scaled
    up first: ``curvature`` 1e-3 makes the start too small)."""
    objective, _, theta = _objective(n_classes, multi_class, True, "plain")
    rng = np.random.default_rng(6)
    metric = _metric(rng, theta.shape[1], True)
    n_groups = objective.n_groups
    steps, changes = _quadratic_pairs(objective, theta.shape, 4, rng)
    changes = [curvature * y for y in changes]
    bfgs = BFGS()
    gradients = [rng.normal(size=theta.shape)]
    for step, change in zip(steps, changes, strict=True):
        bfgs.direction(objective, gradients[-1], metric)
        bfgs.record(step)
        gradients.append(gradients[-1] + change)
        bfgs.direction(objective, gradients[-1], metric)  # the update
        H = bfgs._H
        s, y = step.reshape(n_groups, -1), change.reshape(n_groups, -1)
        Hy = np.einsum("gij,gj->gi", H, y)
        np.testing.assert_allclose(Hy, s, rtol=1e-9, atol=1e-9 * np.abs(s).max())
        np.testing.assert_allclose(H, np.transpose(H, (0, 2, 1)), rtol=1e-12)
        assert (np.linalg.eigvalsh(H)[:, 0] > 0).all()


def test_bfgs_groups_are_independent():
    """A pair of negative curvature in one group leaves the other groups'
    matrices as they are; dropping groups keeps the others' matrices."""
    objective, _, theta = _objective(4, "ovr", True, "plain")
    rng = np.random.default_rng(4)
    metric = _metric(rng, theta.shape[1], True)
    steps, changes = _quadratic_pairs(objective, theta.shape, 4, rng)
    bad = [y.copy() for y in changes]
    bad[2][1] = -steps[2][1]  # group 1: s^T y = -|s|^2
    g = rng.normal(size=theta.shape)
    directions = []
    for pairs in (changes, bad):
        bfgs = BFGS()
        gradients = _feed(bfgs, objective, g, steps, pairs, metric)
        directions.append(bfgs.direction(objective, gradients[-1], metric))
    (good, good_slope), (skipped, skipped_slope) = directions
    others = [0, 2, 3]
    np.testing.assert_allclose(skipped[others], good[others], rtol=1e-12)
    assert skipped_slope[1] < 0 and not np.allclose(skipped[1], good[1])
    # Dropping groups 1 and 3.
    bfgs = BFGS()
    gradients = _feed(bfgs, objective, g, steps, changes, metric)
    kept = np.array([0, 2])
    bfgs.take(objective.backend, objective.columns(kept), kept)
    direction, _ = bfgs.direction(objective.subset(kept), gradients[-1][kept], metric)
    np.testing.assert_allclose(direction, good[kept], rtol=1e-12)


@pytest.mark.parametrize("curvature", [1e-3, 1e3])
def test_bfgs_update_is_the_textbook_product_form(curvature):
    """One pair updates ``P`` to ``(I - r s y^T) c P (I - r y s^T) + r s s^T``
    (Nocedal and Wright, eq. 6.17) with ``r = 1 / s^T y`` and the scaling
    ``c = max(1, s^T y / y^T P y)``: above one for ``curvature`` 1e-3 (``P``
    too small), one for 1e3."""
    objective, _, theta = _objective(4, "ovr", True, "plain")
    rng = np.random.default_rng(8)
    width = theta.shape[1]
    root = rng.normal(size=(width, width))
    Q = root @ root.T + np.eye(width)
    steps, changes = _quadratic_pairs(objective, theta.shape, 1, rng)
    s, y = steps[0], curvature * changes[0]
    bfgs = BFGS()
    g = rng.normal(size=theta.shape)
    _feed(bfgs, objective, g, [s], [y], lambda A: A @ Q)
    bfgs.direction(objective, g + y, lambda A: A @ Q)
    scaled = []
    for k in range(4):
        r = 1 / (s[k] @ y[k])
        c = max(1.0, (s[k] @ y[k]) / (y[k] @ Q @ y[k]))
        scaled.append(c > 1)
        V = np.eye(width) - r * np.outer(y[k], s[k])
        expected = V.T @ (c * Q) @ V + r * np.outer(s[k], s[k])
        np.testing.assert_allclose(bfgs._H[k], expected, rtol=1e-10, atol=1e-12)
    assert all(scaled) if curvature < 1 else not any(scaled)


def test_bfgs_keeps_the_matrices_of_the_softmax_groups_that_run_on():
    """BFGS's matrices are per softmax group (its columns coupled): dropping
    a group keeps the others', and their directions."""
    rng = np.random.default_rng(12)
    objective = _softmax_groups(rng)
    shape = (9, P + 1)
    metric = _metric(rng, P + 1, True)
    steps, changes = _quadratic_pairs(objective, shape, 4, rng)
    g = rng.normal(size=shape)
    full, dropped = BFGS(), BFGS()
    gradients = _feed(full, objective, g, steps, changes, metric)
    _feed(dropped, objective, g, steps, changes, metric)
    expected, _ = full.direction(objective, gradients[-1], metric)
    assert full._H.shape == (3, 3 * (P + 1), 3 * (P + 1))
    kept = np.array([0, 2])
    columns = objective.columns(kept)
    dropped.take(objective.backend, columns, kept)
    direction, _ = dropped.direction(objective.subset(kept), gradients[-1][columns], metric)
    np.testing.assert_allclose(direction, expected[columns], rtol=1e-12)


def test_bfgs_starts_from_a_coupled_matrix():
    """With a matrix per softmax group in the coordinates (its whole
    curvature), BFGS's first direction is ``-M g`` of each group's joined
    gradient, as its first matrix is ``M``."""
    rng = np.random.default_rng(13)
    objective = _softmax_groups(rng, n_groups=2)
    size = 3 * (P + 1)
    root = rng.normal(size=(2, size, size))
    M = root @ np.transpose(root, (0, 2, 1)) + np.eye(size)
    coordinates = Coordinates(
        np.zeros(P),
        np.ones((6, P)),
        np.ones(6),
        fit_intercept=True,
        backend=objective.backend,
        inverse=M,
    )
    g = rng.normal(size=(6, P + 1))
    direction, slope = BFGS().direction(objective, g, coordinates.metric)
    expected = -np.einsum("gab,gb->ga", M, g.reshape(2, -1))
    np.testing.assert_allclose(direction, expected.reshape(g.shape), rtol=1e-12)
    np.testing.assert_allclose(slope, np.einsum("ga,ga->g", g.reshape(2, -1), expected))


def _started(objective, shape, seed):
    """A BFGS after its first direction, at a random gradient from a random
    metric: the BFGS, the gradient, the metric and its first matrix."""
    rng = np.random.default_rng(seed)
    Q = _metric(rng, shape[1], True)
    bfgs = BFGS()
    g = rng.normal(size=shape)
    bfgs.direction(objective, g, Q)
    return bfgs, g, Q, bfgs._H.copy()


def test_bfgs_starts_again_where_its_matrix_stopped_descending():
    """A group whose ``-H g`` would climb (``H`` made indefinite) gets ``-P
    g`` and starts again from ``P``; the other groups keep their matrices."""
    objective, _, theta = _objective(4, "ovr", True, "plain")
    bfgs, g, Q, initial = _started(objective, theta.shape, seed=9)
    bfgs._H[1] = -np.eye(theta.shape[1])  # climbs along any gradient
    bfgs._H[2] = 2 * initial[2]
    direction, slope = bfgs.direction(objective, g, Q)
    assert (slope < 0).all()
    np.testing.assert_allclose(direction[1], -Q(g[1]))
    np.testing.assert_allclose(direction[2], -2 * Q(g[2]))
    np.testing.assert_allclose(bfgs._H[1], initial[1])


def test_bfgs_float32_small_steps():
    """In float32, with steps so small that |g| is 1e5 times |y|, the update
    itself loses no more than float32 rounding: the direction agrees with
    float64 arithmetic on the same pairs (the gradient changes as float32
    sees them)."""
    directions, pairs = [], None
    for dtype in (np.float32, np.float64):
        objective, _, theta = _objective(2, "ovr", True, "plain", dtype=dtype)
        metric = _metric(np.random.default_rng(5), theta.shape[1], True, dtype=dtype)
        if pairs is None:
            steps, changes = _quadratic_pairs(
                objective, theta.shape, 4, np.random.default_rng(6), scale=1e-5
            )
            g = np.random.default_rng(7).normal(size=theta.shape).astype(dtype)
            steps = [s.astype(dtype) for s in steps]
            changes = [y.astype(dtype) for y in changes]
        bfgs = BFGS()
        gradients = _feed(bfgs, objective, g.astype(dtype), steps, changes, metric)
        direction, _ = bfgs.direction(objective, gradients[-1], metric)
        assert direction.dtype == dtype
        directions.append(direction)
        if pairs is None:  # float64 gets float32's steps and gradient changes
            pairs = True
            steps = [a.astype(np.float64) for a in steps]
            changes = [
                (b - a).astype(np.float64)
                for a, b in zip(gradients[:-1], gradients[1:], strict=True)
            ]
    error = np.abs(directions[0] - directions[1]).max()
    assert error <= 1e-4 * np.abs(directions[1]).max()


@pytest.mark.parametrize("n_classes", [2, 4])  # one group (host floats), four
def test_bfgs_skips_a_pair_whose_curvature_is_rounding(n_classes):
    """In float32, a pair with ``s^T y`` of 3e-45 next to ``||s|| ||y||``
    of 3e-11 (a step at the rounding level of a converged fit) leaves ``H``
    as it was: its ``1 / s^T y`` would overflow the update's float32
    coefficients (a RuntimeWarning, an error here)."""
    objective, _, theta = _objective(n_classes, "ovr", True, "plain", dtype=np.float32)
    metric = _metric(np.random.default_rng(5), theta.shape[1], True, dtype=np.float32)
    g = np.random.default_rng(7).normal(size=theta.shape).astype(np.float32)
    g[:, 0] = 0  # the gradient change keeps its 1e-37
    step = np.zeros(theta.shape, np.float32)
    step[:, 0] = 3e-8
    change = np.zeros(theta.shape, np.float32)
    change[:, 0], change[:, 1] = 1e-37, 1e-3
    assert 0 < float(step[0] @ change[0]) < 1e-44
    bfgs = BFGS()
    gradients = _feed(bfgs, objective, g, [step], [change], metric)
    before = bfgs._H.copy()
    direction, slope = bfgs.direction(objective, gradients[-1], metric)
    np.testing.assert_array_equal(bfgs._H, before)
    assert np.isfinite(direction).all() and (slope < 0).all()


@pytest.mark.parametrize("n_classes, multi_class", [(2, "ovr"), (4, "multinomial")])
def test_one_bfgs_group_starts_again_where_its_matrix_stopped_descending(
    n_classes, multi_class
):
    """The single group's own path (host floats) restarts as the batched one
    does: where ``-H g`` would climb, ``-P g``, and ``H`` is ``P`` again."""
    objective, _, theta = _objective(n_classes, multi_class, True, "plain")
    assert objective.n_groups == 1
    bfgs, g, Q, initial = _started(objective, theta.shape, seed=10)
    bfgs._H = -bfgs._H  # climbs along any gradient
    direction, slope = bfgs.direction(objective, g, Q)
    assert slope[0] < 0
    np.testing.assert_allclose(bfgs._H, initial)
    expected = -(initial[0] @ g.reshape(-1)).reshape(g.shape)
    np.testing.assert_allclose(direction, expected, rtol=1e-12)
    np.testing.assert_allclose(slope, [g.reshape(-1) @ expected.reshape(-1)], rtol=1e-12)


@pytest.mark.parametrize("curvature", [1e-3, 1e3])
@pytest.mark.parametrize("softmax", [False, True])
def test_one_bfgs_group_updates_as_the_batched_groups(softmax, curvature):
    """The single group's own path (host floats) keeps the matrix the batched
    path keeps, scaled up first where it is too small (``curvature`` 1e-3):
    the same pairs in one group and in each of three copies give the same
    directions and slopes."""
    rng = np.random.default_rng(14)
    if softmax:
        one, many = _softmax_groups(rng, n_groups=1), _softmax_groups(rng, n_groups=3)
    else:
        one, many = (
            _objective(2, "ovr", True, "plain")[0],
            _objective(4, "ovr", True, "plain")[0],
        )
    copies = many.n_groups
    shape = (one.group_size, P + 1)
    metric = _metric(rng, P + 1, True)
    steps, changes = _quadratic_pairs(one, shape, 4, rng)
    changes = [curvature * y for y in changes]
    g = rng.normal(size=shape)
    single, batched = BFGS(), BFGS()
    last = _feed(single, one, g, steps, changes, metric)[-1]
    tiled = [[np.tile(a, (copies, 1)) for a in pairs] for pairs in (steps, changes)]
    last_tiled = _feed(batched, many, np.tile(g, (copies, 1)), *tiled, metric)[-1]
    direction, slope = single.direction(one, last, metric)
    directions, slopes = batched.direction(many, last_tiled, metric)
    np.testing.assert_allclose(directions, np.tile(direction, (copies, 1)), rtol=1e-10)
    np.testing.assert_allclose(slopes, np.repeat(slope, copies), rtol=1e-10)
