"""Image files: load/save round trips, flow_from_directory and flow_from_dataframe against
the files on disk read independently with Pillow."""
import os

import numpy as np
import pytest

from kernelkit.preprocessing import image

Image = pytest.importorskip("PIL.Image")


def write_tree(root, classes=("dogs", "cats"), per_class=5, size=(6, 8)):
    """Writes `per_class` pictures per class (png and jpg alternating); returns paths."""
    rng = np.random.RandomState(0)
    written = {}
    for name in classes:
        os.makedirs(root / name)
        for i in range(per_class):
            pixels = rng.randint(0, 256, size + (3,)).astype("uint8")
            ext = "png" if i % 2 == 0 else "jpg"
            path = root / name / f"img{i}.{ext}"
            Image.fromarray(pixels).save(path)
            written.setdefault(name, []).append(str(path))
    (root / "dogs" / "notes.txt").write_text("not a picture")
    return written


def disk(path, size=None, mode="RGB"):
    img = Image.open(path).convert(mode)
    if size is not None and img.size != (size[1], size[0]):
        img = img.resize((size[1], size[0]), Image.NEAREST)
    return np.asarray(img, dtype="float32")


def test_array_image_round_trips(tmp_path):
    x = np.random.RandomState(1).randint(0, 256, (4, 5, 3)).astype("float32")
    img = image.array_to_img(x, data_format="channels_last", scale=False)
    assert img.size == (5, 4) and img.mode == "RGB"
    np.testing.assert_array_equal(image.img_to_array(img, data_format="channels_last"), x)
    cf = image.img_to_array(img, data_format="channels_first")
    np.testing.assert_array_equal(cf, x.transpose(2, 0, 1))
    scaled = image.img_to_array(image.array_to_img(x / 255. - 0.5, "channels_last"),
                                "channels_last")
    lo = x / 255. - 0.5 + 0.5
    np.testing.assert_allclose(scaled, np.floor(lo / lo.max() * 255), atol=1)
    gray = image.array_to_img(x[:, :, :1], "channels_last", scale=False)
    assert gray.mode == "L"
    assert image.img_to_array(gray, "channels_last").shape == (4, 5, 1)
    with pytest.raises(ValueError, match="rank 3"):
        image.array_to_img(x[0])
    with pytest.raises(ValueError, match="channel"):
        image.array_to_img(np.zeros((2, 2, 2)), "channels_last")
    path = tmp_path / "x.png"
    image.save_img(str(path), x, data_format="channels_last", scale=False)
    np.testing.assert_array_equal(disk(path), x)


def test_load_img_modes_and_resize(tmp_path):
    x = np.random.RandomState(2).randint(0, 256, (4, 6, 3)).astype("uint8")
    path = tmp_path / "a.png"
    Image.fromarray(x).save(path)
    assert image.load_img(str(path)).size == (6, 4)
    assert image.load_img(str(path), color_mode="grayscale").mode == "L"
    with pytest.warns(UserWarning, match="grayscale"):
        assert image.load_img(str(path), grayscale=True).mode == "L"
    assert image.load_img(str(path), color_mode="rgba").mode == "RGBA"
    small = image.load_img(str(path), target_size=(2, 3))
    assert small.size == (3, 2)
    # nearest resampling from 6 to 3 columns, 4 to 2 rows picks every other pixel
    np.testing.assert_array_equal(np.asarray(small), x[1::2, 1::2])
    with pytest.raises(ValueError, match="interpolation"):
        image.load_img(str(path), target_size=(2, 3), interpolation="cubic-ish")
    with pytest.raises(ValueError, match="color_mode"):
        image.load_img(str(path), color_mode="cmyk")


def test_list_pictures(tmp_path):
    written = write_tree(tmp_path)
    found = sorted(image.list_pictures(str(tmp_path)))
    assert found == sorted(p for paths in written.values() for p in paths)


@pytest.mark.parametrize("class_mode", ["categorical", "binary", "sparse", "input", None])
def test_flow_from_directory_matches_disk(tmp_path, class_mode):
    write_tree(tmp_path)
    gen = image.ImageDataGenerator(data_format="channels_last")
    it = gen.flow_from_directory(str(tmp_path), target_size=(6, 8), batch_size=4,
                                 shuffle=False, class_mode=class_mode)
    assert it.class_indices == {"cats": 0, "dogs": 1}
    assert it.samples == 10 and len(it) == 3
    assert it.filenames[0] == os.path.join("cats", "img0.png")
    np.testing.assert_array_equal(it.classes, [0] * 5 + [1] * 5)
    batch = it[1]
    bx = batch if class_mode is None else batch[0]
    want = np.stack([disk(tmp_path / f) for f in it.filenames[4:8]])
    np.testing.assert_array_equal(bx, want)
    labels = np.array([0, 1, 1, 1])
    if class_mode == "categorical":
        np.testing.assert_array_equal(batch[1], np.eye(2)[labels])
    elif class_mode == "binary":
        assert batch[1].dtype == np.float32
        np.testing.assert_array_equal(batch[1], labels)
    elif class_mode == "sparse":
        np.testing.assert_array_equal(batch[1], labels)
    elif class_mode == "input":
        np.testing.assert_array_equal(batch[1], bx)


