"""Every tuning knob of the kernels, in one place: block sizes, thresholds, thread counts.

The kernels read these at call time (`config.NAME`), so a benchmark or a test may set them:
``kernelkit.kernels.config.BLOCK_PIXELS = 1``. Each knob says in one line why it has its value;
the measurements behind the values are in benchmarks/FIGURES.md, with the commands that made
them. JIT flags are not knobs: they are set in kernels/jit.py.
"""

# --- Parallel (prange) variants ----------------------------------------------------------

# Off: next to BLAS calls, Numba's OpenMP workers and OpenBLAS's workers spin-wait and fight
# for the cores, so the prange variants of the depthwise and pooling kernels lose to the
# serial ones; turn on for workloads with no BLAS calls around them.
ENABLE_PARALLEL = False

# Below this many element-operations a parallel variant costs more in thread start-up than it
# saves.
PARALLEL_THRESHOLD = 1 << 16

# --- im2col blocks of conv2d and conv3d (kernels/im2col.py) -------------------------------
# OpenBLAS runs a product on one thread below about 1M multiply-adds and on all threads above,
# and a threaded product of a few M multiply-adds is mostly thread synchronisation (worst on a
# shared machine). So a conv whose work per pixel is large takes blocks of up to BLOCK_PIXELS
# pixels and COLS_CHUNK_BYTES of `cols`, and a conv whose blocks would still be under
# THREADED_PRODUCT_MACS takes blocks that stay under SERIAL_PRODUCT_MACS: single-threaded
# products.

# Most output pixels unrolled at once: larger blocks and smaller ones were both slower.
BLOCK_PIXELS = 8192
# Most bytes of unrolled input (`cols`) at once, so the block stays in cache.
COLS_CHUNK_BYTES = 4 << 20
# A block product under this many multiply-adds does not pay for threads ... (was 32M, which
# cut cifar-cnn's 32x32x32 conv, 33.5M per full block, into 88 blocks at 84 GFLOP/s; 8M:
# 129 GFLOP/s and cifar-cnn +12-14 %, busy and resnet-block unchanged: FIGURES.md)
THREADED_PRODUCT_MACS = 8 << 20
# ... so such a conv takes blocks under this many: 3M, a few output rows of a 32x32x32
# conv (was 768K, one-thread products; 3M trained cifar-cnn 10% faster at load 2.2-2.5 on
# 2 cores, cnn and text-cnn unchanged: benchmarks/FIGURES.md).
SERIAL_PRODUCT_MACS = 3 << 20

# --- im2col blocks on every free core (kernels/block_threads.py) ---------------------------
# With more than one core free, each core unrolls and multiplies whole blocks on its own
# (one-thread products) instead of each product being split over the cores.

# A conv under this many multiply-adds runs serially: handing blocks to a helper thread costs
# tens of microseconds.
CORE_SPLIT_MACS = 4 << 20
# Output pixels per core block ...
CORE_BLOCK_PIXELS = 2048
# ... and most bytes of unrolled input per core block.
CORE_COLS_BYTES = 2 << 20

# Pooling (kernels/pooling.py, pooling3d.py) over this many input cells or more runs on blocks
# of samples on every free core (block_threads.run_samples). 2x2 max pooling, forward and
# gradient in us, one core / two: (128, 24, 24, 64) 2,048 / 1,236 and 2,023 / 1,176; (32, 30,
# 30, 32) 328 / 289 and 377 / 307; (32, 16, 16, 64) 124 / 214 and 214 / 223.
POOL_SPLIT_CELLS = 1 << 20
# ... in this many blocks per core, handed to whichever core asks next.
SAMPLE_BLOCKS_PER_CORE = 4

# --- Recurrences on every free core (kernels/rnn.py) ---------------------------------------

# A recurrence runs its batch rows in one group per free core (each group its own time loop,
# one-thread products) when it has at least this many multiply-adds and every group gets at
# least RNN_GROUP_ROWS rows; None keeps every recurrence on the calling thread.
RNN_SPLIT_MACS = 4 << 20
RNN_GROUP_ROWS = 8
# Where NumPy's BLAS multiplies small matrices without packing them
# (blas_pool.small_products_unpacked), each step's recurrent product runs in row chunks of at
# most this many multiply-adds: 16 rows of LSTM(128) (16 x 128) @ (128 x 512) took 34.6 us on
# one thread, two chunks of 8 rows 25.2 us. None: one product per step.
RNN_PRODUCT_MACS = 1_000_000
# Each row group of an LSTM or GRU (training forward and inference) projects its own inputs,
# a few steps at a time, in products of about this many rows (rows x steps): lstm predict at
# batch 256, 5,544-6,355 samples/s with the whole sequence projected at once, 6,602-6,944 with
# 512 rows, 6,979-7,140 with 256.
RNN_PROJECT_ROWS = 256

