"""Each application's total parameter count against Keras's documentation, and the output
shape and parameter count of characteristic layers.

Totals: the table "Documentation for individual models" of keras.io/applications (Keras 2
docs; Parameters column, include_top=True, 1000 classes). Per-layer figures: computed by
hand from the architectures (kernel h*w*in*out + bias; BatchNormalization 4 per channel,
3 with scale=False; separable conv h*w*in + in*out; spatial sizes from the strides and
paddings), written out in the comments.
"""
import warnings

import pytest

from kernelkit import applications as A

# model -> (Keras's documented parameter count, {layer: (output shape, parameters)})
EXPECTED = {
    "VGG16": (138357544, {
        "block1_conv1": ((None, 224, 224, 64), 3 * 3 * 3 * 64 + 64),
        "block5_pool": ((None, 7, 7, 512), 0),
        "fc1": ((None, 4096), 7 * 7 * 512 * 4096 + 4096),
        "predictions": ((None, 1000), 4096 * 1000 + 1000)}),
    "VGG19": (143667240, {
        "block3_conv4": ((None, 56, 56, 256), 3 * 3 * 256 * 256 + 256),
        "block5_conv4": ((None, 14, 14, 512), 3 * 3 * 512 * 512 + 512),
        "fc2": ((None, 4096), 4096 * 4096 + 4096)}),
    "ResNet50": (25636712, {
        "conv1_pad": ((None, 230, 230, 3), 0),
        "conv1": ((None, 112, 112, 64), 7 * 7 * 3 * 64 + 64),
        "bn_conv1": ((None, 112, 112, 64), 4 * 64),
        "pool1_pad": ((None, 114, 114, 64), 0),
        "res2a_branch2a": ((None, 56, 56, 64), 64 * 64 + 64),
        "res2a_branch1": ((None, 56, 56, 256), 64 * 256 + 256),
        "res3a_branch2a": ((None, 28, 28, 128), 256 * 128 + 128),
        "res5c_branch2c": ((None, 7, 7, 2048), 512 * 2048 + 2048),
        "avg_pool": ((None, 2048), 0),
        "fc1000": ((None, 1000), 2048 * 1000 + 1000)}),
    "InceptionV3": (23851784, {
        "mixed0": ((None, 35, 35, 64 + 64 + 96 + 32), 0),
        "mixed3": ((None, 17, 17, 384 + 96 + 288), 0),
        "mixed7": ((None, 17, 17, 768), 0),
        "mixed9_0": ((None, 8, 8, 768), 0),
        "mixed10": ((None, 8, 8, 320 + 768 + 768 + 192), 0),
        "predictions": ((None, 1000), 2048 * 1000 + 1000)}),
    "InceptionResNetV2": (55873736, {
        "mixed_5b": ((None, 35, 35, 96 + 64 + 96 + 64), 0),
        "block35_10": ((None, 35, 35, 320), 0),
        "mixed_6a": ((None, 17, 17, 384 + 384 + 320), 0),
        "block17_1_conv": ((None, 17, 17, 1088), (192 + 192) * 1088 + 1088),
        "mixed_7a": ((None, 8, 8, 384 + 288 + 320 + 1088), 0),
        "block8_10_conv": ((None, 8, 8, 2080), (192 + 256) * 2080 + 2080),
        "conv_7b": ((None, 8, 8, 1536), 2080 * 1536),
        "conv_7b_bn": ((None, 8, 8, 1536), 3 * 1536),
        "predictions": ((None, 1000), 1536 * 1000 + 1000)}),
    "Xception": (22910480, {
        "block1_conv1": ((None, 149, 149, 32), 3 * 3 * 3 * 32),
        "block2_sepconv1": ((None, 147, 147, 128), 3 * 3 * 64 + 64 * 128),
        "block2_pool": ((None, 74, 74, 128), 0),
        "block13_pool": ((None, 10, 10, 1024), 0),
        "block14_sepconv2": ((None, 10, 10, 2048), 3 * 3 * 1536 + 1536 * 2048),
        "predictions": ((None, 1000), 2048 * 1000 + 1000)}),
    "MobileNet": (4253864, {
        "conv1": ((None, 112, 112, 32), 3 * 3 * 3 * 32),
        "conv_dw_1": ((None, 112, 112, 32), 3 * 3 * 32),
        "conv_pad_2": ((None, 113, 113, 64), 0),
        "conv_dw_2": ((None, 56, 56, 64), 3 * 3 * 64),
        "conv_pw_13": ((None, 7, 7, 1024), 1024 * 1024),
        "conv_preds": ((None, 1, 1, 1000), 1024 * 1000 + 1000),
        "reshape_2": ((None, 1000), 0)}),
    "MobileNetV2": (3538984, {
        "Conv1_pad": ((None, 225, 225, 3), 0),  # ((0, 1), (0, 1)) on an even size
        "Conv1": ((None, 112, 112, 32), 3 * 3 * 3 * 32),
        "block_1_pad": ((None, 113, 113, 96), 0),
        "expanded_conv_project": ((None, 112, 112, 16), 32 * 16),
        "block_1_expand": ((None, 112, 112, 96), 16 * 96),
        "block_1_depthwise": ((None, 56, 56, 96), 3 * 3 * 96),
        "block_2_add": ((None, 56, 56, 24), 0),
        "block_16_project": ((None, 7, 7, 320), 960 * 320),
        "Conv_1": ((None, 7, 7, 1280), 320 * 1280),
        "Logits": ((None, 1000), 1280 * 1000 + 1000)}),
    "DenseNet121": (8062504, {
        "conv1/conv": ((None, 112, 112, 64), 7 * 7 * 3 * 64),
        "pool1": ((None, 56, 56, 64), 0),
        "conv2_block1_concat": ((None, 56, 56, 96), 0),
        "pool2_conv": ((None, 56, 56, 128), 256 * 128),
        "pool2_pool": ((None, 28, 28, 128), 0),
        "bn": ((None, 7, 7, 1024), 4 * 1024),
        "fc1000": ((None, 1000), 1024 * 1000 + 1000)}),
    "DenseNet169": (14307880, {
        "pool4_conv": ((None, 14, 14, 640), 1280 * 640),
        "bn": ((None, 7, 7, 1664), 4 * 1664)}),
    "DenseNet201": (20242984, {
        "pool4_conv": ((None, 14, 14, 896), 1792 * 896),
        "bn": ((None, 7, 7, 1920), 4 * 1920)}),
    "NASNetMobile": (5326716, {
        "stem_conv1": ((None, 111, 111, 32), 3 * 3 * 3 * 32),
        "reduction_pad_1_stem_1": ((None, 113, 113, 11), 0),  # ((1, 1), (1, 1)) on 111
        "separable_conv_1_pad_reduction_left1_stem_1": ((None, 115, 115, 11), 0),
        "separable_conv_1_reduction_left1_stem_1": ((None, 56, 56, 11),
                                                     5 * 5 * 11 + 11 * 11),
        "reduction_concat_stem_1": ((None, 56, 56, 4 * 11), 0),
        "normal_concat_0": ((None, 28, 28, 6 * 44), 0),
        "separable_conv_1_normal_left1_0": ((None, 28, 28, 44), 5 * 5 * 44 + 44 * 44),
        "reduction_concat_reduce_4": ((None, 14, 14, 4 * 88), 0),
        "normal_concat_12": ((None, 7, 7, 6 * 176), 0),
        "predictions": ((None, 1000), 1056 * 1000 + 1000)}),
    "NASNetLarge": (88949818, {
        "stem_conv1": ((None, 165, 165, 96), 3 * 3 * 3 * 96),
        "normal_concat_5": ((None, 42, 42, 6 * 168), 0),
        "reduction_concat_reduce_12": ((None, 11, 11, 4 * 672), 0),
        "normal_concat_18": ((None, 11, 11, 6 * 672), 0),
        "predictions": ((None, 1000), 4032 * 1000 + 1000)}),
}


