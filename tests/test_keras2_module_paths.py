"""Every public name of Keras 2.2.4 resolves at its own module path under kernelkit.

The table below is Keras 2.2.4's public names per module, written out from Keras 2.2.4's
documentation (keras.io) and its source's module contents; every one of them exists
(TensorFlow-only `TFOptimizer` as a clear error).
"""
import importlib

import pytest

KERAS_2_2_4 = {
    "engine": "Input InputLayer InputSpec Layer Model get_source_inputs",
    "engine.topology": "Layer Node InputSpec Input InputLayer Network get_source_inputs "
                       "load_weights_from_hdf5_group load_weights_from_hdf5_group_by_name "
                       "save_weights_to_hdf5_group preprocess_weights_for_loading",
    "engine.base_layer": "Layer InputSpec Node",
    "engine.input_layer": "Input InputLayer",
    "engine.network": "Network get_source_inputs",
    "engine.training": "Model",
    "engine.training_utils": "make_batches batch_shuffle check_num_samples "
                             "check_array_length_consistency is_sequence iter_sequence_infinite "
                             "standardize_input_data standardize_sample_weights "
                             "standardize_class_weights standardize_weights collect_metrics "
                             "weighted_masked_objective check_loss_and_target_compatibility",
    "engine.saving": "save_model load_model model_from_config model_from_json model_from_yaml "
                     "save_weights_to_hdf5_group load_weights_from_hdf5_group "
                     "load_weights_from_hdf5_group_by_name save_attributes_to_hdf5_group "
                     "load_attributes_from_hdf5_group preprocess_weights_for_loading",
    "engine.sequential": "Sequential",
    "layers": "Input InputLayer InputSpec Layer "
              "Dense Activation Dropout Flatten Reshape Permute RepeatVector Lambda "
              "ActivityRegularization Masking SpatialDropout1D SpatialDropout2D SpatialDropout3D "
              "Conv1D Conv2D Conv3D SeparableConv1D SeparableConv2D DepthwiseConv2D "
              "Conv2DTranspose Conv3DTranspose Cropping1D Cropping2D Cropping3D UpSampling1D "
              "UpSampling2D UpSampling3D ZeroPadding1D ZeroPadding2D ZeroPadding3D "
              "Convolution1D Convolution2D Convolution3D Deconvolution2D Deconvolution3D "
              "Deconv2D Deconv3D SeparableConvolution1D SeparableConvolution2D "
              "Convolution2DTranspose "
              "MaxPooling1D MaxPooling2D MaxPooling3D AveragePooling1D AveragePooling2D "
              "AveragePooling3D GlobalMaxPooling1D GlobalMaxPooling2D GlobalMaxPooling3D "
              "GlobalAveragePooling1D GlobalAveragePooling2D GlobalAveragePooling3D "
              "MaxPool1D MaxPool2D MaxPool3D AvgPool1D AvgPool2D AvgPool3D GlobalMaxPool1D "
              "GlobalMaxPool2D GlobalMaxPool3D GlobalAvgPool1D GlobalAvgPool2D GlobalAvgPool3D "
              "LocallyConnected1D LocallyConnected2D RNN SimpleRNN GRU LSTM SimpleRNNCell "
              "GRUCell LSTMCell StackedRNNCells CuDNNGRU CuDNNLSTM ConvLSTM2D ConvLSTM2DCell "
              "Embedding Add Subtract Multiply Average Maximum Minimum Concatenate Dot add "
              "subtract multiply average maximum minimum concatenate dot LeakyReLU PReLU ELU "
              "ThresholdedReLU Softmax ReLU BatchNormalization GaussianNoise GaussianDropout "
              "AlphaDropout TimeDistributed Bidirectional Wrapper serialize deserialize "
              "AtrousConvolution1D AtrousConvolution2D Recurrent ConvRecurrent2D",
    "layers.core": "Masking Dropout SpatialDropout1D SpatialDropout2D SpatialDropout3D "
                   "Activation Reshape Permute Flatten RepeatVector Lambda Dense "
                   "ActivityRegularization",
    "layers.convolutional": "Conv1D Conv2D Conv3D Conv2DTranspose Conv3DTranspose "
                            "SeparableConv1D SeparableConv2D DepthwiseConv2D UpSampling1D "
                            "UpSampling2D UpSampling3D ZeroPadding1D ZeroPadding2D ZeroPadding3D "
                            "Cropping1D Cropping2D Cropping3D Convolution1D Convolution2D "
                            "Convolution3D SeparableConvolution1D SeparableConvolution2D "
                            "Convolution2DTranspose Deconvolution2D Deconv2D Deconvolution3D "
                            "Deconv3D AveragePooling1D AveragePooling2D AveragePooling3D "
                            "MaxPooling1D MaxPooling2D MaxPooling3D",
    "layers.pooling": "MaxPooling1D MaxPooling2D MaxPooling3D AveragePooling1D AveragePooling2D "
                      "AveragePooling3D GlobalMaxPooling1D GlobalMaxPooling2D GlobalMaxPooling3D "
                      "GlobalAveragePooling1D GlobalAveragePooling2D GlobalAveragePooling3D "
                      "MaxPool1D MaxPool2D MaxPool3D AvgPool1D AvgPool2D AvgPool3D "
                      "GlobalMaxPool1D GlobalMaxPool2D GlobalMaxPool3D GlobalAvgPool1D "
                      "GlobalAvgPool2D GlobalAvgPool3D",
    "layers.recurrent": "RNN SimpleRNN GRU LSTM SimpleRNNCell GRUCell LSTMCell StackedRNNCells "
                        "_generate_dropout_mask",
    "layers.wrappers": "Wrapper TimeDistributed Bidirectional",
    "layers.merge": "Add Subtract Multiply Average Maximum Minimum Concatenate Dot add subtract "
                    "multiply average maximum minimum concatenate dot",
    "layers.embeddings": "Embedding",
    "layers.normalization": "BatchNormalization",
    "layers.noise": "GaussianNoise GaussianDropout AlphaDropout",
    "layers.advanced_activations": "LeakyReLU PReLU ELU ThresholdedReLU Softmax ReLU",
    "layers.local": "LocallyConnected1D LocallyConnected2D",
    "layers.convolutional_recurrent": "ConvRNN2D ConvLSTM2D ConvLSTM2DCell",
    "layers.cudnn_recurrent": "CuDNNGRU CuDNNLSTM",
    "legacy": "interfaces",
    "legacy.interfaces": "legacy_dense_support legacy_conv2d_support legacy_recurrent_support "
                         "legacy_get_updates_support "
                         "legacy_generator_methods_support legacy_model_constructor_support "
                         "raise_duplicate_arg_error",
    "legacy.layers": "AtrousConvolution1D AtrousConvolution2D Merge merge MaxoutDense Highway "
                     "Recurrent ConvRecurrent2D",
    "models": "Model Sequential save_model load_model model_from_config model_from_json "
              "model_from_yaml clone_model Input InputLayer",
    "optimizers": "Optimizer SGD RMSprop Adagrad Adadelta Adam Adamax Nadam TFOptimizer sgd "
                  "rmsprop adagrad adadelta adam adamax nadam serialize deserialize get "
                  "clip_norm",
    "activations": "softmax elu selu softplus softsign relu tanh sigmoid hard_sigmoid linear "
                   "serialize deserialize get",
    "losses": "mean_squared_error mean_absolute_error mean_absolute_percentage_error "
              "mean_squared_logarithmic_error squared_hinge hinge categorical_hinge logcosh "
              "categorical_crossentropy sparse_categorical_crossentropy binary_crossentropy "
              "kullback_leibler_divergence poisson cosine_proximity mse MSE mae MAE mape MAPE "
              "msle MSLE kld KLD cosine serialize deserialize get",
    "metrics": "binary_accuracy categorical_accuracy sparse_categorical_accuracy "
               "top_k_categorical_accuracy sparse_top_k_categorical_accuracy mse mae mape msle "
               "cosine serialize deserialize get",
    "initializers": "Initializer Zeros Ones Constant RandomNormal RandomUniform TruncatedNormal "
                    "VarianceScaling Orthogonal Identity lecun_uniform lecun_normal "
                    "glorot_normal glorot_uniform he_normal he_uniform zero zeros one ones "
                    "constant uniform random_uniform normal random_normal truncated_normal "
                    "identity orthogonal serialize deserialize get",
    "regularizers": "Regularizer L1L2 l1 l2 l1_l2 serialize deserialize get",
    "objectives": "mean_squared_error mse binary_crossentropy categorical_crossentropy "
                  "sparse_categorical_crossentropy kullback_leibler_divergence hinge",
    "constraints": "Constraint MaxNorm NonNeg UnitNorm MinMaxNorm max_norm non_neg unit_norm "
                   "min_max_norm maxnorm nonneg unitnorm serialize deserialize get",
    "callbacks": "Callback CallbackList BaseLogger TerminateOnNaN ProgbarLogger History "
                 "ModelCheckpoint EarlyStopping RemoteMonitor LearningRateScheduler TensorBoard "
                 "ReduceLROnPlateau CSVLogger LambdaCallback",
    "backend": "epsilon set_epsilon floatx set_floatx cast_to_floatx image_data_format "
               "set_image_data_format normalize_data_format image_dim_ordering "
               "set_image_dim_ordering",
    "backend.common": "epsilon set_epsilon floatx set_floatx cast_to_floatx image_data_format "
                      "set_image_data_format normalize_data_format image_dim_ordering "
                      "set_image_dim_ordering",
    "utils": "CustomObjectScope custom_object_scope get_custom_objects serialize_keras_object "
             "deserialize_keras_object Progbar HDF5Matrix get_file Sequence GeneratorEnqueuer "
             "OrderedEnqueuer SequenceEnqueuer get_source_inputs print_summary plot_model "
             "to_categorical normalize convert_all_kernels_in_model multi_gpu_model",
    "utils.generic_utils": "CustomObjectScope custom_object_scope get_custom_objects "
                           "serialize_keras_object deserialize_keras_object func_dump func_load "
                           "has_arg Progbar to_list unpack_singleton slice_arrays",
    "utils.layer_utils": "count_params print_summary convert_all_kernels_in_model "
                         "convert_dense_weights_data_format get_source_inputs",
    "utils.conv_utils": "normalize_tuple normalize_padding normalize_data_format convert_kernel "
                        "conv_output_length conv_input_length deconv_length",
    "utils.vis_utils": "model_to_dot plot_model",
    "utils.np_utils": "to_categorical normalize",
    "utils.data_utils": "get_file validate_file Sequence OrderedEnqueuer GeneratorEnqueuer "
                        "SequenceEnqueuer",
    "utils.io_utils": "HDF5Matrix ask_to_proceed_with_overwrite",
    "utils.multi_gpu_utils": "multi_gpu_model",
    "applications.mobilenetv2": "MobileNetV2 preprocess_input decode_predictions",
    "wrappers.scikit_learn": "BaseWrapper KerasClassifier KerasRegressor",
}

