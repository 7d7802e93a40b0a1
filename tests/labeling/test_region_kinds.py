"""Every annotation kind through the API, and every validation rule naming its field."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image

from labeling import rle
from projects.models import Role
from tests.factories import add_member, make_project, make_text_item
from tests.labeling.conftest import annotations_url, box, create, hand

pytestmark = pytest.mark.django_db


def errors_of(response):
    assert response.status_code == 400, (response.status_code, response.data)
    return response.data["errors"]


# --- kinds that work ----------------------------------------------------------------------------------


def test_polygon_with_a_hole_stores_points_area_and_bbox(manager_api, image_item, cat):
    polygon = {
        "kind": "polygon",
        "label_class": cat.pk,
        "points": [[0, 0], [20, 0], [20, 10], [0, 10]],
        "holes": [[[5, 2], [10, 2], [10, 6]]],
    }
    response = create(manager_api, image_item, [polygon])
    assert response.status_code == 201, response.data
    region = response.data["regions"][0]
    assert region["points"] == [[0.0, 0.0], [20.0, 0.0], [20.0, 10.0], [0.0, 10.0]]
    assert region["area"] == pytest.approx(200 - 10)
    assert region["bbox"] == [0.0, 0.0, 20.0, 10.0]


def test_mask_from_uncompressed_rle_is_stored_as_compressed_rle_with_area_and_bbox(manager_api, image_item, cat):
    mask = np.zeros((24, 32), dtype=np.uint8)
    mask[3:7, 10:15] = 1
    counts = rle.encode(mask)
    response = create(
        manager_api, image_item, [{"kind": "mask", "label_class": cat.pk, "rle": {"size": [24, 32], "counts": counts}}]
    )
    assert response.status_code == 201, response.data
    region = response.data["regions"][0]
    assert region["rle"] == {"size": [24, 32], "counts": rle.to_string(counts)}
    assert region["area"] == 20.0
    assert region["bbox"] == [10.0, 3.0, 5.0, 4.0]
    assert np.array_equal(rle.decode(rle.from_string(region["rle"]["counts"]), 24, 32), mask.astype(bool))


def test_mask_from_compressed_rle_is_kept_losslessly(manager_api, image_item, cat):
    mask = np.random.default_rng(3).random((24, 32)) > 0.5
    text = rle.to_string(rle.encode(mask))
    response = create(
        manager_api, image_item, [{"kind": "mask", "label_class": cat.pk, "rle": {"size": [24, 32], "counts": text}}]
    )
    assert response.status_code == 201, response.data
    assert response.data["regions"][0]["rle"]["counts"] == text


def png(array, mode="L"):
    buffer = io.BytesIO()
    Image.fromarray(array, mode=mode if mode != "L" else None).save(buffer, format="PNG")
    buffer.seek(0)
    buffer.name = "mask.png"
    return buffer


def test_mask_uploaded_as_png_becomes_rle(manager_api, image_item, cat):
    mask = np.zeros((24, 32), dtype=np.uint8)
    mask[0:2, 0:3] = 255
    payload = json.dumps({"regions": [{"kind": "mask", "label_class": cat.pk, "png": "m0"}]})
    response = manager_api.post(annotations_url(image_item), {"payload": payload, "m0": png(mask)}, format="multipart")
    assert response.status_code == 201, response.data
    region = response.data["regions"][0]
    assert region["area"] == 6.0
    assert np.array_equal(rle.decode(rle.from_string(region["rle"]["counts"]), 24, 32), mask > 0)


def test_rgb_png_mask_is_rejected_as_not_single_channel(manager_api, image_item, cat):
    rgb = np.zeros((24, 32, 3), dtype=np.uint8)
    payload = json.dumps({"regions": [{"kind": "mask", "label_class": cat.pk, "png": "m0"}]})
    response = manager_api.post(annotations_url(image_item), {"payload": payload, "m0": png(rgb)}, format="multipart")
    assert "single-channel" in errors_of(response)["regions[0].png"][0]


def test_png_mask_of_the_wrong_size_is_rejected(manager_api, image_item, cat):
    payload = json.dumps({"regions": [{"kind": "mask", "label_class": cat.pk, "png": "m0"}]})
    small = np.ones((10, 10), dtype=np.uint8)
    response = manager_api.post(annotations_url(image_item), {"payload": payload, "m0": png(small)}, format="multipart")
    assert "32x24" in errors_of(response)["regions[0].png"][0]


def test_single_image_class_is_accepted(manager_api, image_item, cat):
    response = create(manager_api, image_item, [{"kind": "image_class", "label_class": cat.pk}])
    assert response.status_code == 201, response.data


def test_two_image_classes_need_the_multi_setting(manager_api, image_project, image_item, cat, dog):
    regions = [{"kind": "image_class", "label_class": cat.pk}, {"kind": "image_class", "label_class": dog.pk}]
    assert "one image class" in errors_of(create(manager_api, image_item, regions))["regions[1].label_class"][0]
    image_project.image_class_multi = True
    image_project.save()
    assert create(manager_api, image_item, regions).status_code == 201


def test_text_classes_and_spans_use_code_point_offsets(manager_api, text_project, text_item):
    person = text_project.classes.get(name="person")
    positive = text_project.classes.get(name="positive")
    # "Émile" starts after the emoji, which is one code point (but two UTF-16 units).
    start = text_item.text.index("Émile")
    regions = [
        {"kind": "text_class", "label_class": positive.pk},
        {"kind": "text_span", "label_class": person.pk, "start": 0, "end": 12},
        {"kind": "text_span", "label_class": person.pk, "start": start, "end": start + 5},
    ]
    response = create(manager_api, text_item, regions)
    assert response.status_code == 201, response.data
    spans = [(r["start"], r["end"]) for r in response.data["regions"] if r["kind"] == "text_span"]
    assert [text_item.text[s:e] for s, e in spans] == ["Ada Lovelace", "Émile"]


def test_overlapping_spans_need_the_project_setting(manager_api, text_project, text_item):
    person = text_project.classes.get(name="person")
    regions = [
        {"kind": "text_span", "label_class": person.pk, "start": 0, "end": 12},
        {"kind": "text_span", "label_class": person.pk, "start": 4, "end": 20},
    ]
    assert "overlapping" in errors_of(create(manager_api, text_item, regions))["regions[1].start"][0]
    text_project.allow_overlapping_spans = True
    text_project.save()
    assert create(manager_api, text_item, regions).status_code == 201


def test_comment_and_confidence_are_kept(manager_api, image_item, cat):
    response = create(manager_api, image_item, [box(cat, comment="partly hidden", confidence=0.75)])
    assert response.data["regions"][0]["comment"] == "partly hidden"
    assert response.data["regions"][0]["confidence"] == 0.75


def test_box_within_the_tolerance_is_clipped_to_the_image(manager_api, image_item, cat):
    response = create(manager_api, image_item, [box(cat, x=-1.5, y=0, width=34, height=24.5)])
    assert response.status_code == 201, response.data
    region = response.data["regions"][0]
    assert (region["x"], region["width"], region["height"]) == (0.0, 32.0, 24.0)


def test_a_region_sent_back_with_its_derived_fields_is_accepted(manager_api, image_item, cat):
    polygon = {"kind": "polygon", "label_class": cat.pk, "points": [[0, 0], [5, 0], [5, 5]]}
    region = create(manager_api, image_item, [polygon]).data["regions"][0]
    response = manager_api.put(
        f"/api/v1/projects/{image_item.project_id}/items/{image_item.pk}/regions/",
        {"regions": [region]},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 200, response.data


# --- rejections, each naming the field ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "field", "words"),
    [
        ({"y": "2"}, "y", "number"),
        ({"x": True}, "x", "number"),
        ({"width": 0}, "width", "greater than 0"),
        ({"height": -3}, "height", "greater than 0"),
        ({"x": -10}, "x", "outside the image"),
        ({"x": 30, "width": 10}, "width", "outside the image"),
        ({"colour": "red"}, "colour", "Unknown field"),
        ({"label_class": 99999}, "label_class", "not in this project"),
        ({"label_class": "1"}, "label_class", "integer id"),
        ({"kind": "cuboid"}, "kind", "one of"),
    ],
)
def test_bad_box_is_rejected_with_its_field_named(manager_api, image_item, cat, region, field, words):
    response = create(manager_api, image_item, [{**box(cat), **region}])
    assert words in errors_of(response)[f"regions[0].{field}"][0]


@pytest.mark.parametrize(
    ("field", "literal"), [("x", "NaN"), ("width", "Infinity"), ("height", "1e999"), ("y", "-Infinity")]
)
def test_non_finite_number_is_rejected_with_the_field_named(manager_api, image_item, cat, field, literal):
    values = {"x": "1", "y": "1", "width": "2", "height": "2", field: literal}
    fields = ", ".join(f'"{name}": {value}' for name, value in values.items())
    body = f'{{"regions": [{{"kind": "bbox", "label_class": {cat.pk}, {fields}}}]}}'
    response = manager_api.post(annotations_url(image_item), body, content_type="application/json")
    assert "finite" in errors_of(response)[f"regions[0].{field}"][0]


@pytest.mark.parametrize(
    ("points", "field", "words"),
    [
        ([[0, 0], [5, 5]], "points", "at least 3"),
        ([[0, 0], [5, 5], [10, 10]], "points", "zero area"),
        ([[0, 0], [5, 0], [5, "x"]], "points[2]", "number"),
        ([[0, 0], [5, 0], [5]], "points[2]", "[x, y]"),
        ([[0, 0], [5, 0], [5, 500]], "points[2]", "outside the image"),
    ],
)
def test_bad_polygon_is_rejected_with_its_field_named(manager_api, image_item, cat, points, field, words):
    response = create(manager_api, image_item, [{"kind": "polygon", "label_class": cat.pk, "points": points}])
    assert words in errors_of(response)[f"regions[0].{field}"][0]


def test_rle_whose_counts_do_not_sum_to_the_image_is_rejected(manager_api, image_item, cat):
    region = {"kind": "mask", "label_class": cat.pk, "rle": {"size": [24, 32], "counts": [10, 5, 3]}}
    assert "sum to 18" in errors_of(create(manager_api, image_item, [region]))["regions[0].rle.counts"][0]


def test_rle_of_the_wrong_size_is_rejected(manager_api, image_item, cat):
    region = {"kind": "mask", "label_class": cat.pk, "rle": {"size": [10, 10], "counts": [50, 50]}}
    assert "24x32" in errors_of(create(manager_api, image_item, [region]))["regions[0].rle.size"][0]


def test_compressed_rle_with_characters_outside_the_alphabet_is_rejected(manager_api, image_item, cat):
    region = {"kind": "mask", "label_class": cat.pk, "rle": {"size": [24, 32], "counts": "~~~~"}}
    assert "alphabet" in errors_of(create(manager_api, image_item, [region]))["regions[0].rle.counts"][0]


def test_class_that_does_not_allow_the_kind_is_rejected(manager_api, image_item, cat):
    cat.kinds = ["bbox"]
    cat.save()
    region = {"kind": "polygon", "label_class": cat.pk, "points": [[0, 0], [5, 0], [5, 5]]}
    assert (
        "cannot be used for polygon"
        in errors_of(create(manager_api, image_item, [region]))["regions[0].label_class"][0]
    )


def test_class_of_another_project_is_rejected(manager_api, image_item):
    other = make_project(name="Other")
    foreign = other.classes.first()
    response = create(manager_api, image_item, [{"kind": "image_class", "label_class": foreign.pk}])
    assert "not in this project" in errors_of(response)["regions[0].label_class"][0]


def test_kind_the_project_does_not_use_is_rejected(manager_api, image_item, cat):
    region = {"kind": "text_span", "label_class": cat.pk, "start": 0, "end": 1}
    assert "does not use" in errors_of(create(manager_api, image_item, [region]))["regions[0].kind"][0]


@pytest.mark.parametrize(
    ("start", "end", "field", "words"),
    [
        (5, 5, "end", "greater than start"),
        (9, 3, "end", "greater than start"),
        (0, 1000, "end", "Past the end"),
        (-1, 3, "start", "0 or more"),
        (2.0, 3, "start", "integer"),
    ],
)
def test_bad_span_is_rejected_with_its_field_named(manager_api, text_project, text_item, start, end, field, words):
    person = text_project.classes.get(name="person")
    region = {"kind": "text_span", "label_class": person.pk, "start": start, "end": end}
    assert words in errors_of(create(manager_api, text_item, [region]))[f"regions[0].{field}"][0]


def test_unknown_top_level_field_is_rejected(manager_api, image_item, cat):
    response = create(manager_api, image_item, [box(cat)], colour="red")
    assert errors_of(response) == {"colour": ["Unknown field."]}


def test_regions_of_the_wrong_type_are_rejected(manager_api, image_item):
    response = manager_api.post(annotations_url(image_item), {"regions": {"a": 1}}, format="json")
    assert "list of regions" in errors_of(response)["regions"][0]


def test_submit_flag_must_be_a_boolean(manager_api, image_item, cat):
    response = create(manager_api, image_item, [box(cat)], submit="yes")
    assert "submit" in errors_of(response)


def test_body_over_the_limit_answers_413(manager_api, image_item, cat, settings):
    settings.ANNOTATION_MAX_BODY_BYTES = 1000
    regions = [box(cat, comment="x" * 100) for _ in range(20)]
    response = create(manager_api, image_item, regions)
    assert response.status_code == 413


def test_absurdly_nested_json_is_rejected_with_400(manager_api, image_item):
    body = '{"regions": ' + "[" * 5000 + "]" * 5000 + "}"
    response = manager_api.post(annotations_url(image_item), body, content_type="application/json")
    assert response.status_code == 400
    assert "nested" in response.data["detail"]


def test_moderately_nested_json_over_the_limit_is_rejected(manager_api, image_item, settings):
    body = '{"regions": ' + "[" * 30 + "]" * 30 + "}"
    response = manager_api.post(annotations_url(image_item), body, content_type="application/json")
    assert response.status_code == 400
    assert "nested deeper than 20" in response.data["detail"]


def test_text_item_refuses_image_kinds(client_for, manager, manager_api):
    project = make_project(manager=manager, kinds=("bbox", "text_class"))
    item = make_text_item(project, "hello")
    cat = project.classes.get(name="cat")
    assert "cannot label a text item" in errors_of(create(manager_api, item, [box(cat)]))["regions[0].kind"][0]


def test_annotators_get_the_same_validation(client_for, image_project, image_item, cat):
    annotator = add_member(image_project, Role.ANNOTATOR)
    hand(image_item, annotator)
    response = create(client_for(annotator), image_item, [box(cat, width=-1)])
    assert "regions[0].width" in errors_of(response)


def test_two_text_classes_need_the_multi_setting(manager_api, text_project, text_item):
    positive, negative = (text_project.classes.get(name=n) for n in ("positive", "negative"))
    regions = [{"kind": "text_class", "label_class": positive.pk}, {"kind": "text_class", "label_class": negative.pk}]
    assert "one text class" in errors_of(create(manager_api, text_item, regions))["regions[1].label_class"][0]
    text_project.text_class_multi = True
    text_project.save()
    assert create(manager_api, text_item, regions).status_code == 201


def test_the_same_class_twice_is_rejected_even_when_several_are_allowed(manager_api, image_project, image_item, cat):
    image_project.image_class_multi = True
    image_project.save()
    regions = [{"kind": "image_class", "label_class": cat.pk}, {"kind": "image_class", "label_class": cat.pk}]
    assert "already given" in errors_of(create(manager_api, image_item, regions))["regions[1].label_class"][0]
