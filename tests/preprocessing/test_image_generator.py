"""ImageDataGenerator: statistics, standardize, random draws and `flow` batches."""
import os
import pickle

import numpy as np
import pytest

from kernelkit.preprocessing import image

pytest.importorskip("scipy")


def images(n=12, h=6, w=5, c=3, seed=0):
    return np.random.RandomState(seed).rand(n, h, w, c).astype("float32") * 255


def test_featurewise_statistics_match_numpy():
    x = images()
    gen = image.ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True,
                                   data_format="channels_last")
    gen.fit(x)
    mean = x.reshape(-1, 3).mean(axis=0)
    std = (x - mean).reshape(-1, 3).std(axis=0)
    np.testing.assert_allclose(gen.mean.reshape(3), mean, rtol=1e-5)
    np.testing.assert_allclose(gen.std.reshape(3), std, rtol=1e-4)
    assert gen.mean.shape == (1, 1, 3)
    out = gen.standardize(x[0].copy())
    np.testing.assert_allclose(out, (x[0] - mean) / (std + 1e-6), rtol=1e-4, atol=1e-4)


def test_channels_first_fit_keeps_channel_axis():
    x = images().transpose(0, 3, 1, 2)
    gen = image.ImageDataGenerator(featurewise_center=True, data_format="channels_first")
    gen.fit(x)
    np.testing.assert_allclose(gen.mean.reshape(3), x.mean(axis=(0, 2, 3)), rtol=1e-5)
    assert gen.mean.shape == (3, 1, 1)


