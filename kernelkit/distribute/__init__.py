"""Data-parallel training over MPI (mpi4py), with Horovod's Keras API.

Run a script on several processes with `mpiexec -n 4 python train.py` (or `srun`)::

    import kernelkit.distribute as kd
    kd.init()
    opt = kd.DistributedOptimizer(kernelkit.optimizers.Adam(0.001 * kd.size()))
    model.compile(opt, "mse")
    model.fit(x, y, batch_size=32,   # each process trains on its share of x
              callbacks=[kd.BroadcastGlobalVariablesCallback(0), kd.MetricAverageCallback(),
                         ModelCheckpoint("ckpt.h5")])   # written by rank 0 only

Needs `pip install kernelkit[distributed]` (mpi4py and the MPICH wheel).
"""
from .callbacks import (BroadcastGlobalVariablesCallback, LearningRateScheduleCallback,
                        LearningRateWarmupCallback, MetricAverageCallback, broadcast_model)
from .comm import (CommunicationTimeout, allreduce, barrier, broadcast, init, is_initialized,
                   local_rank, local_size, rank, shutdown, size)
from .data import ShardedSequence, is_shard, root_only, shard
from .loading import load_model
from .optimizer import Compression, DistributedOptimizer, is_distributed

__all__ = ["init", "shutdown", "is_initialized", "size", "rank", "local_rank", "local_size",
           "allreduce", "broadcast", "barrier", "CommunicationTimeout",
           "Compression", "DistributedOptimizer", "is_distributed",
           "BroadcastGlobalVariablesCallback", "MetricAverageCallback",
           "LearningRateWarmupCallback", "LearningRateScheduleCallback", "broadcast_model",
           "shard", "is_shard", "ShardedSequence", "root_only", "load_model"]