# --- One-row products on every free core (kernels/row_product.py) -------------------------

# An inference plan run on one row splits its products of at least this many multiply-adds
# over the free cores, each core reading its own rows of the kernel; None: BLAS, always ...
ROW_SPLIT_MACS = 1 << 16
# ... and only when the previous one-row run ended at most this many seconds before: a loop of
# one-sample predicts (10-12 us between calls in benchmarks/run.py), not a predict after other
# work, whose BLAS threads may still spin beside the split (0.32-0.53 ms instead of 0.06).
ROW_SPLIT_GAP = 30e-6
# OpenMP's idle workers spin this many rounds after a split product (~0.3 ms here), then sleep
# (GOMP_SPINCOUNT for the launch that loads libgomp, unless the user set it or OMP_WAIT_POLICY;
# libgomp's own 300,000 spun 7.8 ms).
ROW_SPLIT_SPIN = 10_000
# Each plan times its own one-row runs (judge.SplitJudge): after this many runs split (or
# on one core), it runs ROW_SPLIT_PROBE_RUNS the other way, and changes way when their median,
# the first ROW_SPLIT_PROBE_SKIP left out, is under ROW_SPLIT_MARGIN times the median of the
# last ROW_SPLIT_RECENT runs the way in force; the runs between probes double after each probe
# that changes nothing, up to ROW_SPLIT_PROBE_MAX, and ROW_SPLIT_RECENT runs in a row slower
# than the other way's probe call a probe at once. In a slow stretch of the host, one-core runs
# right after split runs took 58-66 us (the idle OpenMP worker spinning ~0.3 ms beside them),
# from the 7th on 51; split runs 139 us (waking the worker), then 64-70. None: split whenever
# the gates above allow (beside a busy process that `cores()` had not yet seen, windows of 200
# runs took 46-164 us, against 46-75 judged and 51-75 on one core).
ROW_SPLIT_PROBE_FIRST = 16
ROW_SPLIT_PROBE_MAX = 1024
ROW_SPLIT_ONE_CORE_PROBE_MAX = None    # see STEP_SPLIT_ONE_CORE_PROBE_MAX below
ROW_SPLIT_PROBE_SHARE = None     # see STEP_SPLIT_PROBE_SHARE below; None: doubling only
ROW_SPLIT_PROBE_RUNS = 10
ROW_SPLIT_PROBE_SKIP = 6
ROW_SPLIT_RECENT = 8
ROW_SPLIT_MARGIN = 0.9

# --- predict in passes (engine/predict.py) --------------------------------------------------

# A predict batch runs in passes of as many rows as keep the model's largest layer output under
# this many bytes (at least PREDICT_PASS_MIN_ROWS rows; batches of up to that many are never
# split): resnet-block's predict at batch 128 (67 MB outputs) ran at 184-218 samples/s, at
# batch 32-64 at 337-352.
PREDICT_PASS_BYTES = 16 << 20
PREDICT_PASS_MIN_ROWS = 32

# --- Winograd F(4x4, 3x3) for 3x3 stride-1 convs (kernels/winograd.py) ---------------------

# Convs with fewer input or output channels keep im2col (thin products gain nothing); None
# turns Winograd off.
WINOGRAD_MIN_CHANNELS = 16
# Bytes of a block's transformed input and products (36 planes each): the block stays in a
# core's 1 MiB L2 (measured with F(2x2)'s 16 planes: resnet-block's conv 128 tiles a block
# 16.1 ms, 256 tiles 18.1 ms; cifar-cnn's 32-channel conv the other way round, 2.73 vs 2.57 ms:
# both are 1 MiB).
WINOGRAD_BLOCK_BYTES = 1 << 20

# --- BLAS threads that follow the machine's load (kernels/threads.py) ----------------------

# Seconds between two readings: long enough for the tick counters (1/100 s) to mean something.
BLAS_THREADS_INTERVAL = 0.25
# Fewer threads when other processes use more than this much of a core per thread given up ...
BLAS_THREADS_DROP_AT = 0.6
# ... and more again only when they use less than this (no flapping on a borderline load).
BLAS_THREADS_RAISE_AT = 0.2
# A reading this many seconds after the last, in which the process itself ran less than half a
# core, is not taken for the load: the tasks of other processes runnable at that moment are.
# Taken for it, two processes busy for 0.4 s, then 0.5 s of quiet, and the next fit ran its
# first interval on one thread (wide-mlp epochs 28,795-30,813 samples/s against
# 36,877-39,537 after the same quiet without them).
BLAS_THREADS_STALE = 0.5
# ... and the next reading comes this soon (ten ticks of a busy core), so that a process still
# busy is seen within a few steps.
BLAS_THREADS_FRESH = 0.1

