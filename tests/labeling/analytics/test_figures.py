"""The arithmetic of the figures, with exact numbers on constructed data."""

from __future__ import annotations

import numpy as np
import pytest

from labeling.analytics import figures


def test_median_of_an_even_count_is_the_mean_of_the_middle_two():
    assert figures.median([4, 1, 3, 2]) == 2.5


def test_p90_interpolates_linearly_between_order_statistics():
    assert figures.p90(range(1, 11)) == pytest.approx(9.1)


def test_percentiles_of_nothing_are_none():
    assert figures.median([]) is None
    assert figures.time_summary([]) == {"n": 0, "median_s": None, "p90_s": None, "mean_s": None}


def test_time_summary_is_in_seconds_rounded_to_one_decimal():
    # p90: position 0.9 x 3 = 2.7, so 3000 + 0.7 x (10040 - 3000) = 7928 ms
    assert figures.time_summary([1000, 2000, 3000, 10_040]) == {"n": 4, "median_s": 2.5, "p90_s": 7.9, "mean_s": 4.0}


def test_idle_ratio_is_the_share_of_wall_time_without_activity():
    assert figures.idle_ratio(30_000, 40_000) == 0.25
    assert figures.idle_ratio(0, 0) is None


def test_per_hour_divides_by_active_hours():
    assert figures.per_hour(3, 1_800_000) == 6.0
    assert figures.per_hour(3, 0) is None


def test_fit_line_recovers_slope_and_intercept_of_an_exact_line():
    fit = figures.fit_line([1, 2, 3, 4], [7, 9, 11, 13])
    assert fit is not None
    assert (fit.slope, fit.intercept, fit.r2, fit.n) == (pytest.approx(2), pytest.approx(5), pytest.approx(1), 4)


def test_fit_line_needs_two_distinct_x_values():
    assert figures.fit_line([3, 3, 3], [1, 2, 3]) is None


def test_marginal_costs_separate_kinds_held_fixed():
    # time = 4 + 2·boxes + 7·polygons, exactly
    counts = np.array([[1, 0], [2, 0], [0, 1], [0, 2], [1, 1], [3, 2]])
    times = 4 + counts @ np.array([2.0, 7.0])
    result = figures.marginal_costs(counts, times)
    assert result is not None
    costs, base = result
    assert costs == [pytest.approx(2), pytest.approx(7)]
    assert base == pytest.approx(4)


def test_marginal_cost_of_a_kind_that_never_varies_apart_is_none():
    counts = np.array([[1, 1], [2, 2], [3, 3], [4, 4]])
    result = figures.marginal_costs(counts, [3, 5, 7, 9])
    assert result is not None
    assert result[0] == [None, None]


def test_fast_rule_flags_below_a_second_per_region():
    reasons = figures.fast_submission_reasons(
        np.array([2999, 3000, 900]), np.array([3, 3, 0]), np.array([3000, 3000, 3000]), np.array([1, 1, 1])
    )
    assert reasons == ["below_minimum", "", "below_minimum"]


def test_fast_rule_flags_below_a_quarter_of_the_own_median_with_enough_history():
    reasons = figures.fast_submission_reasons(
        np.array([2400, 2500, 2400]), np.array([1, 1, 1]), np.array([10_000, 10_000, 10_000]), np.array([5, 5, 4])
    )
    assert reasons == ["below_own_median", "", ""]


def test_forecast_is_remaining_times_mean_with_a_90_percent_prediction_interval():
    forecast = figures.forecast_cost([1, 2, 3, 4, 5], remaining=10)
    # total 10 x 3; spread 1.6449 x s(=√2.5) x √(10 + 10²/5)
    assert forecast["total"] == 30.0
    assert forecast["low"] == pytest.approx(round(30 - 14.244850264469472, 2))
    assert forecast["high"] == pytest.approx(round(30 + 14.244850264469472, 2))
    assert forecast["n"] == 5


def test_forecast_interval_is_clipped_at_zero():
    forecast = figures.forecast_cost([0, 0, 0, 10], remaining=1)
    assert forecast["low"] == 0.0


def test_forecast_without_history_has_no_total_and_nothing_left_costs_nothing():
    assert figures.forecast_cost([], remaining=5)["total"] is None
    assert figures.forecast_cost([1, 2], remaining=0)["total"] == 0.0


def test_learning_curve_buckets_medians_by_nth_item():
    nth = np.arange(1, 101)
    times = np.where(nth <= 50, 20_000.0, 10_000.0)
    points = figures.learning_curve(nth, times, max_points=2)
    assert points == [
        {"from_n": 1, "to_n": 50, "n": 50, "median_s": 20.0},
        {"from_n": 51, "to_n": 100, "n": 50, "median_s": 10.0},
    ]


def test_histogram_counts_beyond_the_99th_percentile_separately():
    values = np.array([1000.0] * 99 + [1_000_000.0])
    result = figures.histogram(values, bins=5)
    assert sum(result["counts"]) + result["above"] == 100
    assert result["above"] == 1


def test_histogram_bins_have_round_widths_so_small_times_keep_distinct_edges():
    result = figures.histogram(np.array([100.0, 200.0, 300.0, 400.0]))
    # 99th percentile 0.397 s; 30 bins would be 0.013 s wide, below the 0.1 s rounding: 4 bins of 0.1 s.
    assert result == {"edges_s": [0.0, 0.1, 0.2, 0.3, 0.4], "counts": [0, 1, 1, 1], "above": 1}


def test_histogram_width_is_one_two_or_five_times_a_power_of_ten():
    values = np.arange(1, 1001) * 130.0  # 0.13 s .. 130 s; 99th percentile 128.7 s
    result = figures.histogram(values, bins=30)
    widths = {round(b - a, 6) for a, b in zip(result["edges_s"], result["edges_s"][1:], strict=False)}
    assert widths == {5.0}
    assert len(result["counts"]) == 26
    assert sum(result["counts"]) + result["above"] == 1000
    assert [figures.nice_width(x) for x in (0.01, 0.13, 0.2, 0.21, 3.0, 4.4, 7.0)] == [
        0.1,
        0.2,
        0.2,
        0.5,
        5.0,
        5.0,
        10.0,
    ]
