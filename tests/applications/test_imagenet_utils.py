"""preprocess_input (each mode, both data formats, arrays and symbolic tensors),
decode_predictions (class index served from 127.0.0.1) and Keras's argument checks."""
import hashlib
import json
import warnings

import numpy as np
import pytest

from kernelkit import applications as A
from kernelkit import config, layers, models
from kernelkit.applications import imagenet_utils

MEAN_BGR = [103.939, 116.779, 123.68]
TORCH_MEAN, TORCH_STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


def reference(x, mode, channels_first):
    """Per-pixel loops over an (n, h, w, 3) batch of RGB values."""
    out = np.empty_like(x, dtype=np.float64)
    for idx in np.ndindex(x.shape[:3]):
        r, g, b = (float(v) for v in x[idx])
        if mode == "tf":
            out[idx] = [r / 127.5 - 1, g / 127.5 - 1, b / 127.5 - 1]
        elif mode == "torch":
            out[idx] = [(c / 255. - m) / s for c, m, s in zip((r, g, b), TORCH_MEAN, TORCH_STD)]
        else:
            out[idx] = [b - MEAN_BGR[0], g - MEAN_BGR[1], r - MEAN_BGR[2]]
    return out.transpose(0, 3, 1, 2) if channels_first else out


@pytest.mark.parametrize("module,mode", [("vgg16", "caffe"), ("vgg19", "caffe"),
                                         ("resnet50", "caffe"), ("inception_v3", "tf"),
                                         ("inception_resnet_v2", "tf"), ("xception", "tf"),
                                         ("mobilenet", "tf"),
                                         ("nasnet", "tf"), ("densenet", "torch")])
@pytest.mark.parametrize("channels_first", [False, True])
def test_preprocess_input_modes(module, mode, channels_first):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, size=(2, 3, 4, 3)).astype(np.float32)
    expected = reference(x, mode, channels_first)
    if channels_first:
        x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    fmt = "channels_first" if channels_first else "channels_last"
    fn = getattr(A, module).preprocess_input
    if module in ("vgg16", "vgg19", "resnet50", "inception_v3", "densenet"):
        out = fn(x.copy(), data_format=fmt)
    else:
        out = imagenet_utils.preprocess_input(x.copy(), data_format=fmt, mode=mode)
        if not channels_first:
            np.testing.assert_allclose(fn(x.copy()), expected, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-4)
    one = imagenet_utils.preprocess_input(x[0].copy(), data_format=fmt, mode=mode)
    np.testing.assert_allclose(one, expected[0], rtol=1e-5, atol=1e-4)


def test_mobilenet_v2_preprocess_divides_by_128():
    """Keras 2.2.4's MobileNetV2 scales by x / 128 - 1, not the 'tf' mode's x / 127.5 - 1."""
    x = np.array([[[[0, 64, 255]]]], dtype=np.uint8)
    out = A.mobilenet_v2.preprocess_input(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out[0, 0, 0], [-1.0, -0.5, 255 / 128 - 1])


def test_preprocess_input_converts_integers_and_works_in_place():
    x = np.full((1, 2, 2, 3), 255, dtype=np.uint8)
    out = imagenet_utils.preprocess_input(x, mode="tf")
    assert out.dtype == np.float32 and np.all(out == 1.0)
    y = np.full((1, 2, 2, 3), 0.0, dtype=np.float32)
    imagenet_utils.preprocess_input(y, mode="tf")
    assert np.all(y == -1.0)  # Keras writes over a float input
    with pytest.raises(ValueError, match="data_format"):
        imagenet_utils.preprocess_input(y, data_format="nhwc")


@pytest.mark.parametrize("mode", ["caffe", "tf", "torch"])
def test_preprocess_input_on_symbolic_tensors(mode):
    inp = layers.Input((3, 4, 3))
    model = models.Model(inp, imagenet_utils.preprocess_input(inp, mode=mode))
    x = np.random.default_rng(2).uniform(0, 255, size=(2, 3, 4, 3)).astype(np.float32)
    np.testing.assert_allclose(model.predict(x), reference(x, mode, False), rtol=1e-5,
                               atol=1e-4)


@pytest.fixture
def class_index(local_server, home, monkeypatch):
    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    body = json.dumps(index).encode()
    local_server.files["imagenet_class_index.json"] = body
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_PATH",
                        local_server.url("imagenet_class_index.json"))
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_HASH", hashlib.md5(body).hexdigest())
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", None)
    return index


def test_decode_predictions(class_index, local_server, home, monkeypatch):
    preds = np.random.default_rng(4).random((2, 1000)).astype(np.float32)
    decoded = A.resnet50.decode_predictions(preds, top=3)
    for row, result in zip(preds, decoded):
        order = sorted(range(1000), key=lambda i: -row[i])[:3]
        assert [r[:2] for r in result] == [tuple(class_index[str(i)]) for i in order]
        assert [r[2] for r in result] == [row[i] for i in order]
    assert len(A.vgg16.decode_predictions(preds)[0]) == 5
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", None)  # the file cache is used
    A.densenet.decode_predictions(preds)
    assert local_server.count("imagenet_class_index.json") == 1
    assert (home.parent / "models" / "imagenet_class_index.json").exists()
    with pytest.raises(ValueError, match=r"\(samples, 1000\)"):
        imagenet_utils.decode_predictions(preds[:, :10])


