"""Round trips with Albumentations' own serialisation (A.to_dict / A.from_dict)."""

from __future__ import annotations

import albumentations as A
import cv2
import numpy as np
import pytest

from augmentation.engine import (
    AlbumentationsExportError,
    AlbumentationsImportError,
    Pipeline,
    Sample,
    export_albumentations,
    import_albumentations,
)
from augmentation.engine.albumentations_mapping import MAPPINGS

EVERY_MAPPED_STEP = [
    {"type": "HorizontalFlip", "p": 0.5},
    {"type": "VerticalFlip", "p": 0.5},
    {"type": "RandomRotate90", "p": 0.5},
    {"type": "Rotate", "limit": 20, "fill_mode": "reflect"},
    {
        "type": "Affine",
        "scale": [0.9, 1.1],
        "rotate": 15,
        "shear": 5,
        "translate_percent": [-0.1, 0.1],
        "fill_mode": "wrap",
    },
    {"type": "Perspective", "scale": [0.02, 0.05]},
    {"type": "ElasticTransform", "alpha": 30, "sigma": 5},
    {"type": "GridDistortion", "num_steps": 4},
    {
        "type": "one_of",
        "p": 0.8,
        "steps": [
            {"type": "RandomBrightnessContrast"},
            {"type": "RandomGamma"},
            {"type": "CLAHE", "tile_grid_size": 4},
        ],
    },
    {
        "type": "some_of",
        "n": 2,
        "steps": [{"type": "HueSaturationValue"}, {"type": "RGBShift"}, {"type": "ChannelShuffle"}, {"type": "ToGray"}],
    },
    {
        "type": "sequence",
        "p": 0.5,
        "steps": [
            {"type": "ColorJitter"},
            {"type": "InvertImg"},
            {"type": "Solarize"},
            {"type": "Posterize", "num_bits": [3, 5]},
            {"type": "Equalize"},
        ],
    },
    {"type": "GaussianBlur"},
    {"type": "MotionBlur"},
    {"type": "MedianBlur"},
    {"type": "Sharpen"},
    {"type": "Emboss"},
    {"type": "GaussNoise"},
    {"type": "ISONoise"},
    {"type": "ImageCompression", "quality_range": [50, 90]},
    {"type": "Downscale", "down_interpolation": "area", "up_interpolation": "linear"},
    {"type": "RandomErasing", "random_fill": True},
    {"type": "CoarseDropout", "fill": [10, 20, 30], "fill_mask": 0},
    {"type": "GridMask", "unit_size_range": [20, 40]},
    {"type": "RandomResizedCrop", "height": 48, "width": 64},
    {"type": "RandomCrop", "height": 40, "width": 40},
    {"type": "CenterCrop", "height": 32, "width": 32},
    {"type": "Resize", "height": 30, "width": 30},
]
CONFIG = {"seed": 0, "min_visibility": 0.3, "steps": EVERY_MAPPED_STEP}


def test_every_mapping_is_covered_by_the_round_trip_config():
    def names(steps):
        return {step["type"] for step in steps} | {n for step in steps for n in names(step.get("steps", []))}

    assert {mapping.ours for mapping in MAPPINGS} <= names(EVERY_MAPPED_STEP)


def test_export_loads_in_albumentations_and_runs_with_boxes():
    compose = A.from_dict(export_albumentations(CONFIG))
    assert isinstance(compose, A.Compose) and len(compose.transforms) == len(EVERY_MAPPED_STEP)
    image = np.random.default_rng(0).integers(0, 256, (64, 80, 3), dtype=np.uint8)
    compose.set_random_seed(1)
    result = compose(image=image, bboxes=np.array([[5, 5, 40, 40]], np.float32), labels=[1])
    assert result["image"].shape == (30, 30, 3)


def test_albumentations_round_trip_gives_back_the_same_pipeline():
    exported = export_albumentations(CONFIG)
    reloaded = A.to_dict(A.from_dict(exported))
    assert import_albumentations(reloaded) == Pipeline.from_config(CONFIG).config()


def test_a_pipeline_saved_by_albumentations_imports_with_its_parameters():
    compose = A.Compose(
        [
            A.HorizontalFlip(p=0.5),
            A.Affine(rotate=(-15, 15), scale=(0.9, 1.1), border_mode=cv2.BORDER_REFLECT_101, p=1.0),
            A.OneOf([A.GaussianBlur(sigma_limit=(0.5, 1.0)), A.MedianBlur(blur_limit=5)], p=0.3),
            A.CoarseDropout(num_holes_range=(2, 4), p=0.5),
            A.RandomResizedCrop(size=(128, 96)),
        ],
        bbox_params=A.BboxParams(format="pascal_voc", label_fields=["labels"], min_visibility=0.4),
    )
    config = import_albumentations(A.to_dict(compose))
    assert config["min_visibility"] == 0.4
    affine = config["steps"][1]
    assert affine["type"] == "Affine" and affine["fill_mode"] == "reflect" and affine["rotate"] == [-15.0, 15.0]
    assert affine["scale"] == [0.9, 1.1] and affine["keep_ratio"] is False
    assert config["steps"][2]["steps"][1] == {
        "type": "MedianBlur",
        "p": 0.5,
        "blur_limit": [3, 5],
    }  # A reads 5 as (3, 5)
    assert config["steps"][4]["height"] == 128 and config["steps"][4]["width"] == 96
    pipeline = Pipeline.from_config(config)
    out = pipeline(
        Sample.from_image(np.zeros((200, 150, 3), np.uint8), boxes=[[10, 10, 90, 90]], box_labels=[1]),
        rng=np.random.default_rng(0),
    )
    assert out.image.shape == (128, 96, 3)


def test_export_lists_every_step_without_an_equivalent():
    config = {
        "steps": [
            {"type": "HorizontalFlip"},
            {"type": "Letterbox", "height": 64, "width": 64},
            {"type": "one_of", "steps": [{"type": "Crappify"}, {"type": "InvertImg"}]},
            {"type": "CoarseDropout", "region": "inside_boxes"},
        ]
    }
    with pytest.raises(AlbumentationsExportError) as raised:
        export_albumentations(config)
    assert raised.value.messages() == [
        "steps[1]: Letterbox has no Albumentations equivalent",
        "steps[2].steps[0]: Crappify has no Albumentations equivalent",
        "steps[3].region: Albumentations erases anywhere; inside_boxes has no equivalent",
    ]


def test_import_lists_every_transform_and_setting_without_an_equivalent():
    compose = A.Compose(
        [A.RandomSnow(), A.Rotate(crop_border=True), A.Affine(shear={"x": (0, 10), "y": (0, 0)}), A.Blur()]
    )
    with pytest.raises(AlbumentationsImportError) as raised:
        import_albumentations(A.to_dict(compose))
    found = raised.value.messages()
    assert found[0].startswith("transform.transforms[0]: Albumentations RandomSnow has no equivalent here; supported: ")
    assert found[1] == "transform.transforms[1].crop_border: Rotate.crop_border=True is not supported (only False)"
    assert (
        found[2]
        == "transform.transforms[2].shear: different x and y ranges ([0.0, 10.0] and [0.0, 0.0]) are not supported"
    )
    assert found[3].startswith("transform.transforms[3]: Albumentations Blur has no equivalent")
    assert len(found) == 4


def test_import_rejects_something_that_is_not_a_compose():
    with pytest.raises(AlbumentationsImportError, match=r"A\.to_dict"):
        import_albumentations({"transform": {"__class_fullname__": "HorizontalFlip"}})
