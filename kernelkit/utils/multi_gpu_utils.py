"""Keras 2's `keras.utils.multi_gpu_utils`: `multi_gpu_model`, which fails here as Keras does
on a machine without the GPUs asked for (kernelkit computes on the CPU)."""


def multi_gpu_model(model, gpus=None, cpu_merge=True, cpu_relocation=False):
    """Keras 2's data-parallel replication over GPUs: kernelkit runs on the CPU only.

    Keras raises a ValueError when the GPUs asked for are not there; so does kernelkit, always,
    saying what to use instead (train on several processes with `kernelkit.distribute`).

    Arguments:
        model: a model.
        gpus: the number of GPUs, or a list of GPU ids.
        cpu_merge, cpu_relocation: Keras's placement options.

    Raises:
        ValueError: always, as Keras on a machine without the GPUs.
    """
    count = len(gpus) if isinstance(gpus, (list, tuple)) else gpus
    if count is not None and count <= 1:
        raise ValueError("For multi-gpu usage to be effective, call `multi_gpu_model` with "
                         "`gpus >= 2`. Received: `gpus=%s`" % (gpus,))
    raise ValueError(f"To call `multi_gpu_model` with `gpus={gpus}`, kernelkit would need GPUs; "
                     "it computes on the CPU only (this machine has: ['/cpu:0']). Train the model "
                     "as it is, or data-parallel over processes with kernelkit.distribute.")
