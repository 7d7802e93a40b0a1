"""Pipeline JSON: every problem reported with its path, groups, catalog and presets."""

from __future__ import annotations

import json

import numpy as np
import pytest

from augmentation.engine import (
    PRESETS,
    Pipeline,
    PipelineError,
    Resources,
    Sample,
    transform_catalog,
    validate_pipeline,
)
from augmentation.engine.transform import registered


def messages(config, **kwargs) -> list[str]:
    return [str(problem) for problem in validate_pipeline(config, **kwargs)]


def test_out_of_range_value_names_its_path_the_range_and_the_value():
    found = messages(
        {"steps": [{"type": "HorizontalFlip"}, {"type": "HorizontalFlip"}, {"type": "Rotate", "limit": 300}]}
    )
    assert found == ["steps[2].limit: must be between 0 and 180, got 300"]


def test_unknown_transform_suggests_a_close_match_and_lists_known_names():
    (found,) = messages({"steps": [{"type": "HorizontalFlp"}]})
    assert found.startswith("steps[0].type: unknown transform 'HorizontalFlp'; did you mean HorizontalFlip?")
    assert "VerticalFlip" in found and "one_of" in found


def test_all_problems_are_reported_at_once_with_nested_paths():
    config = {
        "min_visibility": 1.5,
        "colour": "red",
        "steps": [
            {"type": "Affine", "scale": "big", "rotate": [20, -20], "foo": 1},
            {
                "type": "one_of",
                "steps": [{"type": "GaussianBlur", "p": 2}, {"type": "MedianBlur", "blur_limit": [3, 4]}],
            },
            {"type": "some_of", "n": 3, "steps": [{"type": "InvertImg"}]},
            {"type": "RandomCrop", "height": 10},
            "HorizontalFlip",
        ],
    }
    assert messages(config) == [
        "colour: unknown field; known: steps, seed, min_visibility, name, description",
        "min_visibility: must be between 0 and 1, got 1.5",
        "steps[0].foo: unknown parameter of Affine; known: p, scale, keep_ratio, translate_percent, rotate, shear, "
        "interpolation, fill_mode, fill, fill_mask",
        "steps[0].scale: must be a pair [low, high] of numbers, got string 'big'",
        "steps[0].rotate: low must not exceed high, got [20, -20]",
        "steps[1].steps[0].p: must be between 0 and 1, got 2",
        "steps[1].steps[1].blur_limit: kernel sizes must be odd, got [3, 4]",
        "steps[2].n: must not exceed the 1 steps unless replace is true",
        "steps[3].width: is required by RandomCrop",
        "steps[4]: a step must be a JSON object, got string 'HorizontalFlip'",
    ]


def test_wrong_types_say_what_was_expected_and_what_came():
    found = messages(
        {
            "steps": [
                {"type": "HueSaturationValue", "hue_shift_limit": True},
                {"type": "Letterbox", "height": 2.5, "width": 8, "fill": "grey"},
            ]
        }
    )
    assert found == [
        "steps[0].hue_shift_limit: must be a pair [low, high] of numbers or one number, got boolean true",
        "steps[1].height: must be a whole number, got 2.5",
        "steps[1].fill: must be a grey level or [r, g, b], got string 'grey'",
    ]


def test_empty_or_missing_steps_and_non_objects_are_reported():
    assert messages({}) == ["steps: must be a list of steps, got null"]
    assert messages({"steps": []}) == ["steps: needs at least one step"]
    assert messages([1]) == ["a pipeline must be a JSON object, got list [1]"]


def test_image_and_text_steps_cannot_be_mixed():
    (found,) = messages({"steps": [{"type": "HorizontalFlip"}, {"type": "RandomSwap"}]})
    assert found == (
        "steps[1].type: RandomSwap works on texts but steps[0] (HorizontalFlip) works on images; "
        "a pipeline works on one kind"
    )


def test_steps_needing_missing_resources_are_reported_when_resources_are_given():
    config = {
        "steps": [
            {"type": "SynonymReplacement"},
            {"type": "RandomInsertion", "source": "thesaurus", "language": "es"},
            {"type": "LLMParaphrase"},
        ]
    }
    assert messages(config) == []
    assert messages(config, resources=Resources()) == [
        "steps[0].type: SynonymReplacement: WordNet is not configured (no NLTK data folder was given to the engine)",
        "steps[1].type: RandomInsertion: no thesaurus for language 'es' (available: none)",
        "steps[2].type: LLMParaphrase: no LLM endpoint is configured on this server",
    ]


