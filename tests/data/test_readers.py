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


# --- PNG: the unfiltered-greyscale fast path gives exactly what Pillow gives ------------------
def png_bytes(image, *, filter_types=None, level=1, idat_parts=1, extra_chunks=()):
    """A PNG built by hand, as a GEECS camera writes it: greyscale, rows unfiltered (or
    with ``filter_types``, one per row; only 0 and 1 = Sub here), deflate ``level``, the
    IDAT data split in ``idat_parts`` chunks, ancillary chunks (sBIT, tEXt) before it."""
    import struct
    import zlib

    def chunk(kind, body):
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    height, width = image.shape
    depth = image.dtype.itemsize * 8
    samples = image.astype(">u2" if depth == 16 else np.uint8).view(np.uint8).reshape(height, -1)
    rows = []
    for index, row in enumerate(samples):
        kind = filter_types[index] if filter_types else 0
        if kind == 1:  # Sub: each byte minus the byte one sample to its left
            step = depth // 8
            row = row.copy()
            row[step:] = (row[step:].astype(np.int16) - samples[index, :-step]) % 256
        rows.append(bytes([kind]) + row.tobytes())
    stream = zlib.compress(b"".join(rows), level)
    size = -(-len(stream) // idat_parts)
    idats = [chunk(b"IDAT", stream[i : i + size]) for i in range(0, len(stream), size)]
    header = struct.pack(">IIBBBBB", width, height, depth, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + b"".join(chunk(kind, body) for kind, body in extra_chunks)
        + b"".join(idats)
        + chunk(b"IEND", b"")
    )


def pillow_array(path):
    with Image.open(path) as image:
        return np.asarray(image).astype(np.uint16 if image.mode.startswith("I") else np.uint8)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("idat_parts", [1, 3])
def test_camera_png_decodes_as_pillow_does(tmp_path, dtype, idat_parts):
    from scan_analysis.data.readers.png import decode_unfiltered_greyscale

    image = (IMAGE16[:, :63] % 256).astype(dtype) if dtype == np.uint8 else IMAGE16[:, :63] << 4
    data = png_bytes(
        image,
        idat_parts=idat_parts,
        extra_chunks=[(b"sBIT", bytes([12])), (b"tEXt", b"Comment\x00UC_TopView")],
    )
    path = tmp_path / "UC_TopView_001.png"
    path.write_bytes(data)

    assert decode_unfiltered_greyscale(data) is not None  # the fast path took it
    result = read_shot(path)
    assert result.dtype == dtype and np.array_equal(result, image)
    assert np.array_equal(result, pillow_array(path))


def test_png_with_filtered_rows_is_left_to_pillow_and_reads_the_same(tmp_path):
    from scan_analysis.data.readers.png import decode_unfiltered_greyscale

    filters = [index % 2 for index in range(IMAGE16.shape[0])]  # every other row Sub-filtered
    data = png_bytes(IMAGE16, filter_types=filters)
    path = tmp_path / "filtered.png"
    path.write_bytes(data)

    assert decode_unfiltered_greyscale(data) is None
    assert np.array_equal(read_shot(path), IMAGE16)


def test_colour_png_still_reads_as_its_channel_mean(tmp_path):
    rgb = np.stack([IMAGE16 % 256, (IMAGE16 // 16) % 256, np.zeros_like(IMAGE16)], axis=-1)
    path = tmp_path / "colour.png"
    Image.fromarray(rgb.astype(np.uint8)).save(path)
    expected = rgb.astype(np.uint8)[..., :3].mean(axis=-1).astype(np.uint8)
    assert np.array_equal(read_shot(path), expected)


def test_camera_png_with_damaged_pixel_data_is_a_clear_error(tmp_path):
    data = bytearray(png_bytes(IMAGE16))
    data[len(data) // 2] ^= 0xFF  # inside the IDAT data
    path = tmp_path / "UC_TopView_002.png"
    path.write_bytes(bytes(data))
    with pytest.raises(ShotReadError, match="UC_TopView_002.png") as error:
        read_shot(path)
    assert "corrupt or truncated" in str(error.value)