# As in Keras 2.2.4, these three do not fix their input size when include_top=True.
UNSIZED = {"InceptionV3": 299, "InceptionResNetV2": 299, "Xception": 299}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_parameter_counts_and_layers(name):
    size = UNSIZED.get(name)
    kwargs = {"input_shape": (size, size, 3)} if size else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = getattr(A, name)(weights=None, **kwargs)
    total, layers = EXPECTED[name]
    assert model.count_params() == total
    for layer_name, (shape, params) in layers.items():
        layer = model.get_layer(layer_name)
        assert tuple(layer.output_shape) == shape, layer_name
        assert layer.count_params() == params, layer_name
    names = [layer.name for layer in model.layers]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("name", sorted(UNSIZED))
def test_unsized_models_accept_any_input(name):
    model = getattr(A, name)(weights=None)
    assert model.input_shape == (None, None, None, 3)
    assert model.output_shape == (None, 1000)


def test_layer_names_follow_keras():
    """Keras's weight files are matched by these names; spot-check their sequences."""
    model = A.ResNet50(weights=None, include_top=False, input_shape=(32, 32, 3), pooling="avg")
    convs = [layer.name for layer in model.layers if type(layer).__name__ == "Conv2D"]
    assert convs[:5] == ["conv1", "res2a_branch2a", "res2a_branch2b", "res2a_branch2c",
                         "res2a_branch1"]
    assert convs[-1] == "res5c_branch2c" and len(convs) == 53
    model = A.MobileNetV2(weights=None, include_top=False, input_shape=(32, 32, 3))
    adds = [layer.name for layer in model.layers if type(layer).__name__ == "Add"]
    assert adds == [f"block_{i}_add" for i in (2, 4, 5, 7, 8, 9, 11, 12, 14, 15)]


