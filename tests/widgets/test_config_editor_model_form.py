"""The config editor's generated forms on a model made up here: any field type gets its control."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field
from scan_analysis_widgets.form_document import FormDocument
from scan_analysis_widgets.model_form import ModelForm


class Mirror(BaseModel):
    tilt_urad: float = Field(0.0, description="tilt in microradians")
    coated: bool = Field(True, description="has a dielectric coating")


class Spot(BaseModel):
    center: tuple[float, float] = Field(description="[x, y] in pixels")
    weight: int = Field(1, ge=1, description="how much it counts")


class Beamline(BaseModel):
    label: str = Field(description="what the beamline is called")
    energy_gev: float | None = Field(None, gt=0, description="electron energy in GeV")
    stage: Literal["injector", "booster", "undulator"] = Field("injector", description="where")
    enabled: bool = Field(True, description="in use")
    order: list[Literal["a", "b", "c"]] = Field(default_factory=list, description="steps")
    options: dict[str, Any] = Field(default_factory=dict, description="free options")
    mirror: Mirror | None = Field(None, description="the turning mirror")
    spots: list[Spot] = Field(default_factory=list, description="spots to mask")


def _form(data: dict[str, Any]) -> tuple[ModelForm, FormDocument]:
    document = FormDocument(data)
    return ModelForm(Beamline, document), document


def test_each_field_type_gets_its_control_with_description_and_default():
    form, _ = _form({"label": "HTU", "mirror": {"tilt_urad": 3}, "spots": [{"center": [1, 2]}]})
    controls = {key: type(row.widget).__name__ for key, row in form.fields.items()}
    assert controls == {
        "label": "Text",
        "energy_gev": "Text",
        "stage": "Dropdown",
        "enabled": "Checkbox",
        "order": "TagsInput",
        "options": "Text",
        "mirror.tilt_urad": "Text",
        "mirror.coated": "Checkbox",
        "spots.0.center": "Text",
        "spots.0.weight": "Text",
    }
    assert form.fields["energy_gev"].widget.tooltip == "electron energy in GeV"
    assert form.fields["energy_gev"].widget.placeholder == "unset"
    assert form.fields["spots.0.weight"].widget.placeholder == "default 1"
    assert form.fields["spots.0.center"].widget.value == "[1, 2]"
    assert form.fields["mirror.tilt_urad"].widget.value == "3"
    assert form.fields["order"].widget.allowed_tags == ["a", "b", "c"]
    assert "mirror" in form.sections and form.sections["mirror"].use.value


def test_values_are_written_only_as_changed_and_defaults_leave_no_key():
    form, document = _form({"label": "HTU", "enabled": True, "energy_gev": 0.1})
    form.fields["stage"].widget.value = "booster"
    assert document.data["stage"] == "booster"
    form.fields["stage"].widget.value = "injector"  # the default, and the file had no key
    assert "stage" not in document.data
    form.fields["enabled"].widget.value = False
    form.fields["enabled"].widget.value = True  # back to the file's own value: kept
    assert document.data["enabled"] is True
    form.fields["energy_gev"].widget.value = "0.10"
    assert document.data["energy_gev"] == 0.1
    form.fields["energy_gev"].widget.value = ""  # cleared: the key goes
    assert "energy_gev" not in document.data
    form.fields["energy_gev"].widget.value = "lots"  # kept as typed; validation says why
    assert document.data["energy_gev"] == "lots"


def test_a_new_key_lands_in_model_order_and_sections_switch():
    form, document = _form({"label": "HTU", "spots": []})
    form.fields["stage"].widget.value = "undulator"
    assert list(document.data) == ["label", "stage", "spots"]
    form.sections["mirror"].use.value = True
    form.fields["mirror.tilt_urad"].widget.value = "2.5"
    assert document.data["mirror"] == {"tilt_urad": 2.5}
    assert list(document.data) == ["label", "stage", "mirror", "spots"]
    form.sections["mirror"].use.value = False  # the file had no mirror: the key goes
    assert "mirror" not in document.data and "mirror.tilt_urad" not in form.fields
    form.sections["mirror"].use.value = True  # and comes back as it was
    assert document.data["mirror"] == {"tilt_urad": 2.5}


def test_a_value_that_is_not_yaml_is_reported_and_not_written():
    form, document = _form({"label": "HTU", "options": {"cmap": "viridis"}})
    form.fields["options"].widget.value = "{cmap: [viridis"
    assert document.data["options"] == {"cmap": "viridis"}
    assert form.fields["options"].problems[0].startswith("not a YAML value")
    form.fields["options"].widget.value = "{cmap: magma, dpi: 120}"
    assert document.data["options"] == {"cmap": "magma", "dpi": 120}


def test_messages_go_to_the_nearest_control_and_the_rest_to_the_top():
    form, _ = _form({"label": "HTU", "mirror": {}, "spots": [{"center": [1, 2]}]})
    unclaimed = form.show_problems(
        [
            ("spots.0.weight", "must be >= 1"),
            ("mirror.polish", "unknown key 'mirror.polish'"),
            ("beam", "unknown key 'beam'"),
        ]
    )
    assert form.fields["spots.0.weight"].problems == ["must be >= 1"]
    assert form.sections["mirror"].problems == ["unknown key 'mirror.polish'"]
    assert unclaimed == ["unknown key 'beam'"]
    assert "unknown key" in form.general.value
    form.show_problems([])
    assert form.fields["spots.0.weight"].problems == [] and form.general.value == ""


def test_values_that_do_not_fit_their_type_are_shown_as_written():
    form, document = _form({"label": "HTU", "enabled": "maybe", "order": ["a", "zz"]})
    assert type(form.fields["enabled"].widget).__name__ == "Text"
    assert form.fields["enabled"].widget.value == "maybe"
    assert type(form.fields["order"].widget).__name__ == "Text"
    assert form.fields["order"].widget.value == "[a, zz]"
    form.fields["order"].widget.value = "[a, b]"
    assert document.data["order"] == ["a", "b"]


def test_typing_into_a_block_that_is_not_a_mapping_makes_it_one():
    form, document = _form({"label": "HTU", "mirror": [1, 2]})
    form.sections["mirror"].use.value = True
    form.fields["mirror.tilt_urad"].widget.value = "4"
    assert document.data["mirror"] == {"tilt_urad": 4}
    document = FormDocument({"scan": [1, 2], "spots": [{"center": [1, 2]}]})
    document.set(("scan", "priority"), 5)  # a required block's field typed into
    document.set(("spots", 0, "weight"), 2)  # list items stay items
    assert document.data == {"scan": {"priority": 5}, "spots": [{"center": [1, 2], "weight": 2}]}
