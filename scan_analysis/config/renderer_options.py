"""``scan.renderer_kwargs``: the figure options a diagnostic config may set.

One pydantic model, so the options are validated where the config is loaded,
documented in the JSON Schema and offered by the config editor. It takes the
original toolkit's keys (``colormap_mode``, ``xlabel``, ``ylabel``,
``colorbar_label``, ``figsize_inches``, ``mode``, ``duration``, ``colormap``)
besides ours; the figure writers in :mod:`scan_analysis.render` honour each.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from scan_analysis.validation_messages import describe_validation_error

DIVERGING_CMAP = "RdBu_r"
"""The colour map of ``colormap_mode: diverging`` when no ``cmap`` is given."""


class RendererOptions(BaseModel):
    """What ``scan.renderer_kwargs`` may set (unknown keys are refused).

    Examples
    --------
    >>> RendererOptions.from_kwargs({"colormap": "magma", "figsize_inches": 3}).cmap
    'magma'
    >>> RendererOptions.from_kwargs({"colormap_mode": "diverging"}).cmap
    'RdBu_r'
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    cmap: str = Field("viridis", description="matplotlib colour map (colormap is the same key)")
    vmin: float | None = Field(None, description="lower end of the colour scale")
    vmax: float | None = Field(None, description="upper end of the colour scale")
    colormap_mode: Literal["auto", "sequential", "diverging", "custom"] | None = Field(
        None,
        description="colour scale: sequential 0..max, diverging symmetric about 0, auto "
        "(diverging when the data cross 0, else min..max), custom vmin/vmax; "
        "unset: 1st-99.9th percentile",
    )
    dpi: int = Field(110, gt=0, description="resolution of the saved figures")
    figsize: tuple[float, float] | None = Field(None, description="figure size in inches [w, h]")
    figsize_inches: float | None = Field(
        None, gt=0, description="side of the square animation frames, in inches (default 4)"
    )
    xlabel: str | None = Field(None, description="x-axis label of image and trace figures")
    ylabel: str | None = Field(None, description="y-axis label of image and trace figures")
    colorbar_label: str | None = Field(None, description="colour bar label")
    mode: Literal["waterfall", "overlay", "grid"] | None = Field(
        None,
        description="trace scans: waterfall, overlay or grid (one panel per bin); "
        "unset: waterfall and overlay",
    )
    animation: bool = Field(
        False, description="no-scan camera: also write an animated GIF of the shots"
    )
    duration: float = Field(100.0, gt=0, description="animation frame duration in milliseconds")
    max_frames: int = Field(
        100, ge=1, le=1000, description="most shots in the animation (evenly spaced)"
    )
    max_scalars: int = Field(6, ge=1, description="most scalars plotted")
    position_unit: str = Field("px", description="unit of position scalars on the axes")

    @model_validator(mode="before")
    @classmethod
    def _colormap_is_cmap(cls, data: Any) -> Any:
        if isinstance(data, dict) and "colormap" in data:
            if "cmap" in data:
                raise ValueError("give cmap or colormap (the same option), not both")
            data = {("cmap" if key == "colormap" else key): v for key, v in data.items()}
        return data

    @model_validator(mode="after")
    def _diverging_colours(self) -> RendererOptions:
        if self.colormap_mode == "diverging" and "cmap" not in self.model_fields_set:
            self.__dict__["cmap"] = DIVERGING_CMAP
        return self

    @classmethod
    def from_kwargs(cls, kwargs: dict[str, Any] | RendererOptions | None) -> RendererOptions:
        """Build from ``renderer_kwargs``; unknown keys and bad values raise ValueError.

        The message (the project's one wording of validation errors) lists the valid keys.
        """
        if isinstance(kwargs, RendererOptions):
            return kwargs
        try:
            return cls.model_validate(dict(kwargs or {}))
        except ValidationError as error:
            problems = describe_validation_error(error, cls, key_prefix=("renderer_kwargs",))
            raise ValueError("; ".join(problems)) from None

    def replace(self, **changes: Any) -> RendererOptions:
        """A copy with some options changed (validated)."""
        return type(self).model_validate({**self.model_dump(exclude_unset=True), **changes})
