"""How each of our transforms corresponds to an Albumentations class, parameter by parameter.

Most parameters share name and meaning (`shared`); `fixed` lists Albumentations settings we implement only at one
value; the converters handle the rest (fill_mode <-> border_mode, interpolation names <-> OpenCV flags,
size <-> height/width, square tile grids ...). Used by albumentations_io for import and export.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import cv2

from augmentation.engine.image.warp import BORDER_MODES, INTERPOLATION_FLAGS
from augmentation.engine.problems import Problem, join_path

# Albumentations stores OpenCV's numeric flags; ours are names.
_INTERPOLATION = INTERPOLATION_FLAGS
_BORDER = BORDER_MODES
GROUPS = {"one_of": "OneOf", "some_of": "SomeOf", "sequence": "Sequential"}


Converter = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class TransformMapping:
    ours: str
    theirs: str
    shared: tuple[str, ...] = ()  # same name, same meaning
    fixed: Mapping[str, Any] = field(default_factory=dict)  # their settings we implement only at this value
    ignored: tuple[str, ...] = ()  # theirs, without effect on our output worth reporting (documented per entry)
    to_theirs: Converter | None = None  # our params -> extra params of theirs
    from_theirs: Callable[[dict[str, Any], str], tuple[dict[str, Any], list[Problem]]] | None = None


def _key(table: Mapping[str, int], value: Any, what: str, path: str) -> tuple[str | None, list[Problem]]:
    for name, number in table.items():
        if number == value:
            return name, []
    return None, [
        Problem(
            path, f"{what} {value!r} has no equivalent; supported: {', '.join(f'{k} ({v})' for k, v in table.items())}"
        )
    ]


def _fill_value(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list | tuple):
        return [_fill_value(item) for item in value]
    return value


def _warp_to_theirs(params: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if "interpolation" in params:
        result["interpolation"] = _INTERPOLATION[params["interpolation"]]
        result["mask_interpolation"] = cv2.INTER_NEAREST
    if "fill_mode" in params:
        result["border_mode"] = _BORDER[params["fill_mode"]]
        result["fill"] = params["fill"]
        result["fill_mask"] = params["fill_mask"]
    return result


def _warp_from_theirs(theirs: dict[str, Any], path: str) -> tuple[dict[str, Any], list[Problem]]:
    ours: dict[str, Any] = {}
    problems: list[Problem] = []
    if "interpolation" in theirs:
        ours["interpolation"], found = _key(
            _INTERPOLATION, theirs["interpolation"], "interpolation", join_path(path, "interpolation")
        )
        problems += found
    if theirs.get("mask_interpolation", cv2.INTER_NEAREST) != cv2.INTER_NEAREST:
        problems.append(
            Problem(join_path(path, "mask_interpolation"), "masks are always resampled nearest-neighbour here")
        )
    if "border_mode" in theirs:
        ours["fill_mode"], found = _key(_BORDER, theirs["border_mode"], "border_mode", join_path(path, "border_mode"))
        problems += found
        ours["fill"] = _fill_value(theirs.get("fill", 0))
        ours["fill_mask"] = _fill_value(theirs.get("fill_mask", 0))
    return ours, problems


def _same_xy(value: Any, name: str, path: str) -> tuple[Any, list[Problem]]:
    if isinstance(value, Mapping):
        x, y = list(value.get("x", (0, 0))), list(value.get("y", (0, 0)))
        if x != y:
            return None, [Problem(join_path(path, name), f"different x and y ranges ({x} and {y}) are not supported")]
        return x, []
    return value, []


def _affine_to_theirs(params: dict[str, Any]) -> dict[str, Any]:
    return {
        **_warp_to_theirs(params),
        "scale": params["scale"],
        "keep_ratio": params["keep_ratio"],
        "translate_percent": params["translate_percent"],
        "rotate": params["rotate"],
        "shear": params["shear"],
    }


def _affine_from_theirs(theirs: dict[str, Any], path: str) -> tuple[dict[str, Any], list[Problem]]:
    ours, problems = _warp_from_theirs(theirs, path)
    ours["rotate"] = theirs.get("rotate", (0, 0))
    for name in ("scale", "shear"):
        ours[name], found = _same_xy(theirs.get(name, (1, 1) if name == "scale" else (0, 0)), name, path)
        problems += found
    translate_px, found = _same_xy(theirs.get("translate_px") or (0, 0), "translate_px", path)
    problems += found
    if translate_px and any(translate_px):
        problems.append(
            Problem(join_path(path, "translate_px"), "pixel translation is not supported; use translate_percent")
        )
    percent, found = _same_xy(theirs.get("translate_percent") or (0, 0), "translate_percent", path)
    problems += found
    ours["translate_percent"] = percent
    ours["keep_ratio"] = bool(theirs.get("keep_ratio", False))
    return ours, problems


def _resized_crop_to_theirs(params: dict[str, Any]) -> dict[str, Any]:
    return {**_warp_to_theirs(params), "size": [params["height"], params["width"]]}


def _resized_crop_from_theirs(theirs: dict[str, Any], path: str) -> tuple[dict[str, Any], list[Problem]]:
    ours, problems = _warp_from_theirs(theirs, path)
    height, width = theirs.get("size", (None, None))
    return {**ours, "height": height, "width": width}, problems


def _clahe_to_theirs(params: dict[str, Any]) -> dict[str, Any]:
    return {"tile_grid_size": [params["tile_grid_size"]] * 2}


def _clahe_from_theirs(theirs: dict[str, Any], path: str) -> tuple[dict[str, Any], list[Problem]]:
    rows, columns = theirs.get("tile_grid_size", (8, 8))
    if rows != columns:
        return {}, [Problem(join_path(path, "tile_grid_size"), "only square tile grids are supported")]
    return {"tile_grid_size": rows}, []


def _posterize_from_theirs(theirs: dict[str, Any], path: str) -> tuple[dict[str, Any], list[Problem]]:
    bits = theirs.get("num_bits", 4)
    if isinstance(bits, int):
        return {"num_bits": [bits, bits]}, []
    if isinstance(bits, list | tuple) and len(bits) == 2 and all(isinstance(item, int) for item in bits):
        return {"num_bits": list(bits)}, []
    return {}, [Problem(join_path(path, "num_bits"), "per-channel bit ranges are not supported")]


def _downscale_to_theirs(params: dict[str, Any]) -> dict[str, Any]:
    return {
        "interpolation_pair": {
            "downscale": _INTERPOLATION[params["down_interpolation"]],
            "upscale": _INTERPOLATION[params["up_interpolation"]],
        }
    }


def _downscale_from_theirs(theirs: dict[str, Any], path: str) -> tuple[dict[str, Any], list[Problem]]:
    pair = theirs.get("interpolation_pair", {"downscale": 0, "upscale": 0})
    ours, problems = {}, []
    for side in ("downscale", "upscale"):
        ours[f"{side[:-5]}_interpolation"], found = _key(
            _INTERPOLATION, pair.get(side), "interpolation", join_path(path, "interpolation_pair")
        )
        problems += found
    return {"down_interpolation": ours["down_interpolation"], "up_interpolation": ours["up_interpolation"]}, problems


def _erasing_to_theirs(params: dict[str, Any]) -> dict[str, Any]:
    return {"fill": "random" if params["random_fill"] else params["fill"], "fill_mask": params["fill_mask"]}


def _erasing_from_theirs(theirs: dict[str, Any], path: str) -> tuple[dict[str, Any], list[Problem]]:
    fill = theirs.get("fill", 0)
    if fill == "random":
        return {"random_fill": True, "fill_mask": theirs.get("fill_mask")}, []
    if isinstance(fill, str):
        return {}, [Problem(join_path(path, "fill"), f"fill {fill!r} is not supported (a colour or 'random')")]
    return {"fill": _fill_value(fill), "random_fill": False, "fill_mask": _fill_value(theirs.get("fill_mask"))}, []


def _coarse_dropout_from_theirs(theirs: dict[str, Any], path: str) -> tuple[dict[str, Any], list[Problem]]:
    ours, problems = _erasing_from_theirs(theirs, path)
    for name in ("hole_height_range", "hole_width_range"):
        value = theirs.get(name, (0.1, 0.2))
        if all(isinstance(item, int) for item in value) and not all(0 <= item <= 1 for item in value):
            problems.append(Problem(join_path(path, name), "sizes in pixels are not supported; use fractions (0-1)"))
    return ours, problems


MAPPINGS = (
    TransformMapping("HorizontalFlip", "HorizontalFlip"),
    TransformMapping("VerticalFlip", "VerticalFlip"),
    TransformMapping("RandomRotate90", "RandomRotate90"),
    TransformMapping(
        "Rotate",
        "Rotate",
        ("limit",),
        fixed={"rotate_method": "largest_box", "crop_border": False},
        to_theirs=_warp_to_theirs,
        from_theirs=_warp_from_theirs,
    ),
    TransformMapping(
        "Affine",
        "Affine",
        fixed={"fit_output": False, "rotate_method": "largest_box", "balanced_scale": False},
        to_theirs=_affine_to_theirs,
        from_theirs=_affine_from_theirs,
    ),
    TransformMapping(
        "Perspective",
        "Perspective",
        ("scale",),
        fixed={"keep_size": True, "fit_output": False},
        to_theirs=_warp_to_theirs,
        from_theirs=_warp_from_theirs,
    ),
    TransformMapping("RandomCrop", "RandomCrop", ("height", "width"), fixed={"pad_if_needed": False}),
    TransformMapping("CenterCrop", "CenterCrop", ("height", "width"), fixed={"pad_if_needed": False}),
    TransformMapping(
        "RandomResizedCrop",
        "RandomResizedCrop",
        ("scale", "ratio"),
        fixed={"area_for_downscale": None},
        to_theirs=_resized_crop_to_theirs,
        from_theirs=_resized_crop_from_theirs,
    ),
    TransformMapping(
        "Resize",
        "Resize",
        ("height", "width"),
        fixed={"area_for_downscale": None},
        to_theirs=_warp_to_theirs,
        from_theirs=_warp_from_theirs,
    ),
    TransformMapping(
        "ElasticTransform",
        "ElasticTransform",
        ("alpha", "sigma"),
        fixed={"approximate": False, "same_dxdy": False, "noise_distribution": "gaussian"},
        ignored=("keypoint_remapping_method",),  # we always invert the field for label points
        to_theirs=_warp_to_theirs,
        from_theirs=_warp_from_theirs,
    ),
    TransformMapping(
        "GridDistortion",
        "GridDistortion",
        ("num_steps", "distort_limit"),
        fixed={"normalized": True},
        ignored=("keypoint_remapping_method",),
        to_theirs=_warp_to_theirs,
        from_theirs=_warp_from_theirs,
    ),
    TransformMapping(
        "RandomBrightnessContrast",
        "RandomBrightnessContrast",
        ("brightness_limit", "contrast_limit", "brightness_by_max"),
        fixed={"ensure_safe_range": False},
    ),
    TransformMapping("RandomGamma", "RandomGamma", ("gamma_limit",)),
    TransformMapping(
        "HueSaturationValue", "HueSaturationValue", ("hue_shift_limit", "sat_shift_limit", "val_shift_limit")
    ),
    TransformMapping("RGBShift", "RGBShift", ("r_shift_limit", "g_shift_limit", "b_shift_limit")),
    TransformMapping("ChannelShuffle", "ChannelShuffle"),
    TransformMapping("ToGray", "ToGray", fixed={"num_output_channels": 3, "method": "weighted_average"}),
    TransformMapping("CLAHE", "CLAHE", ("clip_limit",), to_theirs=_clahe_to_theirs, from_theirs=_clahe_from_theirs),
    TransformMapping("ColorJitter", "ColorJitter", ("brightness", "contrast", "saturation", "hue")),
    TransformMapping("InvertImg", "InvertImg"),
    TransformMapping("Solarize", "Solarize", ("threshold_range",)),
    TransformMapping(
        "Posterize",
        "Posterize",
        to_theirs=lambda params: {"num_bits": params["num_bits"]},
        from_theirs=_posterize_from_theirs,
    ),
    TransformMapping("Equalize", "Equalize", ("by_channels",), fixed={"mode": "cv", "mask_params": []}),
    TransformMapping("GaussianBlur", "GaussianBlur", ("sigma_limit", "blur_limit")),
    TransformMapping(
        "MotionBlur",
        "MotionBlur",
        ("blur_limit", "angle_range", "direction_range"),
        ignored=("allow_shifted",),  # our kernel is always centred; a shifted one moves the picture by a pixel or two
    ),
    TransformMapping("MedianBlur", "MedianBlur", ("blur_limit",)),
    TransformMapping(
        "Sharpen", "Sharpen", ("alpha", "lightness"), fixed={"method": "kernel"}, ignored=("kernel_size", "sigma")
    ),
    TransformMapping("Emboss", "Emboss", ("alpha", "strength")),
    TransformMapping(
        "GaussNoise", "GaussNoise", ("std_range", "mean_range", "per_channel"), fixed={"noise_scale_factor": 1}
    ),
    TransformMapping("ISONoise", "ISONoise", ("color_shift", "intensity")),
    TransformMapping("ImageCompression", "ImageCompression", ("quality_range",), fixed={"compression_type": "jpeg"}),
    TransformMapping(
        "Downscale",
        "Downscale",
        ("scale_range",),
        to_theirs=_downscale_to_theirs,
        from_theirs=_downscale_from_theirs,
    ),
    TransformMapping(
        "RandomErasing",
        "Erasing",
        ("scale", "ratio"),
        to_theirs=_erasing_to_theirs,
        from_theirs=_erasing_from_theirs,
    ),
    TransformMapping(
        "CoarseDropout",
        "CoarseDropout",
        ("num_holes_range", "hole_height_range", "hole_width_range"),
        to_theirs=_erasing_to_theirs,
        from_theirs=_coarse_dropout_from_theirs,
    ),
    TransformMapping(
        "GridMask",
        "GridDropout",
        ("ratio", "unit_size_range", "random_offset"),
        fixed={"holes_number_xy": None, "shift_xy": [0, 0]},
        to_theirs=_erasing_to_theirs,
        from_theirs=_erasing_from_theirs,
    ),
)


BY_OURS = {mapping.ours: mapping for mapping in MAPPINGS}
BY_THEIRS = {mapping.theirs: mapping for mapping in MAPPINGS}