@pytest.mark.parametrize("size,kernel", [(8, 3), (7, 3), (9, 5), (10, 7)])
def test_correct_pad_matches_same_padding(size, kernel):
    """Keras pads explicitly before its strided 'valid' convolutions (`correct_pad`) so all
    backends compute TensorFlow's 'same': check both give the same numbers."""
    import numpy as np

    from kernelkit import layers, models
    from kernelkit.applications import _helpers
    inp = layers.Input((size, size, 2))
    padded = layers.ZeroPadding2D(_helpers.correct_pad(inp, kernel))(inp)
    valid = layers.Conv2D(3, kernel, strides=2, padding="valid", use_bias=False)
    same = layers.Conv2D(3, kernel, strides=2, padding="same", use_bias=False)
    model = models.Model(inp, [valid(padded), same(inp)])
    same.set_weights(valid.get_weights())
    x = np.random.default_rng(size).normal(size=(2, size, size, 2)).astype(np.float32)
    a, b = model.predict(x)
    assert a.shape == b.shape == (2, (size + 1) // 2, (size + 1) // 2, 3)
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


# One model per family (VGG19 and DenseNet169/201 run the same code as VGG16 and
# DenseNet121), at the smallest input each accepts.
SMALLEST = {"VGG16": 32, "ResNet50": 32, "InceptionV3": 75, "InceptionResNetV2": 75,
            "Xception": 71, "MobileNet": 32, "MobileNetV2": 32, "DenseNet121": 32,
            "NASNetMobile": 32, "NASNetLarge": 32}


@pytest.mark.parametrize("name", sorted(SMALLEST))
def test_predict_at_the_smallest_input(name):
    import numpy as np
    size = SMALLEST[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = getattr(A, name)(weights=None, include_top=False, input_shape=(size, size, 3),
                                 pooling="avg")
        if size > 32:
            with pytest.raises(ValueError, match=f"at least {size}"):
                getattr(A, name)(weights=None, include_top=False,
                                 input_shape=(size - 1, size - 1, 3))
    x = np.random.default_rng(0).uniform(-1, 1, size=(2, size, size, 3)).astype(np.float32)
    y = model.predict(x)
    assert y.shape == (2,) + tuple(model.output_shape[1:])
    assert np.isfinite(y).all() and np.abs(y).max() > 0


def test_inception_resnet_block_scales_the_residual():
    import numpy as np

    from kernelkit import layers, models
    from kernelkit.applications.inception_resnet_v2 import inception_resnet_block
    inp = layers.Input((6, 6, 16))
    out = inception_resnet_block(inp, scale=0.17, block_type="block35", block_idx=99,
                                 activation=None)
    model = models.Model(inp, out)
    up = models.Model(inp, model.get_layer("block35_99_conv").output)
    x = np.random.default_rng(1).normal(size=(2, 6, 6, 16)).astype(np.float32)
    np.testing.assert_allclose(model.predict(x), x + 0.17 * up.predict(x), rtol=1e-5,
                               atol=1e-5)
    with pytest.raises(ValueError, match="block_type|block type"):
        inception_resnet_block(inp, 0.1, "block99", 1)
