import h5py
import numpy as np
import pytest
import tifffile
from nptdms import ChannelObject, TdmsWriter
from PIL import Image

from scan_analysis.data.readers import read_shot, shift_to_bit_depth, supported_extensions
from scan_analysis.errors import ShotReadError, UnsupportedFormatError

IMAGE16 = (np.arange(48 * 64, dtype=np.uint32).reshape(48, 64) * 7 % 4096).astype(np.uint16)


def write_image(path, image):
    suffix = path.suffix
    if suffix == ".png":
        Image.fromarray(image).save(path)
    elif suffix in (".tif", ".tiff"):
        tifffile.imwrite(path, image)
    elif suffix == ".npy":
        np.save(path, image)
    elif suffix == ".h5":
        with h5py.File(path, "w") as handle:
            handle["camera/image"] = image
    return path


@pytest.mark.parametrize(
    "name", ["shot.png", "shot_postprocessed.png", "shot.tif", "shot.npy", "shot.h5"]
)
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_images_round_trip(tmp_path, name, dtype):
    image = (IMAGE16 % 256).astype(dtype) if dtype == np.uint8 else IMAGE16
    result = read_shot(write_image(tmp_path / name, image))
    assert result.dtype == dtype and np.array_equal(result, image)


def test_png_shifted_up_by_labview_is_shifted_back(tmp_path):
    path = write_image(tmp_path / "s.png", (IMAGE16 << 4).astype(np.uint16))
    assert np.array_equal(read_shot(path, bit_depth=12), IMAGE16)
    assert np.array_equal(read_shot(path), IMAGE16 << 4)
    unshifted = write_image(tmp_path / "u.png", IMAGE16 | 1)
    assert np.array_equal(read_shot(unshifted, bit_depth=12), IMAGE16 | 1)


def test_shift_only_for_smaller_depths():
    data = np.array([[16, 32]], dtype=np.uint16)
    assert np.array_equal(shift_to_bit_depth(data, 16), data)
    assert np.array_equal(shift_to_bit_depth(data, 14), data >> 2)


@pytest.mark.parametrize(
    ("text", "options", "expected_y"),
    [
        ("wavelength\tintensity\n700\t1\n701\t2\n", {}, [1, 2]),
        ("700,1,10\n701,2,20\n", {"y_column": 2}, [10, 20]),
        ("x;a;b\n700;1;10\n701;2;20\n", {"y_column": "b"}, [10, 20]),
        ("# comment\n700 1\n701 2\n", {}, [1, 2]),
    ],
)
def test_text_traces(tmp_path, text, options, expected_y):
    path = tmp_path / "trace.txt"
    path.write_text(text)
    trace = read_shot(path, **options)
    assert trace.shape == (2, 2)
    assert trace[0].tolist() == [700, 701] and trace[1].tolist() == expected_y


def test_tsv_with_several_y_columns(tmp_path):
    path = tmp_path / "t.tsv"
    path.write_text("1\t2\t3\n4\t5\t6\n")
    assert read_shot(path).shape == (3, 2)


def test_tdms_scope_trace(tmp_path):
    path = tmp_path / "scope.tdms"
    props = {"wf_increment": 0.5, "wf_start_offset": 1.0}
    with TdmsWriter(path) as writer:
        writer.write_segment(
            [
                ChannelObject("scope", "ch1", np.array([1.0, 2.0, 3.0]), properties=props),
                ChannelObject("scope", "ch2", np.array([4.0, 5.0, 6.0]), properties=props),
            ]
        )
    trace = read_shot(path, trace_index=1)
    assert trace[0].tolist() == [1.0, 1.5, 2.0] and trace[1].tolist() == [4.0, 5.0, 6.0]
    with pytest.raises(ShotReadError, match="trace_index 5"):
        read_shot(path, trace_index=5)


def test_h5_scope_traces(tmp_path):
    path = tmp_path / "tek.h5"
    with h5py.File(path, "w") as handle:
        handle["time"] = np.array([0.0, 1.0, 2.0])
        handle["ch1"] = np.array([1.0, 2.0, 3.0])
        handle["ch2"] = np.array([7.0, 8.0, 9.0])
    assert read_shot(path, trace_index=1)[1].tolist() == [7.0, 8.0, 9.0]
    assert read_shot(path)[0].tolist() == [0.0, 1.0, 2.0]


@pytest.mark.parametrize("name", ["bad.png", "bad.tif", "bad.npy", "bad.h5", "bad.tdms"])
def test_corrupt_files_raise_a_typed_error_naming_the_file(tmp_path, name):
    path = tmp_path / name
    good = tmp_path / f"good{path.suffix}"
    if path.suffix == ".tdms":
        with TdmsWriter(good) as writer:
            writer.write_segment([ChannelObject("g", "c", np.arange(1000.0))])
    else:
        write_image(good, IMAGE16)
    path.write_bytes(good.read_bytes()[: good.stat().st_size // 3])
    with pytest.raises(ShotReadError, match=name) as error:
        read_shot(path)
    assert error.value.path == path


def test_unknown_extension_lists_supported_ones(tmp_path):
    path = tmp_path / "shot.bmp"
    path.write_bytes(b"BM")
    with pytest.raises(UnsupportedFormatError, match=r"\.png") as error:
        read_shot(path)
    assert "shot.bmp" in str(error.value)
    assert {".png", ".tif", ".npy", ".h5", ".tsv", ".csv", ".txt", ".tdms"} <= set(
        supported_extensions()
    )


def test_missing_file(tmp_path):
    with pytest.raises(ShotReadError, match="does not exist"):
        read_shot(tmp_path / "gone.png")


def test_h5_dataset_option_picks_the_dataset_and_names_the_others(tmp_path):
    path = tmp_path / "both.h5"
    with h5py.File(path, "w") as handle:
        handle["image"] = IMAGE16
        handle["processed/image"] = IMAGE16 // 2
    assert np.array_equal(read_shot(path), IMAGE16)
    assert np.array_equal(read_shot(path, dataset="processed/image"), IMAGE16 // 2)
    with pytest.raises(ShotReadError, match="/processed/image"):
        read_shot(path, dataset="nope")


def test_h5py_and_nptdms_are_imported_only_by_their_readers(tmp_path):
    """Importing the readers (and so the library) loads neither; reading one such shot does."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import scan_analysis.data.readers as readers\n"
        "from scan_analysis.analyzers.common import Array2DScanAnalyzer\n"
        "print(sorted({'h5py', 'nptdms'} & set(sys.modules)))\n"
        f"readers.read_shot({str(tmp_path / 'shot.h5')!r})\n"
        "print(sorted({'h5py', 'nptdms'} & set(sys.modules)))\n"
    )
    with h5py.File(tmp_path / "shot.h5", "w") as handle:
        handle["image"] = np.zeros((4, 4), dtype=np.uint16)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out == ["[]", "['h5py']"]