# Not built yet (issue 12's "Layers still missing" and the rest). A module alone means the
# whole module does not exist yet; "module:Name" a name missing from an existing module.


def _import(module):
    return importlib.import_module(f"kernelkit.{module}")


def _required(module):
    return KERAS_2_2_4[module].split()


@pytest.mark.parametrize("module", sorted(KERAS_2_2_4))
def test_keras_2_2_4_names_resolve_at_their_module_path(module):
    mod = _import(module)
    missing = [n for n in _required(module) if not hasattr(mod, n)]
    assert not missing, f"kernelkit.{module} lacks Keras 2.2.4's {missing}"
    # `from kernelkit.<module> import Name` works as Keras users write it
    for name in _required(module):
        exec(f"from kernelkit.{module} import {name}", {})


@pytest.mark.parametrize("module", ["layers", "layers.core", "layers.recurrent",
                                    "layers.convolutional", "models"])
def test_star_import_gives_k_and_np_as_keras_2_2_4s(module):
    """Keras 2.2.4's modules had no `__all__` and imported `backend as K` and `numpy as np`:
    `from keras.layers.core import *` handed both on (philipperemy's attention scripts use
    `K.mean` and `np.mean` after it)."""
    import numpy as np

    from kernelkit import backend
    names = {}
    exec(f"from kernelkit.{module} import *", names)
    assert names["K"] is backend and names["np"] is np
    assert "Layer" in names or "Dense" in names or "LSTM" in names or "Conv2D" in names


