"""Agreement: the statistics against published values, the matching, and the API."""

from __future__ import annotations

import numpy as np
import pytest

from labeling import agreement
from labeling.agreement import Rater, Shape
from projects.models import Role
from tests.factories import add_member, make_image_item, make_project, make_text_item
from tests.labeling.conftest import box, create, hand

# Fleiss (1971) as tabulated on Wikipedia: 10 subjects, 14 raters, 5 categories; kappa = 0.210.
FLEISS_TABLE = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]

# Krippendorff, "Computing Krippendorff's alpha-reliability" (2011): 4 observers, 12 units with
# missing values; nominal alpha = 0.743.
KRIPPENDORFF_OBSERVERS = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


def test_fleiss_kappa_matches_the_published_example():
    assert agreement.fleiss_kappa(np.array(FLEISS_TABLE)) == pytest.approx(0.210, abs=5e-4)


def test_krippendorff_alpha_matches_the_published_example():
    units = [[v for v in unit if v is not None] for unit in zip(*KRIPPENDORFF_OBSERVERS, strict=True)]
    assert agreement.krippendorff_alpha_nominal(units) == pytest.approx(0.743, abs=5e-4)


def test_cohen_kappa_of_a_hand_computed_example():
    # observed 4/6; expected (3*3 + 3*3)/36 = 0.5; kappa = (2/3 - 1/2) / (1/2) = 1/3
    assert agreement.cohen_kappa(list("aabbab"), list("aabbba")) == pytest.approx(1 / 3)


def test_perfect_agreement_on_a_single_value_is_undefined_not_one():
    assert agreement.krippendorff_alpha_nominal([["a", "a"], ["a", "a"]]) is None


def test_box_iou_is_exact():
    iou = agreement.box_iou_matrix([(0, 0, 10, 10)], [(5, 0, 10, 10), (20, 20, 1, 1)])
    assert iou.tolist() == [[pytest.approx(50 / 150), 0.0]]


def test_matching_is_optimal_not_greedy():
    # Greedy would pair a0-b0 (0.9) and leave a1-b1 at 0.1; optimal pairs a0-b1 and a1-b0.
    iou = np.array([[0.9, 0.8], [0.85, 0.1]])
    matched, f1 = agreement.match_f1(iou, threshold=0.5)
    assert sorted(matched) == [0.8, 0.85]
    assert f1 == 1.0


def test_polygon_iou_on_the_pixel_grid_is_close_to_the_exact_value():
    square = Shape("polygon", 1, points=[[0, 0], [10, 0], [10, 10], [0, 10]])
    shifted = Shape("polygon", 1, points=[[5, 0], [15, 0], [15, 10], [5, 10]])
    results = agreement.item_agreement(
        [Rater(1, [square]), Rater(2, [shifted])], image_size=(32, 32), iou_threshold=0.2
    )
    assert results[0].scores["mean_iou"] == pytest.approx(1 / 3, abs=0.02)
    assert results[0].scores["f1"] == 1.0


def test_span_f1_exact_and_overlap():
    a = [(0, 5), (10, 15)]
    b = [(0, 5), (11, 15), (30, 40)]
    assert agreement.span_exact_f1(a, b) == pytest.approx(2 * 1 / 5)
    assert agreement.span_overlap_f1(a, b) == pytest.approx(2 * 2 / 5)


def test_unmatched_boxes_lower_the_f1():
    one = Shape("bbox", 1, box=(0, 0, 10, 10))
    far = Shape("bbox", 1, box=(20, 20, 5, 5))
    results = agreement.item_agreement([Rater(1, [one]), Rater(2, [one, far])])
    assert results[0].scores == {"f1": pytest.approx(2 / 3), "mean_iou": 1.0}


# --- through the API -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_item_agreement_for_two_annotators(client_for, image_project, cat, dog):
    image_project.annotators_per_item = 2
    image_project.save()
    item = make_image_item(image_project)
    first, second = (add_member(image_project, Role.ANNOTATOR) for _ in range(2))
    for user, regions in (
        (first, [box(cat, x=0, y=0, width=10, height=10), {"kind": "image_class", "label_class": dog.pk}]),
        (second, [box(cat, x=0, y=0, width=10, height=10), {"kind": "image_class", "label_class": cat.pk}]),
    ):
        hand(item, user)
        assert create(client_for(user), item, regions, submit=True).status_code == 201
    reviewer = client_for(add_member(image_project, Role.REVIEWER))
    response = reviewer.get(f"/api/v1/projects/{image_project.pk}/items/{item.pk}/agreement/")
    assert response.status_code == 200, response.data
    by_key = {(c["kind"], c["label_class"]): c for c in response.data["classes"]}
    assert by_key[("bbox", cat.pk)]["f1"] == 1.0
    assert by_key[("bbox", cat.pk)]["mean_iou"] == 1.0
    assert by_key[("image_class", cat.pk)]["agreement"] == 0.0
    assert sorted(response.data["annotators"]) == sorted([first.pk, second.pk])


@pytest.mark.django_db
def test_annotators_cannot_read_agreement(annotator_api, image_project, image_item):
    response = annotator_api.get(f"/api/v1/projects/{image_project.pk}/items/{image_item.pk}/agreement/")
    assert response.status_code == 403


@pytest.mark.django_db
def test_project_agreement_gives_alpha_and_kappas_for_single_label_classes(client_for, manager):
    project = make_project(
        manager=manager,
        kinds=("text_class", "text_span"),
        classes=(("pos", "#00ff00", "p"), ("neg", "#ff0000", "n")),
        annotators_per_item=2,
    )
    pos, neg = project.classes.get(name="pos"), project.classes.get(name="neg")
    first, second = (add_member(project, Role.ANNOTATOR) for _ in range(2))
    # Two raters over four items: agree, agree, disagree, agree.
    choices = [(pos, pos), (neg, neg), (pos, neg), (neg, neg)]
    for index, (a, b) in enumerate(choices):
        item = make_text_item(project, f"text number {index}")
        for user, label in ((first, a), (second, b)):
            hand(item, user)
            regions = [{"kind": "text_class", "label_class": label.pk}]
            assert create(client_for(user), item, regions, submit=True).status_code == 201
    response = client_for(manager).get(f"/api/v1/projects/{project.pk}/agreement/")
    assert response.status_code == 200, response.data
    summary = response.data["text_class"]
    # observed 3/4; expected: a = (pos 2, neg 2), b = (pos 1, neg 3) -> (2*1 + 2*3)/16 = 0.5; kappa = 0.5
    assert summary["cohen_kappa"] == pytest.approx(0.5)
    assert summary["items"] == 4
    assert summary["fleiss_kappa"] is not None and summary["krippendorff_alpha"] is not None