def test_flow_from_directory_options(tmp_path):
    write_tree(tmp_path)
    gen = image.ImageDataGenerator(validation_split=0.4, data_format="channels_first")
    val = gen.flow_from_directory(str(tmp_path), target_size=(3, 4), subset="validation",
                                  shuffle=False, color_mode="grayscale",
                                  classes=["dogs", "cats"], interpolation="nearest")
    train = gen.flow_from_directory(str(tmp_path), target_size=(3, 4), subset="training",
                                    shuffle=False)
    assert val.class_indices == {"dogs": 0, "cats": 1}
    # per class: the first int(0.4 * 5) = 2 files validate, the other 3 train
    assert val.filenames == [os.path.join(c, f"img{i}.{e}") for c in ("dogs", "cats")
                             for i, e in ((0, "png"), (1, "jpg"))]
    assert train.samples == 6
    bx, by = val[0]
    assert bx.shape == (4, 1, 3, 4)
    want = disk(tmp_path / "dogs" / "img1.jpg", size=(3, 4), mode="L")
    np.testing.assert_array_equal(bx[1, 0], want)
    with pytest.raises(ValueError, match="class_mode"):
        gen.flow_from_directory(str(tmp_path), class_mode="multi")
    with pytest.raises(ValueError, match="color mode"):
        gen.flow_from_directory(str(tmp_path), color_mode="cmyk")


def test_flow_from_directory_follow_links(tmp_path):
    data = tmp_path / "data"
    write_tree(data)
    elsewhere = tmp_path / "more"
    os.makedirs(elsewhere)
    Image.fromarray(np.full((6, 8, 3), 7, "uint8")).save(elsewhere / "x.png")
    os.symlink(elsewhere, data / "cats" / "linked")
    gen = image.ImageDataGenerator()
    assert gen.flow_from_directory(str(data), target_size=(6, 8)).samples == 10
    linked = gen.flow_from_directory(str(data), target_size=(6, 8), follow_links=True,
                                     shuffle=False)
    assert linked.samples == 11
    assert os.path.join("cats", "linked", "x.png") in linked.filenames
    j = linked.filenames.index(os.path.join("cats", "linked", "x.png"))
    np.testing.assert_array_equal(linked[j // 32][0][j % 32], np.full((6, 8, 3), 7.0))


def test_flow_from_dataframe(tmp_path):
    pd = pytest.importorskip("pandas")
    written = write_tree(tmp_path)
    rows = [(os.path.relpath(p, tmp_path), name) for name, ps in written.items() for p in ps]
    rows.append(("dogs/missing.png", "dogs"))
    df = pd.DataFrame(rows, columns=["filename", "class"])
    gen = image.ImageDataGenerator(data_format="channels_last")
    it = gen.flow_from_dataframe(df, str(tmp_path), target_size=(6, 8), batch_size=3,
                                 shuffle=False)
    assert it.samples == 10 and it.class_indices == {"cats": 0, "dogs": 1}
    bx, by = it[0]
    np.testing.assert_array_equal(bx, np.stack([disk(tmp_path / r[0]) for r in rows[:3]]))
    np.testing.assert_array_equal(by, np.eye(2)[[1, 1, 1]])
    df["score"] = np.arange(len(df), dtype="float32")
    other = gen.flow_from_dataframe(df, str(tmp_path), y_col="score", class_mode="other",
                                    target_size=(6, 8), batch_size=10, shuffle=False)
    np.testing.assert_array_equal(other[0][1], np.arange(10))
    df["stem"] = [os.path.splitext(r[0])[0] for r in rows]
    stems = gen.flow_from_dataframe(df, str(tmp_path), x_col="stem", has_ext=False,
                                    target_size=(6, 8), class_mode=None, shuffle=False)
    assert stems.samples == 10
    with pytest.raises(ValueError, match="nope"):
        gen.flow_from_dataframe(df, str(tmp_path), x_col="nope")