REEXPORTS = [  # (Keras path, kernelkit's one implementation)
    ("engine.Layer", "layers.base.Layer"),
    ("engine.Model", "models.model.Model"),
    ("engine.Input", "layers.input_layer.Input"),
    ("engine.InputSpec", "layers.input_spec.InputSpec"),
    ("engine.topology.Layer", "layers.base.Layer"),
    ("engine.topology.Network", "models.model.Model"),
    ("engine.topology.Node", "layers.node.Node"),
    ("engine.get_source_inputs", "layers.node.get_source_inputs"),
    ("engine.network.get_source_inputs", "layers.node.get_source_inputs"),
    ("engine.training.Model", "models.Model"),
    ("engine.sequential.Sequential", "models.Sequential"),
    ("engine.saving.load_model", "saving.hdf5_model.load_model"),
    ("layers.convolutional.MaxPooling1D", "layers.MaxPooling1D"),
    ("layers.convolutional.AveragePooling3D", "layers.AveragePooling3D"),
    ("layers.convolutional.ZeroPadding2D", "layers.ZeroPadding2D"),
    ("layers.convolutional.Conv3D", "layers.Conv3D"),
    ("layers.recurrent.LSTMCell", "layers.LSTMCell"),
    ("layers.core.Dense", "layers.Dense"),
    ("utils.multi_gpu_utils.multi_gpu_model", "utils.multi_gpu_model"),
    ("applications.mobilenetv2.MobileNetV2", "applications.MobileNetV2"),
]


