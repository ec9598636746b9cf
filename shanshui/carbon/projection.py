"""Trajectories and progress against targets (pure: no Django).

**Projection at the current pace.** From the last ``window`` years with data (default 5, at
least 3):

1. the annual increments of the series, d(t) = y(t) − y(t−1), are fitted by least squares with
   a straight line d̂(t) = a + b·t — the pace of growth and whether it is slowing;
2. the series is carried forward from its last observed value: ŷ(t+1) = ŷ(t) + d̂(t+1), up to
   the horizon;
3. the **peak year** is the first year of the highest value on the observed-then-projected
   path; none when that is the horizon's last year (the path still rises at the horizon).

GDP at comparable prices is projected by a least-squares straight line through its levels over
the same years; the projected carbon (or energy) intensity is the projected total divided by
the projected GDP.

**Progress** of an intensity reduction target over a plan period (base year B, end year E,
target reduction R %, latest year L with data): achieved = (I(B) − I(L)) / I(B) × 100; the share
of the period elapsed is (L − B) / (E − B); the district is *on track* when achieved ≥ R × the
share elapsed (equal counts as on track), else *behind*. A total-energy cap is on track when the
latest energy use and the projected use in E are both within the cap; a peak-year target when
the projected peak comes no later than the target year.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

ON_TRACK, BEHIND, NO_DATA = "on_track", "behind", "no_data"
WINDOW = 5
MIN_YEARS = 3


def fit_line(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least squares y = a + b·x; returns (a, b). A single point gives a flat line."""
    n = len(xs)
    if n == 0:
        raise ValueError("no points")
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return my, 0.0
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    return my - b * mx, b


def _window(series: dict[int, float], window: int) -> list[int]:
    years = sorted(y for y, v in series.items() if v is not None)
    return years[-window:]


def project(series: dict[int, float], horizon: int, window: int = WINDOW) -> dict[int, float]:
    """The observed years of the window and the projected years after them up to ``horizon``
    (step 2 of the method). Empty when fewer than MIN_YEARS years have data."""
    years = _window(series, window)
    if len(years) < MIN_YEARS:
        return {}
    xs = years[1:]
    ds = [series[y] - series[p] for p, y in itertools.pairwise(years)]
    a, b = fit_line([float(x) for x in xs], ds)
    path = {y: float(series[y]) for y in years}
    value = path[years[-1]]
    for y in range(years[-1] + 1, horizon + 1):
        value = value + a + b * y
        path[y] = value
    return path


def peak_year(path: dict[int, float], last_observed: int) -> int | None:
    """Step 3: the (first) year of the highest value on the observed-then-projected path; none
    when that is the horizon, where the path still rises. ``last_observed`` bounds nothing but
    documents where the projection starts."""
    if not path:
        return None
    years = sorted(path)
    top = max(path.values())
    peak = next(y for y in years if path[y] == top)
    if peak == years[-1] and peak > last_observed:
        return None
    return peak


def project_linear(
    series: dict[int, float], horizon: int, window: int = WINDOW
) -> dict[int, float]:
    """GDP: a least-squares line through the levels of the window, observed years kept."""
    years = _window(series, window)
    if len(years) < MIN_YEARS:
        return {}
    a, b = fit_line([float(y) for y in years], [float(series[y]) for y in years])
    path = {y: float(series[y]) for y in years}
    for y in range(years[-1] + 1, horizon + 1):
        path[y] = a + b * y
    return path


def intensity_path(totals: dict[int, float], gdp: dict[int, float]) -> dict[int, float]:
    return {y: totals[y] / gdp[y] for y in sorted(totals) if gdp.get(y)}


@dataclass(frozen=True)
class Progress:
    status: str  # ON_TRACK, BEHIND, NO_DATA
    achieved: float | None  # % reduction achieved, or the latest / projected value
    expected: float | None  # % reduction expected by now, or the cap / target year
    elapsed: float | None  # share of the period elapsed, 0–1
    latest_year: int | None


def reduction(base: float | None, latest: float | None) -> float | None:
    """Reduction in % from ``base`` to ``latest`` (positive = lower)."""
    if base is None or latest is None or base == 0:
        return None
    return (base - latest) / base * 100


def intensity_progress(
    intensity: dict[int, float], base_year: int, end_year: int, target_pct: float
) -> Progress:
    later = [y for y in intensity if base_year < y <= end_year]
    if base_year not in intensity or not later or end_year <= base_year:
        return Progress(NO_DATA, None, None, None, None)
    latest = max(later)
    achieved = reduction(intensity[base_year], intensity[latest])
    elapsed = (latest - base_year) / (end_year - base_year)
    expected = target_pct * elapsed
    status = ON_TRACK if achieved >= expected else BEHIND
    return Progress(status, achieved, expected, elapsed, latest)


def cap_progress(
    energy: dict[int, float], path: dict[int, float], end_year: int, cap: float
) -> Progress:
    observed = [y for y in energy if y <= end_year]
    if not observed:
        return Progress(NO_DATA, None, cap, None, None)
    latest = max(observed)
    at_end = path.get(end_year, energy.get(end_year))
    ok = energy[latest] <= cap and (at_end is None or at_end <= cap)
    return Progress(ON_TRACK if ok else BEHIND, energy[latest], cap, None, latest)


def peak_progress(peak: int | None, last_observed: int | None, target_year: int) -> Progress:
    if last_observed is None:
        return Progress(NO_DATA, None, float(target_year), None, None)
    ok = peak is not None and peak <= target_year
    return Progress(
        ON_TRACK if ok else BEHIND,
        float(peak) if peak is not None else None,
        float(target_year),
        None,
        last_observed,
    )
