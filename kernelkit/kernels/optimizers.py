"""Optimizer updates, one fused in-place kernel per parameter (Keras 2 update rules).

Each kernel walks the flat parameter once: read the gradient, update the slots, write
the parameter. Hyper-parameters arrive as scalars of the parameter's own dtype, already
adjusted for the step (learning-rate decay, bias correction) and with their complements
(1 - beta) precomputed, so a float32 update runs entirely in float32 and vectorizes.
"""
import numpy as np

from .jit import kernel


@kernel
def sgd_update(p, g, lr):
    """p -= lr * g."""
    pf, gf = p.reshape(-1), g.reshape(-1)
    for i in range(pf.size):
        pf[i] -= lr * gf[i]


@kernel
def sgd_momentum_update(p, g, v, lr, momentum, nesterov):
    """v = momentum*v - lr*g; p += v, or with Nesterov p += momentum*v - lr*g."""
    pf, gf, vf = p.reshape(-1), g.reshape(-1), v.reshape(-1)
    if nesterov:
        for i in range(pf.size):
            vi = momentum * vf[i] - lr * gf[i]
            vf[i] = vi
            pf[i] += momentum * vi - lr * gf[i]
    else:
        for i in range(pf.size):
            vi = momentum * vf[i] - lr * gf[i]
            vf[i] = vi
            pf[i] += vi


@kernel
def rmsprop_update(p, g, a, lr, rho, one_minus_rho, eps):
    pf, gf, af = p.reshape(-1), g.reshape(-1), a.reshape(-1)
    for i in range(pf.size):
        ai = rho * af[i] + one_minus_rho * gf[i] * gf[i]
        af[i] = ai
        pf[i] -= lr * gf[i] / (np.sqrt(ai) + eps)


@kernel
def adagrad_update(p, g, a, lr, eps):
    pf, gf, af = p.reshape(-1), g.reshape(-1), a.reshape(-1)
    for i in range(pf.size):
        ai = af[i] + gf[i] * gf[i]
        af[i] = ai
        pf[i] -= lr * gf[i] / (np.sqrt(ai) + eps)


@kernel
def adadelta_update(p, g, a, d, lr, rho, one_minus_rho, eps):
    pf, gf, af, df = p.reshape(-1), g.reshape(-1), a.reshape(-1), d.reshape(-1)
    for i in range(pf.size):
        ai = rho * af[i] + one_minus_rho * gf[i] * gf[i]
        af[i] = ai
        upd = gf[i] * np.sqrt(df[i] + eps) / np.sqrt(ai + eps)
        pf[i] -= lr * upd
        df[i] = rho * df[i] + one_minus_rho * upd * upd


@kernel
def adam_update(p, g, m, v, lr_t, beta_1, one_minus_beta_1, beta_2, one_minus_beta_2, eps):
    """Keras 2 Adam with the bias correction folded into lr_t."""
    pf, gf, mf, vf = p.reshape(-1), g.reshape(-1), m.reshape(-1), v.reshape(-1)
    for i in range(pf.size):
        gi = gf[i]
        mi = beta_1 * mf[i] + one_minus_beta_1 * gi
        vi = beta_2 * vf[i] + one_minus_beta_2 * gi * gi
        mf[i] = mi
        vf[i] = vi
        pf[i] -= lr_t * mi / (np.sqrt(vi) + eps)


@kernel
def amsgrad_update(p, g, m, v, vhat, lr_t, beta_1, one_minus_beta_1, beta_2, one_minus_beta_2, eps):
    """Adam using the running maximum of the second moment (AMSGrad)."""
    pf, gf, mf, vf, hf = p.reshape(-1), g.reshape(-1), m.reshape(-1), v.reshape(-1), vhat.reshape(-1)
    for i in range(pf.size):
        gi = gf[i]
        mi = beta_1 * mf[i] + one_minus_beta_1 * gi
        vi = beta_2 * vf[i] + one_minus_beta_2 * gi * gi
        mf[i] = mi
        vf[i] = vi
        hi = max(hf[i], vi)
        hf[i] = hi
        pf[i] -= lr_t * mi / (np.sqrt(hi) + eps)


@kernel
def adamax_update(p, g, m, u, lr_t, beta_1, one_minus_beta_1, beta_2, eps):
    pf, gf, mf, uf = p.reshape(-1), g.reshape(-1), m.reshape(-1), u.reshape(-1)
    for i in range(pf.size):
        mi = beta_1 * mf[i] + one_minus_beta_1 * gf[i]
        ui = max(beta_2 * uf[i], abs(gf[i]))
        mf[i] = mi
        uf[i] = ui
        pf[i] -= lr_t * mi / (ui + eps)


@kernel
def nadam_update(p, g, m, v, lr, beta_1, one_minus_beta_1, beta_2, one_minus_beta_2, eps,
                 g_scale, m_scale, v_scale, one_minus_mu_t, mu_next):
    """Keras 2 Nadam; the momentum schedule arrives as the scales
    g_scale = 1/(1 - m_schedule_new), m_scale = 1/(1 - m_schedule_next),
    v_scale = 1/(1 - beta_2**t)."""
    pf, gf, mf, vf = p.reshape(-1), g.reshape(-1), m.reshape(-1), v.reshape(-1)
    for i in range(pf.size):
        gi = gf[i]
        mi = beta_1 * mf[i] + one_minus_beta_1 * gi
        vi = beta_2 * vf[i] + one_minus_beta_2 * gi * gi
        m_bar = one_minus_mu_t * (gi * g_scale) + mu_next * (mi * m_scale)
        mf[i] = mi
        vf[i] = vi
        pf[i] -= lr * m_bar / (np.sqrt(vi * v_scale) + eps)


@kernel
def squared_norm(g):
    gf = g.reshape(-1)
    s = 0.0
    for i in range(gf.size):
        s += gf[i] * gf[i]
    return s