def _resolve(path):
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = _import(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise AssertionError(path)


@pytest.mark.parametrize("keras_path,implementation", REEXPORTS)
def test_module_paths_are_reexports_not_copies(keras_path, implementation):
    assert _resolve(keras_path) is _resolve(implementation)


def test_engine_package_imports_no_module_above_it():
    """engine sits below models in the import map: its Keras names (`Model`, ...) resolve
    lazily, and only the leaf shims (topology.py, training.py, ...) import upwards."""
    import ast
    import kernelkit.engine as engine
    with open(engine.__file__) as f:
        tree = ast.parse(f.read())
    imported = [node.module or "" for node in tree.body if isinstance(node, ast.ImportFrom)]
    imported += [a.name for node in tree.body if isinstance(node, ast.Import) for a in node.names]
    assert not [m for m in imported if "models" in m or "layers" in m], imported
    assert engine.Model is _resolve("models.Model")
    assert "Model" in dir(engine) and sorted(engine.__all__) == sorted(
        KERAS_2_2_4["engine"].split())
    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        engine.Nothing  # noqa: B018


def test_get_source_inputs_walks_the_graph():
    from kernelkit.engine import get_source_inputs
    from kernelkit.layers import Concatenate, Dense, Input
    a, b = Input((2,)), Input((3,))
    hidden = Dense(2)(a)
    y = Dense(1)(Concatenate()([hidden, b, hidden]))
    found = get_source_inputs(y)
    assert len(found) == 2 and found[0] is a and found[1] is b
    assert get_source_inputs(a)[0] is a and len(get_source_inputs(a)) == 1
    with pytest.raises(TypeError, match="symbolic tensor"):
        get_source_inputs([1, 2])


def test_network_is_the_functional_model():
    from kernelkit.engine.network import Network
    from kernelkit.layers import Dense, Input
    x = Input((4,))
    net = Network(x, Dense(3)(x))
    assert net.count_params() == 4 * 3 + 3


def test_engine_saving_hdf5_group_functions_round_trip(tmp_path):
    import h5py
    import numpy as np
    from kernelkit.engine import saving
    from kernelkit.layers import Dense, Input
    from kernelkit.models import Model
    x = Input((3,))
    model = Model(x, Dense(2, name="d2")(Dense(4, name="d1")(x)))
    path = str(tmp_path / "w.h5")
    with h5py.File(path, "w") as f:
        saving.save_weights_to_hdf5_group(f, model.layers)
        names = saving.load_attributes_from_hdf5_group(f, "layer_names")
    assert names == [layer.name for layer in model.layers]
    expected = [w.copy() for w in model.get_weights()]
    model.set_weights([np.zeros_like(w) for w in expected])
    with h5py.File(path, "r") as f:
        saving.load_weights_from_hdf5_group(f, model.layers)
    for got, want in zip(model.get_weights(), expected):
        np.testing.assert_array_equal(got, want)
    model.set_weights([np.zeros_like(w) for w in expected])
    with h5py.File(path, "r") as f:
        saving.load_weights_from_hdf5_group_by_name(f, [model.get_layer("d2")])
    np.testing.assert_array_equal(model.get_layer("d2").get_weights()[0], expected[2])
    assert not model.get_layer("d1").get_weights()[0].any()
    with h5py.File(path, "a") as f:
        long_names = [f"layer_{i:05d}_" + "x" * 40 for i in range(3000)]  # > 64 KB: chunked
        saving.save_attributes_to_hdf5_group(f, "many", long_names)
        assert "many0" in f.attrs and "many1" in f.attrs
        assert saving.load_attributes_from_hdf5_group(f, "many") == long_names
        assert saving.load_attributes_from_hdf5_group(f, "absent") == []


def test_training_utils_batches():
    import numpy as np
    from kernelkit.engine import training_utils as tu
    assert tu.make_batches(10, 4) == [(0, 4), (4, 8), (8, 10)]
    assert tu.make_batches(0, 4) == []
    with pytest.raises(ValueError, match="batch_size"):
        tu.make_batches(10, 0)
    np.random.seed(0)
    shuffled = tu.batch_shuffle(np.arange(10), 3)
    assert sorted(shuffled.tolist()) == list(range(10))
    assert shuffled[-1] == 9  # the incomplete batch stays last
    blocks = [tuple(shuffled[i:i + 3]) for i in range(0, 9, 3)]
    assert sorted(blocks) == [(0, 1, 2), (3, 4, 5), (6, 7, 8)]
    assert tu.check_num_samples([np.zeros((7, 2))]) == 7
    assert tu.check_num_samples([np.zeros((7, 2))], steps=3) is None
    with pytest.raises(ValueError, match="batch_size"):
        tu.check_num_samples([np.zeros((7, 2))], batch_size=2, steps=3)
    with pytest.raises(ValueError, match="same number of samples"):
        tu.check_array_length_consistency([np.zeros(3)], [np.zeros(4)])


def test_training_utils_sequences():
    from kernelkit.engine import training_utils as tu
    from kernelkit.utils import Sequence

    class Three(Sequence):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return i * 10

    assert tu.is_sequence(Three()) and not tu.is_sequence([1, 2])
    it = tu.iter_sequence_infinite(Three())
    assert [next(it) for _ in range(7)] == [0, 10, 20, 0, 10, 20, 0]


def test_input_spec_fields():
    from kernelkit.engine import InputSpec
    spec = InputSpec(shape=(None, 3), dtype="float32", axes={-1: 3})
    assert spec.ndim == 2 and spec.shape == (None, 3) and spec.axes == {-1: 3}
    assert InputSpec(ndim=4).ndim == 4 and InputSpec(min_ndim=2).min_ndim == 2
    assert "ndim=4" in repr(InputSpec(ndim=4))
    with pytest.raises(TypeError, match="axes"):
        InputSpec(axes={"channels": 3})


def test_keras_2_2_4_aliases_are_the_classes_and_clip_norm_rescales():
    import numpy as np
    from kernelkit import constraints, initializers, losses, metrics, optimizers
    assert optimizers.sgd is optimizers.SGD and optimizers.nadam is optimizers.Nadam
    assert constraints.maxnorm is constraints.MaxNorm
    assert constraints.unitnorm is constraints.UnitNorm
    assert initializers.zero is initializers.Zeros
    assert initializers.normal is initializers.RandomNormal
    assert losses.cosine is losses.cosine_proximity and metrics.cosine is losses.cosine_proximity
    g = np.array([3.0, 4.0])
    np.testing.assert_allclose(optimizers.clip_norm(g, 1.0, 5.0), [0.6, 0.8])
    assert optimizers.clip_norm(g, 10.0, 5.0) is g and optimizers.clip_norm(g, 0.0, 5.0) is g


def test_backend_common_functions_behave_as_keras_2_2_4():
    """`kernelkit.backend.common` is Keras 2.2.4's settings module (shared with K)."""
    import numpy as np
    from kernelkit import backend as K
    from kernelkit.backend import common as config
    assert K.floatx is config.floatx and K.set_image_dim_ordering is config.set_image_dim_ordering
    x = config.cast_to_floatx([1, 2])
    assert x.dtype == np.dtype(config.floatx()) and x.tolist() == [1.0, 2.0]
    before = config.image_data_format()
    try:
        config.set_image_dim_ordering("th")
        assert config.image_data_format() == "channels_first"
        assert config.image_dim_ordering() == "th"
        config.set_image_dim_ordering("tf")
        assert config.image_data_format() == "channels_last"
        assert config.image_dim_ordering() == "tf"
        with pytest.raises(ValueError, match="dim_ordering"):
            config.set_image_dim_ordering("channels_last")
    finally:
        config.set_image_data_format(before)


def test_tf_optimizer_is_a_clear_error():
    """Keras 2.2.4's TFOptimizer wraps a TensorFlow optimizer: kernelkit names what to use."""
    from kernelkit import optimizers

    class AdamOptimizer:   # stands for tf.train.AdamOptimizer
        pass
    AdamOptimizer.__module__ = "tensorflow.python.training.adam"
    with pytest.raises(TypeError, match="kernelkit.optimizers.Adam"):
        optimizers.TFOptimizer(AdamOptimizer())
    with pytest.raises(TypeError, match="does not run TensorFlow"):
        optimizers.get(AdamOptimizer())
    with pytest.raises(ValueError, match="Could not interpret"):
        optimizers.get(object())
