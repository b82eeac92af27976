"""renderer_kwargs with the original's keys: validated, in the schema, honoured by the figures."""

from __future__ import annotations

import numpy as np
import pytest

from scan_analysis.config.diagnostic_models import DiagnosticAnalysisConfig, load_diagnostic_config
from scan_analysis.errors import ConfigError
from scan_analysis.render import RenderOptions, draw_average_image, draw_montage
from scan_analysis.render.style import colour_limits

ORIGINAL_KEYS = (
    "colormap_mode",
    "xlabel",
    "ylabel",
    "colorbar_label",
    "figsize_inches",
    "mode",
    "duration",
)


def test_the_originals_keys_load_from_yaml_and_appear_in_the_json_schema():
    config = load_diagnostic_config(
        {
            "name": "UC_TopView",
            "scan": {
                "renderer_kwargs": {
                    "colormap_mode": "diverging",
                    "xlabel": "x (mm)",
                    "ylabel": "y (mm)",
                    "colorbar_label": "charge density",
                    "figsize_inches": 3.0,
                    "mode": "overlay",
                    "duration": 80,
                    "colormap": "coolwarm",
                }
            },
        }
    )
    options = config.scan.renderer_kwargs
    assert (options.colormap_mode, options.cmap, options.duration) == ("diverging", "coolwarm", 80)
    schema = DiagnosticAnalysisConfig.model_json_schema()
    renderer = schema["$defs"]["RendererOptions"]["properties"]
    assert set(ORIGINAL_KEYS) <= set(renderer)
    assert renderer["colormap_mode"]["anyOf"][0]["enum"] == [
        "auto",
        "sequential",
        "diverging",
        "custom",
    ]


def test_a_bad_value_names_the_file_and_key(tmp_path):
    with pytest.raises(ConfigError, match=r"D\.yaml: 'scan\.renderer_kwargs\.colormap_mode'"):
        load_diagnostic_config(
            {"name": "D", "scan": {"renderer_kwargs": {"colormap_mode": "rainbow"}}},
            source=tmp_path / "D.yaml",
        )


def test_colormap_modes_set_the_colour_scale():
    data = [np.array([[-2.0, 1.0], [3.0, 8.0]])]
    assert colour_limits(data, RenderOptions(colormap_mode="sequential")) == (0.0, 8.0)
    assert colour_limits(data, RenderOptions(colormap_mode="diverging")) == (-8.0, 8.0)
    assert colour_limits(data, RenderOptions(colormap_mode="auto")) == (-8.0, 8.0)
    positive = [np.array([[2.0, 5.0]])]
    assert colour_limits(positive, RenderOptions(colormap_mode="auto")) == (2.0, 5.0)
    custom = RenderOptions(colormap_mode="custom", vmin=-1, vmax=1)
    assert colour_limits(data, custom) == (-1.0, 1.0)
    assert RenderOptions(colormap_mode="diverging").cmap == "RdBu_r"  # unless cmap is given
    assert RenderOptions(colormap_mode="diverging", cmap="PuOr").cmap == "PuOr"


def test_labels_and_colour_scale_reach_the_image_figures():
    image = np.linspace(-4, 2, 64 * 48).reshape(48, 64)
    options = RenderOptions.from_kwargs(
        {
            "xlabel": "x at the screen (mm)",
            "ylabel": "y at the screen (mm)",
            "colorbar_label": "counts above pedestal",
            "colormap_mode": "diverging",
        }
    )
    figure = draw_average_image(image, title="t", options=options)
    axes, bar = figure.axes
    assert (axes.get_xlabel(), axes.get_ylabel()) == (
        "x at the screen (mm)",
        "y at the screen (mm)",
    )
    assert bar.get_ylabel() == "counts above pedestal"
    assert axes.images[0].get_clim() == (-4.0, 4.0)
    assert axes.images[0].get_cmap().name == "RdBu_r"
    montage = draw_montage({1: image, 2: image}, titles={}, suptitle="s", options=options)
    assert montage.axes[0].get_ylabel() == "y at the screen (mm)"
    assert montage.axes[-1].get_ylabel() == "counts above pedestal"
