"""The five indicators, the office's targets for them and how a value is assessed against its
target: met at or above a floor (``HIGHER_IS_BETTER``) or at or below a ceiling."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from shanshui.monitoring.models import HIGHER_IS_BETTER, Indicator, Target

#: The five indicators in the order the pages show them.
INDICATOR_ORDER = (
    Indicator.GOOD_DAY_RATIO,
    Indicator.PM25_MEAN,
    Indicator.HEAVY_DAYS,
    Indicator.WATER_GOOD_RATIO,
    Indicator.WATER_INFERIOR_V,
)
#: Decimals each indicator is shown (and compared) with.
DECIMALS: Mapping[str, int] = MappingProxyType(
    {
        Indicator.GOOD_DAY_RATIO: 1,
        Indicator.PM25_MEAN: 0,
        Indicator.HEAVY_DAYS: 0,
        Indicator.WATER_GOOD_RATIO: 1,
        Indicator.WATER_INFERIOR_V: 0,
    }
)
AIR_INDICATORS = (Indicator.GOOD_DAY_RATIO, Indicator.PM25_MEAN, Indicator.HEAVY_DAYS)

MET, MISSED, NO_TARGET, NO_DATA, NOT_ASSESSED = (
    "met",
    "missed",
    "no_target",
    "no_data",
    "not_assessed",
)


def targets_for(year: int, district_ids: Sequence[int] | None = None) -> dict:
    """``{(district_id, indicator): Decimal}`` of a year's targets (one query)."""
    qs = Target.objects.filter(year=year)
    if district_ids is not None:
        qs = qs.filter(district_id__in=list(district_ids))
    return {(d, i): v for d, i, v in qs.values_list("district_id", "indicator", "value")}


@dataclass(frozen=True)
class Assessment:
    """An indicator's value against its target."""

    indicator: str
    value: float | None
    target: Decimal | None
    status: str
    gap: float | None  # value − target, in the indicator's decimals
    provisional: bool  # the period is not over, or the statistic is not valid yet

    @property
    def higher_is_better(self) -> bool:
        return HIGHER_IS_BETTER[Indicator(self.indicator)]

    @property
    def label(self) -> str:
        return str(Indicator(self.indicator).label)

    @property
    def decimals(self) -> int:
        return DECIMALS[self.indicator]

    @property
    def met(self) -> bool:
        return self.status == MET

    @property
    def missed(self) -> bool:
        return self.status == MISSED


def _as_shown(value: float, decimals: int) -> Decimal:
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals))


def assess(
    indicator: str,
    value: float | None,
    target: Decimal | None,
    *,
    provisional: bool = False,
    comparable: bool = True,
) -> Assessment:
    """Compare a shown value with a target: a floor when higher is better, else a ceiling."""
    indicator = Indicator(indicator)
    decimals = DECIMALS[indicator]
    if value is None:
        return Assessment(indicator.value, None, target, NO_DATA, None, provisional)
    if not comparable:
        return Assessment(indicator.value, value, None, NOT_ASSESSED, None, provisional)
    if target is None:
        return Assessment(indicator.value, value, None, NO_TARGET, None, provisional)
    shown = _as_shown(value, decimals)
    target = Decimal(target)
    met = shown >= target if HIGHER_IS_BETTER[indicator] else shown <= target
    gap = float((shown - target).quantize(Decimal(1).scaleb(-max(decimals, 1))))
    return Assessment(indicator.value, value, target, MET if met else MISSED, gap, provisional)