def test_from_config_raises_with_the_same_messages():
    with pytest.raises(PipelineError) as raised:
        Pipeline.from_config({"steps": [{"type": "Rotate", "limit": 300}]})
    assert raised.value.messages() == ["steps[0].limit: must be between 0 and 180, got 300"]


def test_config_round_trips_through_json():
    config = {
        "seed": 3,
        "min_visibility": 0.25,
        "steps": [
            {"type": "Rotate", "limit": 20},
            {"type": "some_of", "n": 1, "steps": [{"type": "GaussianBlur"}, {"type": "GaussNoise", "p": 0.5}]},
        ],
    }
    exported = Pipeline.from_config(config).config()
    assert exported["steps"][0]["limit"] == [-20.0, 20.0]
    assert Pipeline.from_config(json.loads(json.dumps(exported))).config() == exported


def test_one_of_runs_exactly_one_child_weighted_by_p():
    pipeline = Pipeline.from_config(
        {
            "steps": [
                {"type": "one_of", "steps": [{"type": "InvertImg", "p": 0.9}, {"type": "HorizontalFlip", "p": 0.1}]}
            ]
        }
    )
    image = np.zeros((2, 2, 3), np.uint8)
    image[0, 0] = 10
    sample = Sample.from_image(image)
    inverted = sum(pipeline(sample, rng=np.random.default_rng(seed)).image[1, 1, 0] == 255 for seed in range(200))
    assert 160 <= inverted <= 195


def test_rng_for_depends_on_seed_and_keys_only():
    pipeline = Pipeline.from_config({"seed": 9, "steps": [{"type": "GaussNoise"}]})
    assert pipeline.rng_for(1, 2).integers(1 << 30) == Pipeline.from_config(
        {"seed": 9, "steps": [{"type": "InvertImg"}]}
    ).rng_for(1, 2).integers(1 << 30)
    assert pipeline.rng_for(1, 2).integers(1 << 30) != pipeline.rng_for(2, 1).integers(1 << 30)


def test_calling_with_the_wrong_kind_of_sample_or_rng_is_a_clear_error():
    pipeline = Pipeline.from_config({"steps": [{"type": "InvertImg"}]})
    with pytest.raises(TypeError, match=r"numpy\.random\.Generator"):
        pipeline(Sample.from_image(np.zeros((2, 2, 3), np.uint8)), rng=3)


def test_catalog_describes_every_transform_with_typed_parameters():
    catalog = json.loads(json.dumps(transform_catalog()))
    names = {entry["name"] for entry in catalog}
    assert set(registered()) | {"one_of", "some_of", "sequence"} == names
    rotate = next(entry for entry in catalog if entry["name"] == "Rotate")
    assert rotate["group"] == "geometric" and rotate["target"] == "image" and rotate["albumentations"] == "Rotate"
    limit = next(param for param in rotate["params"] if param["name"] == "limit")
    assert limit == {
        "name": "limit",
        "type": "number_range",
        "required": False,
        "default": [-30.0, 30.0],
        "min": -180,
        "max": 180,
        "choices": None,
        "nullable": False,
        "description": "angle range in degrees; one number x means [-x, x]",
        "accepts_single_number": True,
    }
    fill_mode = next(param for param in rotate["params"] if param["name"] == "fill_mode")
    assert fill_mode["choices"] == ["constant", "replicate", "reflect", "wrap"]
    assert {entry["group"] for entry in catalog} == {
        "geometric",
        "colour",
        "filter",
        "noise",
        "erasing",
        "mixing",
        "text",
        "composition",
    }


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_is_a_valid_pipeline_with_a_reason(name):
    preset = PRESETS[name]
    assert validate_pipeline(preset.pipeline()) == []
    assert len(preset.why) > 100 and Pipeline.from_config(preset.pipeline()).target == preset.target


def test_aerial_preset_has_no_colour_steps_and_medical_has_no_flips():
    def types(config):
        return {step["type"] for step in config["steps"]} | {
            child["type"] for step in config["steps"] for child in step.get("steps", [])
        }

    colour = {name for name, cls in registered().items() if cls.group == "colour"}
    assert not types(PRESETS["aerial"].config) & colour
    assert not types(PRESETS["medical"].config) & {"HorizontalFlip", "VerticalFlip", "RandomRotate90"}