# Each training loop times its own steps too (threads.judged_call, one judge.SplitJudge per
# batch size), with the meanings of the ROW_SPLIT_PROBE_* settings above: its steps run on
# one core while they have been faster there (seed-mlp in some processes: 187,000-189,000
# samples/s on one BLAS thread against 139,000-149,000 on two). A step is long enough that
# few runs tell, and a probe on one core costs up to a step's time again (lstm on one thread
# ran at ~55 % of two), so probes are short, and come as seldom as keeps their extra time
# under STEP_SPLIT_PROBE_SHARE of the whole (lstm: every ~300 steps). `predict` and
# `evaluate` judge their passes of several rows with the same settings (seed-mlp's predict
# at batch 32: stretches of 420,000-470,000 samples/s on two threads, 550,000-615,000 on
# one). None: never judged.
STEP_SPLIT_PROBE_FIRST = 16
STEP_SPLIT_PROBE_MAX = 2048
# While its steps run on one core, a judge probes two again after at most this many steps:
# a benchmark run's wide-mlp judge turned to one core in a slow stretch of two-thread steps
# and ran 86 % of its steps there, 23,260 samples/s where two threads give 30,000-39,000 (the
# doubling periods had put the next probe past the measurement). A probe of three steps
# every 64 costs ~1 % where one core is really faster (seed-mlp: two ~25 % slower there).
STEP_SPLIT_ONE_CORE_PROBE_MAX = 64
STEP_SPLIT_PROBE_SHARE = 0.01
STEP_SPLIT_PROBE_RUNS = 3
STEP_SPLIT_PROBE_SKIP = 1
STEP_SPLIT_RECENT = 8
STEP_SPLIT_MARGIN = 0.9

# --- OpenBLAS's idle threads (kernels/blas_pool.py) ----------------------------------------

# Spin 2**N cycles (~0.3 ms) after a product, then sleep (OpenBLAS: ~2**28, ~0.1 s): the
# serial kernels between products ran beside the spinning thread, up to 7x slower; 2**16
# made small MLPs 15-20% slower (each product woke the thread), 2**20 did not (FIGURES.md).
BLAS_SPIN_EXPONENT = 20

__all__ = ["ENABLE_PARALLEL", "PARALLEL_THRESHOLD", "BLOCK_PIXELS", "COLS_CHUNK_BYTES",
           "THREADED_PRODUCT_MACS", "SERIAL_PRODUCT_MACS",
           "CORE_SPLIT_MACS", "CORE_BLOCK_PIXELS", "CORE_COLS_BYTES", "POOL_SPLIT_CELLS",
           "SAMPLE_BLOCKS_PER_CORE",
           "WINOGRAD_MIN_CHANNELS", "WINOGRAD_BLOCK_BYTES", "RNN_SPLIT_MACS", "RNN_GROUP_ROWS",
           "RNN_PRODUCT_MACS", "RNN_PROJECT_ROWS", "ROW_SPLIT_MACS", "ROW_SPLIT_GAP",
           "ROW_SPLIT_SPIN", "ROW_SPLIT_PROBE_FIRST", "ROW_SPLIT_PROBE_MAX",
           "ROW_SPLIT_ONE_CORE_PROBE_MAX", "ROW_SPLIT_PROBE_SHARE", "ROW_SPLIT_PROBE_RUNS",
           "ROW_SPLIT_PROBE_SKIP",
           "ROW_SPLIT_RECENT", "ROW_SPLIT_MARGIN",
           "PREDICT_PASS_BYTES", "PREDICT_PASS_MIN_ROWS",
           "BLAS_THREADS_INTERVAL", "BLAS_THREADS_DROP_AT", "BLAS_THREADS_RAISE_AT",
           "BLAS_THREADS_STALE", "BLAS_THREADS_FRESH",
           "STEP_SPLIT_PROBE_FIRST", "STEP_SPLIT_PROBE_MAX", "STEP_SPLIT_ONE_CORE_PROBE_MAX",
           "STEP_SPLIT_PROBE_SHARE",
           "STEP_SPLIT_PROBE_RUNS", "STEP_SPLIT_PROBE_SKIP", "STEP_SPLIT_RECENT",
           "STEP_SPLIT_MARGIN",
           "BLAS_SPIN_EXPONENT"]