def test_samplewise_and_rescale_and_preprocessing_function():
    x = images()[0]
    gen = image.ImageDataGenerator(samplewise_center=True, samplewise_std_normalization=True,
                                   rescale=1 / 255., preprocessing_function=lambda a: a + 1)
    out = gen.standardize(x.copy())
    y = (x + 1) / 255.
    y = y - y.mean()
    np.testing.assert_allclose(out, y / (y.std() + 1e-6), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(x, images()[0])  # input untouched


def test_zca_whitening_decorrelates():
    x = images(n=40, h=3, w=3, c=1)
    with pytest.warns(UserWarning, match="zca_whitening"):
        gen = image.ImageDataGenerator(zca_whitening=True, zca_epsilon=1e-6,
                                       data_format="channels_last")
    gen.fit(x)
    flat = (x - x.mean(axis=(0, 1, 2), keepdims=True)).reshape(40, -1).astype("float64")
    sigma = flat.T @ flat / 40
    vals, vecs = np.linalg.eigh(sigma)
    zca = vecs @ np.diag(1 / np.sqrt(vals + 1e-6)) @ vecs.T
    np.testing.assert_allclose(gen.principal_components, zca, rtol=1e-3, atol=1e-3)
    white = np.stack([gen.standardize(im) for im in x]).reshape(40, -1)
    np.testing.assert_allclose(white.T @ white / 40, np.eye(9), atol=1e-2)


def test_constructor_errors_and_warnings():
    with pytest.raises(ValueError, match="data_format"):
        image.ImageDataGenerator(data_format="channels_middle")
    with pytest.raises(ValueError, match="validation_split"):
        image.ImageDataGenerator(validation_split=1.5)
    with pytest.raises(ValueError, match="zoom_range"):
        image.ImageDataGenerator(zoom_range=(1, 2, 3))
    with pytest.warns(UserWarning, match="featurewise_center"):
        gen = image.ImageDataGenerator(featurewise_std_normalization=True)
    assert gen.featurewise_center
    assert image.ImageDataGenerator(zoom_range=0.2).zoom_range == [0.8, 1.2]
    with pytest.raises(ValueError, match="rank 4"):
        gen.fit(np.zeros((3, 4, 4)))


def test_get_random_transform_draws_in_keras_order():
    gen = image.ImageDataGenerator(rotation_range=10, width_shift_range=2,
                                   height_shift_range=0.1, shear_range=5, zoom_range=0.2,
                                   horizontal_flip=True, channel_shift_range=3,
                                   brightness_range=(0.5, 1.5), data_format="channels_last")
    p = gen.get_random_transform((20, 30, 3), seed=7)
    np.random.seed(7)
    assert p["theta"] == pytest.approx(np.random.uniform(-10, 10))
    assert p["tx"] == pytest.approx(np.random.uniform(-0.1, 0.1) * 20)
    ty = np.random.choice(2) * np.random.choice([-1, 1])
    assert p["ty"] == ty and p["ty"] in (-1, 0, 1)
    assert p["shear"] == pytest.approx(np.random.uniform(-5, 5))
    np.testing.assert_allclose([p["zx"], p["zy"]], np.random.uniform(0.8, 1.2, 2))
    assert p["flip_horizontal"] == (np.random.random() < 0.5)
    assert p["flip_vertical"] == (np.random.random() < 0.5) * 0
    assert p["channel_shift_intensity"] == pytest.approx(np.random.uniform(-3, 3))
    assert p["brightness"] == pytest.approx(np.random.uniform(0.5, 1.5))


def test_shift_range_as_list_and_int_pixels():
    gen = image.ImageDataGenerator(width_shift_range=[-3, 3], height_shift_range=4)
    seen_ty, seen_tx = set(), set()
    for seed in range(60):
        p = gen.get_random_transform((10, 10, 1), seed=seed)
        seen_ty.add(p["ty"])
        seen_tx.add(p["tx"])
    assert seen_ty == {-3, 3}
    assert seen_tx == {-3, -2, -1, 0, 1, 2, 3}


def test_apply_transform_flips_and_shifts():
    x = np.arange(2 * 3 * 4, dtype="float32").reshape(2, 3, 4)  # channels first
    gen = image.ImageDataGenerator(data_format="channels_first")
    out = gen.apply_transform(x, {"flip_horizontal": True, "flip_vertical": True})
    np.testing.assert_array_equal(out, x[:, ::-1, ::-1])
    out = gen.apply_transform(x, {"ty": 1})
    np.testing.assert_allclose(out[:, :, :3], x[:, :, 1:])
    out = gen.random_transform(x, seed=1)
    np.testing.assert_array_equal(out, x)  # nothing to do


def test_flow_batches_shapes_sample_weight_and_order():
    x = images(n=10)
    y = np.arange(10)
    w = np.linspace(0.1, 1.0, 10)
    gen = image.ImageDataGenerator(data_format="channels_last")
    it = gen.flow(x, y, batch_size=4, shuffle=False, sample_weight=w)
    assert len(it) == 3
    bx, by, bw = it[2]
    np.testing.assert_allclose(bx, x[8:])
    np.testing.assert_array_equal(by, y[8:])
    np.testing.assert_allclose(bw, w[8:])
    first = next(it)
    np.testing.assert_allclose(first[0], x[:4])
    assert bx.dtype == np.float32
    only_x = gen.flow(x, batch_size=3, shuffle=False)[0]
    np.testing.assert_allclose(only_x, x[:3])
    extra = gen.flow((x, y * 2), y, batch_size=5, shuffle=False)[1]
    np.testing.assert_array_equal(extra[0][1], y[5:] * 2)
    with pytest.raises(ValueError, match="same length"):
        gen.flow(x, y[:3])
    with pytest.raises(ValueError, match="rank 4"):
        gen.flow(x[0], None)
    with pytest.raises(ValueError, match="length"):
        it[5]


def test_flow_shuffle_with_seed_covers_every_sample_once():
    x = images(n=9)
    y = np.arange(9)
    it = image.ImageDataGenerator().flow(x, y, batch_size=4, seed=3)
    got = np.concatenate([it[i][1] for i in range(len(it))])
    assert sorted(got) == list(range(9))
    bx, by = it[0]
    np.testing.assert_allclose(bx, x[by])


def test_flow_subset_split_is_keras_split():
    x = images(n=10)
    y = np.array([0, 1] * 5)
    w = np.arange(10.0)
    gen = image.ImageDataGenerator(validation_split=0.3)
    val = gen.flow(x, y, shuffle=False, subset="validation", sample_weight=w)
    train = gen.flow(x, y, shuffle=False, subset="training", sample_weight=w)
    assert val.n == 3 and train.n == 7
    np.testing.assert_allclose(val[0][0], x[:3])
    np.testing.assert_allclose(train[0][0], x[3:])
    np.testing.assert_allclose(train[0][2], w[3:])
    with pytest.raises(ValueError, match="different number of classes"):
        gen.flow(x, np.sort(y), subset="training")
    with pytest.raises(ValueError, match="subset"):
        gen.flow(x, y, subset="test")


def test_flow_augmentation_is_the_transform_of_the_sample():
    x = images(n=4)
    gen = image.ImageDataGenerator(rotation_range=30, horizontal_flip=True, zoom_range=0.1)
    it = gen.flow(x, np.arange(4), batch_size=4, shuffle=False, seed=11)
    bx, _ = it[0]
    np.random.seed(11)
    want = [gen.apply_transform(x[i], gen.get_random_transform(x[i].shape)) for i in range(4)]
    np.testing.assert_allclose(bx, np.stack(want), rtol=1e-5, atol=1e-3)


def test_flow_save_to_dir_writes_pictures(tmp_path):
    pytest.importorskip("PIL")
    x = images(n=5)
    it = image.ImageDataGenerator().flow(x, batch_size=5, save_to_dir=str(tmp_path),
                                         save_prefix="aug", save_format="png", shuffle=False)
    it[0]
    names = sorted(os.listdir(tmp_path))
    assert len(names) == 5 and all(n.startswith("aug_") and n.endswith(".png") for n in names)
    assert {int(n.split("_")[1]) for n in names} == set(range(5))


def test_iterator_pickles_and_keeps_producing():
    x = images(n=6)
    it = image.ImageDataGenerator().flow(x, np.arange(6), batch_size=2, shuffle=False)
    next(it)
    clone = pickle.loads(pickle.dumps(it))
    np.testing.assert_allclose(clone[1][0], x[2:4])
    np.testing.assert_allclose(next(clone)[0], x[:2])