def test_decode_predictions_hash_mismatch(class_index, monkeypatch):
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_HASH", "f" * 32)
    with pytest.raises(ValueError, match="hash"):
        imagenet_utils.decode_predictions(np.ones((1, 1000)))


@pytest.mark.parametrize("call,message", [
    (lambda: A.VGG16(weights="no/such/file.h5"), "weights"),
    (lambda: A.ResNet50(weights="imagenet", classes=10), "classes"),
    (lambda: A.VGG16(weights="imagenet", input_shape=(200, 200, 3)), r"\(224, 224, 3\)"),
    (lambda: A.VGG16(weights=None, include_top=False, input_shape=(20, 20, 3)), "at least 32"),
    (lambda: A.InceptionV3(weights=None, include_top=False, input_shape=(60, 60, 3)),
     "at least 75"),
    (lambda: A.ResNet50(weights="imagenet", include_top=False, input_shape=(64, 64, 4)),
     "3 channels"),
    (lambda: A.VGG16(weights=None, include_top=False, input_shape=(64, 64)), "three integers"),
    (lambda: A.MobileNet(weights="imagenet", alpha=0.3), "alpha"),
    (lambda: A.MobileNet(weights="imagenet", depth_multiplier=2), "depth multiplier"),
    (lambda: A.MobileNetV2(weights="imagenet", include_top=False, input_shape=(100, 100, 3)),
     "static square shape"),
    (lambda: A.nasnet.NASNet(penultimate_filters=1000, weights=None), "divisible by 24"),
    (lambda: A.nasnet.NASNet(weights="imagenet", default_size=256), "NASNetLarge"),
    (lambda: A.densenet.DenseNet([1, 1, 1, 1], weights="imagenet"), "DenseNet121"),
    (lambda: A.VGG16(weights=None, input_tensor=np.zeros((1, 32, 32, 3))), "symbolic"),
])
def test_argument_errors(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_input_shape_rules():
    shape = imagenet_utils._obtain_input_shape
    assert shape(None, 224, 32, "channels_last", True) == (224, 224, 3)
    assert shape(None, 224, 32, "channels_first", False) == (3, None, None)
    assert shape((64, 80, 3), 224, 32, "channels_last", False, "imagenet") == (64, 80, 3)
    with pytest.warns(UserWarning, match="1 or 3 input channels"):
        assert shape((64, 64, 5), 224, 32, "channels_last", False) == (64, 64, 5)
    with pytest.raises(ValueError, match="static"):
        shape((None, None, 3), 224, 32, "channels_last", True)


def test_pooling_input_tensor_and_channels_first():
    inp = layers.Input((40, 40, 3))
    model = A.ResNet50(weights=None, include_top=False, input_tensor=inp, pooling="max")
    assert model.inputs[0] is inp and model.output_shape == (None, 2048)
    features = layers.Conv2D(3, 1)(inp)  # the model starts from the Input behind the tensor
    model = A.VGG16(weights=None, include_top=False, input_tensor=features)
    assert model.inputs == [inp] and model.output_shape == (None, 1, 1, 512)
    assert len(model.layers) == 2 + 18
    assert A.DenseNet121(weights=None, include_top=False, input_shape=(32, 32, 3),
                         pooling="avg").output_shape == (None, 1024)
    model = A.VGG16(weights=None, include_top=True, classes=7)
    assert model.output_shape == (None, 7)
    config.set_image_data_format("channels_first")
    try:
        model = A.VGG16(weights=None, include_top=False, input_shape=(3, 32, 32))
        assert model.output_shape == (None, 512, 1, 1)
        with pytest.warns(UserWarning, match="channels_last"):
            model = A.MobileNet(weights=None, include_top=False, input_shape=(32, 32, 3),
                                alpha=0.25)
        assert model.output_shape == (None, 1, 1, 256)
        assert config.image_data_format() == "channels_first"
    finally:
        config.set_image_data_format("channels_last")


def test_mobilenet_width_and_names():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = A.MobileNetV2(alpha=1.4, weights=None, include_top=False,
                              input_shape=(96, 96, 3))
    assert model.name == "mobilenetv2_1.40_96"
    assert model.get_layer("Conv_1").output_shape == (None, 3, 3, 1792)  # 1280 * 1.4
    model = A.MobileNet(alpha=0.5, weights=None, include_top=False, input_shape=(128, 128, 3))
    assert model.name == "mobilenet_0.50_128"
    assert model.output_shape == (None, 4, 4, 512)
