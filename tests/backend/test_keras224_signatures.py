"""The backend's functions take Keras 2.2.4's argument names, in Keras 2.2.4's order.

Keras 2 code calls backend functions by keyword (`K.maximum(x=..., y=...)`,
`K.stack(x, axis=1)`, `K.batch_get_value(ops=...)`). The table is each public function of
Keras 2.2.4's `keras/backend/tensorflow_backend.py` with its positional arguments, written out
from Keras 2.2.4's source (the PyPI sdist); kernelkit's function may take more after them.
"""
import inspect

import pytest

from kernelkit import backend as K

KERAS_2_2_4 = """
    get_uid(prefix)  reset_uids()  clear_session()  manual_variable_initialization(value)
    learning_phase()  set_learning_phase(value)  get_session()  set_session(session)
    is_sparse(tensor)  to_dense(tensor)  variable(value, dtype, name, constraint)
    constant(value, dtype, shape, name)  is_keras_tensor(x)  is_tensor(x)
    placeholder(shape, ndim, dtype, sparse, name)  is_placeholder(x)  shape(x)  int_shape(x)
    ndim(x)  dtype(x)  eval(x)  zeros(shape, dtype, name)  ones(shape, dtype, name)
    eye(size, dtype, name)  zeros_like(x, dtype, name)  ones_like(x, dtype, name)
    identity(x, name)  random_uniform_variable(shape, low, high, dtype, name, seed)
    random_normal_variable(shape, mean, scale, dtype, name, seed)  count_params(x)
    cast(x, dtype)  update(x, new_x)  update_add(x, increment)  update_sub(x, decrement)
    moving_average_update(x, value, momentum)  dot(x, y)  batch_dot(x, y, axes)  transpose(x)
    gather(reference, indices)  max(x, axis, keepdims)  min(x, axis, keepdims)
    sum(x, axis, keepdims)  prod(x, axis, keepdims)  cumsum(x, axis)  cumprod(x, axis)
    var(x, axis, keepdims)  std(x, axis, keepdims)  mean(x, axis, keepdims)
    any(x, axis, keepdims)  all(x, axis, keepdims)  argmax(x, axis)  argmin(x, axis)  square(x)
    abs(x)  sqrt(x)  exp(x)  log(x)  logsumexp(x, axis, keepdims)  round(x)  sign(x)  pow(x, a)
    clip(x, min_value, max_value)  equal(x, y)  not_equal(x, y)  greater(x, y)
    greater_equal(x, y)  less(x, y)  less_equal(x, y)  maximum(x, y)  minimum(x, y)  sin(x)
    cos(x)  normalize_batch_in_training(x, gamma, beta, reduction_axes, epsilon)
    batch_normalization(x, mean, var, beta, gamma, axis, epsilon)  concatenate(tensors, axis)
    reshape(x, shape)  permute_dimensions(x, pattern)
    resize_images(x, height_factor, width_factor, data_format, interpolation)
    resize_volumes(x, depth_factor, height_factor, width_factor, data_format)
    repeat_elements(x, rep, axis)  repeat(x, n)  arange(start, stop, step, dtype)  tile(x, n)
    flatten(x)  batch_flatten(x)  expand_dims(x, axis)  squeeze(x, axis)
    temporal_padding(x, padding)  spatial_2d_padding(x, padding, data_format)
    spatial_3d_padding(x, padding, data_format)  stack(x, axis)  one_hot(indices, num_classes)
    reverse(x, axes)  slice(x, start, size)  get_value(x)  batch_get_value(ops)
    set_value(x, value)  batch_set_value(tuples)  get_variable_shape(x)
    print_tensor(x, message)  function(inputs, outputs, updates)  gradients(loss, variables)
    stop_gradient(variables)
    rnn(step_function, inputs, initial_states, go_backwards, mask, constants, unroll, input_length)
    switch(condition, then_expression, else_expression)  in_train_phase(x, alt, training)
    in_test_phase(x, alt, training)  relu(x, alpha, max_value, threshold)  elu(x, alpha)
    softmax(x, axis)  softplus(x)  softsign(x)
    categorical_crossentropy(target, output, from_logits, axis)
    sparse_categorical_crossentropy(target, output, from_logits, axis)
    binary_crossentropy(target, output, from_logits)  sigmoid(x)  hard_sigmoid(x)  tanh(x)
    dropout(x, level, noise_shape, seed)  l2_normalize(x, axis)
    in_top_k(predictions, targets, k)
    conv1d(x, kernel, strides, padding, data_format, dilation_rate)
    conv2d(x, kernel, strides, padding, data_format, dilation_rate)
    conv2d_transpose(x, kernel, output_shape, strides, padding, data_format, dilation_rate)
    separable_conv1d(x, depthwise_kernel, pointwise_kernel, strides, padding, data_format, dilation_rate)
    separable_conv2d(x, depthwise_kernel, pointwise_kernel, strides, padding, data_format, dilation_rate)
    depthwise_conv2d(x, depthwise_kernel, strides, padding, data_format, dilation_rate)
    conv3d(x, kernel, strides, padding, data_format, dilation_rate)
    conv3d_transpose(x, kernel, output_shape, strides, padding, data_format)
    pool2d(x, pool_size, strides, padding, data_format, pool_mode)
    pool3d(x, pool_size, strides, padding, data_format, pool_mode)
    bias_add(x, bias, data_format)  random_normal(shape, mean, stddev, dtype, seed)
    random_uniform(shape, minval, maxval, dtype, seed)  random_binomial(shape, p, dtype, seed)
    truncated_normal(shape, mean, stddev, dtype, seed)
    ctc_label_dense_to_sparse(labels, label_lengths)
    ctc_batch_cost(y_true, y_pred, input_length, label_length)
    ctc_decode(y_pred, input_length, greedy, beam_width, top_paths)
    map_fn(fn, elems, name, dtype)  foldl(fn, elems, initializer, name)
    foldr(fn, elems, initializer, name)
    local_conv1d(inputs, kernel, kernel_size, strides, data_format)
    local_conv2d(inputs, kernel, kernel_size, strides, output_shape, data_format)
"""


def _signatures():
    out = {}
    for item in KERAS_2_2_4.split("  "):
        item = item.strip()
        if item:
            name, args = item[:-1].split("(")
            out[name] = [a.strip() for a in args.split(",") if a.strip()]
    return out


SIGNATURES = _signatures()


def test_the_table_is_keras_2_2_4s_backend():
    assert len(SIGNATURES) == 144
    assert SIGNATURES["rnn"] == ["step_function", "inputs", "initial_states", "go_backwards",
                                 "mask", "constants", "unroll", "input_length"]


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_backend_function_takes_keras_argument_names(name):
    function = getattr(K, name)
    parameters = [p.name for p in inspect.signature(function).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    assert parameters[:len(SIGNATURES[name])] == SIGNATURES[name]
