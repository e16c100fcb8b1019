"""Fit the rational approximation of tanh used by kernels/activations.py (`tanh_rational`).

tanh(a) ~ a * P(t) / Q(t) on [0, 9.5], t = (a / 9.5)**2, P and Q of degree 5, Q(0) = 1.
Linearised least squares on the relative error (Sanathanan-Koerner: divide by the previous
Q), then Lawson's reweighting, which moves the fit towards the minimax one. Prints the
coefficients (highest power first, as the kernel's Horner loops take them) and the maximum
relative error against NumPy's float64 tanh.

    python scripts/fit_tanh.py
"""
import numpy as np

A = 9.5          # tanh(9.5) rounds to 1.0 in float32: the kernel clamps there
DEGREE = 5


def fit(degree=DEGREE, iterations=300):
    """(max relative error, P coefficients, Q coefficients), lowest power first."""
    a = np.unique(np.concatenate([np.linspace(0, A, 60001)[1:], np.geomspace(1e-8, 1, 3000)]))
    t = (a / A) ** 2
    f = np.tanh(a)
    weight, denominator, best = 1 / f, np.ones_like(a), None
    for it in range(iterations):
        columns = [a * t ** k for k in range(degree + 1)] + \
            [-f * t ** k for k in range(1, degree + 1)]
        scale = weight / denominator
        c = np.linalg.lstsq(np.stack(columns, 1) * scale[:, None], f * scale, rcond=None)[0]
        p, q = c[:degree + 1], np.concatenate([[1.0], c[degree + 1:]])
        qv = np.polyval(q[::-1], t)
        err = np.abs(a * np.polyval(p[::-1], t) / qv / f - 1)
        if qv.min() > 0 and (best is None or err.max() < best[0]):
            best = (err.max(), p, q)
        denominator = np.abs(qv)
        if it >= 15:
            weight = weight * (err / err.max() + 1e-4) ** 0.5
            weight /= weight.max()
    return best


if __name__ == "__main__":
    err, p, q = fit()
    print("max relative error", err)
    print("P", [float(x) for x in p[::-1]])
    print("Q", [float(x) for x in q[::-1]])
