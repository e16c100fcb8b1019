"""Optimizer updates, one fused in-place kernel per parameter (Keras 2 update rules).

Each kernel walks the flat parameter once: read the gradient, update the slots, write
the parameter. Hyper-parameters arrive as float scalars already adjusted for the step
(learning-rate decay, bias correction) by the optimizer classes.
"""
import math

from .jit import kernel


@kernel
def sgd_update(p, g, v, lr, momentum, nesterov):
    """v = momentum*v - lr*g; p += v (or nesterov: p += momentum*v - lr*g). Empty v: plain SGD."""
    pf, gf = p.reshape(-1), g.reshape(-1)
    if v.size == 0:
        for i in range(pf.size):
            pf[i] -= lr * gf[i]
        return
    vf = v.reshape(-1)
    for i in range(pf.size):
        vi = momentum * vf[i] - lr * gf[i]
        vf[i] = vi
        if nesterov:
            pf[i] += momentum * vi - lr * gf[i]
        else:
            pf[i] += vi


@kernel
def rmsprop_update(p, g, a, lr, rho, eps):
    pf, gf, af = p.reshape(-1), g.reshape(-1), a.reshape(-1)
    for i in range(pf.size):
        ai = rho * af[i] + (1.0 - rho) * gf[i] * gf[i]
        af[i] = ai
        pf[i] -= lr * gf[i] / (math.sqrt(ai) + eps)


@kernel
def adagrad_update(p, g, a, lr, eps):
    pf, gf, af = p.reshape(-1), g.reshape(-1), a.reshape(-1)
    for i in range(pf.size):
        ai = af[i] + gf[i] * gf[i]
        af[i] = ai
        pf[i] -= lr * gf[i] / (math.sqrt(ai) + eps)


@kernel
def adadelta_update(p, g, a, d, lr, rho, eps):
    pf, gf, af, df = p.reshape(-1), g.reshape(-1), a.reshape(-1), d.reshape(-1)
    for i in range(pf.size):
        ai = rho * af[i] + (1.0 - rho) * gf[i] * gf[i]
        af[i] = ai
        upd = gf[i] * math.sqrt(df[i] + eps) / math.sqrt(ai + eps)
        pf[i] -= lr * upd
        df[i] = rho * df[i] + (1.0 - rho) * upd * upd


@kernel
def adam_update(p, g, m, v, vhat, lr_t, beta_1, beta_2, eps):
    """Keras 2 Adam with the bias correction folded into lr_t; vhat non-empty means amsgrad."""
    pf, gf, mf, vf = p.reshape(-1), g.reshape(-1), m.reshape(-1), v.reshape(-1)
    ams = vhat.size == pf.size
    hf = vhat.reshape(-1)
    for i in range(pf.size):
        gi = gf[i]
        mi = beta_1 * mf[i] + (1.0 - beta_1) * gi
        vi = beta_2 * vf[i] + (1.0 - beta_2) * gi * gi
        mf[i] = mi
        vf[i] = vi
        if ams:
            vi = max(hf[i], vi)
            hf[i] = vi
        pf[i] -= lr_t * mi / (math.sqrt(vi) + eps)


@kernel
def adamax_update(p, g, m, u, lr_t, beta_1, beta_2, eps):
    pf, gf, mf, uf = p.reshape(-1), g.reshape(-1), m.reshape(-1), u.reshape(-1)
    for i in range(pf.size):
        mi = beta_1 * mf[i] + (1.0 - beta_1) * gf[i]
        ui = max(beta_2 * uf[i], abs(gf[i]))
        mf[i] = mi
        uf[i] = ui
        pf[i] -= lr_t * mi / (ui + eps)


@kernel
def nadam_update(p, g, m, v, lr, beta_1, beta_2, eps, mu_t, mu_next, m_schedule_new,
                 m_schedule_next, beta_2_power):
    """Keras 2 Nadam (momentum schedule computed by the optimizer class)."""
    pf, gf, mf, vf = p.reshape(-1), g.reshape(-1), m.reshape(-1), v.reshape(-1)
    for i in range(pf.size):
        gi = gf[i]
        g_prime = gi / (1.0 - m_schedule_new)
        mi = beta_1 * mf[i] + (1.0 - beta_1) * gi
        m_prime = mi / (1.0 - m_schedule_next)
        vi = beta_2 * vf[i] + (1.0 - beta_2) * gi * gi
        v_prime = vi / (1.0 - beta_2_power)
        m_bar = (1.0 - mu_t) * g_prime + mu_next * m_prime
        mf[i] = mi
        vf[i] = vi
        pf[i] -= lr * m_bar / (math.sqrt(v_prime) + eps)


@kernel
def squared_norm(g):
    gf = g.reshape(-1)
    s = 0.0
    for i in range(gf.size):
        s += gf[i] * gf[i]
    return s
