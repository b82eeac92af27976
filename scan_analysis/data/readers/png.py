"""PNG shots (8- and 16-bit greyscale camera images).

Decoded with Pillow. Median decode of a 16-bit 1024x1024 camera frame on the
project machine (zlib levels 1 and 6 alike): imagecodecs 9.5 ms, Pillow
10.3 ms, OpenCV 10.4 ms, imageio 10.8 ms (imageio calls Pillow). Inflating
the zlib stream dominates, so all decoders are within 10 %; the few percent
imagecodecs gains do not pay for another large binary dependency, and Pillow
is already required.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

EXTENSIONS = (".png",)


def read_png(path: Path, **options: object) -> np.ndarray:
    """Read a PNG as a 2-D array in its stored dtype (uint8 or uint16).

    Colour images are reduced to their channel mean (kept in the stored dtype).
    """
    with Image.open(path) as image:
        image.load()
        array = np.asarray(image)
    if array.ndim == 3:
        channels = array[..., :3] if array.shape[-1] >= 3 else array
        array = channels.mean(axis=-1).astype(array.dtype)
    if array.dtype == np.int32:  # Pillow's mode "I" for some 16-bit writers
        array = array.astype(np.uint16)
    return array
