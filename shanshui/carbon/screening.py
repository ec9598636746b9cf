"""Screening rules for two-high projects (两高项目): pure, no Django. 两高项目筛查规则

A project is screened on two facts it is registered with:

- its **annual comprehensive energy use** (年综合能源消费量, tce, equivalent value): from
  ``provincial_review_tce`` (10,000 tce by default) it needs the provincial energy-saving review
  (节能审查由省级节能审查机关负责); from ``national_attention_tce`` (50,000 tce) it is one the
  national authorities watch (国家重点关注), reported upwards;
- its **unit energy consumption** (单位产品能耗, e.g. kgce/t) against the national levels of
  《高耗能行业重点领域能效标杆水平和基准水平》: at or under the benchmark (标杆水平) it is
  advanced; over the benchmark but at or under the baseline (基准水平) it passes; over the
  baseline its efficiency is *below the baseline* (低于基准水平), and that blocks approval.

Lower consumption is better, so "efficiency exactly at the baseline" passes and a consumption a
hair over the baseline is below it. Thresholds are data (:class:`Rules`), never constants in the
checks: the office sets them in ``settings.CARBON_TWO_HIGH_RULES`` (see ``docs/carbon.md``).

A project is *flagged* when any rule fires; a flagged project can become a ledger task.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import Decimal

# Flags (stable keys: stored in events and shown in lists)
PROVINCIAL_REVIEW = "provincial_review"
NATIONAL_ATTENTION = "national_attention"
BELOW_BASELINE = "below_baseline"

# Efficiency levels
BENCHMARK = "benchmark"  # 达到标杆水平
BASELINE = "baseline"  # 达到基准水平（未达标杆）
BELOW = "below_baseline"  # 低于基准水平
UNKNOWN = "unknown"  # levels or the project's value not given


@dataclass(frozen=True)
class Rules:
    """The thresholds (tce per year) and whether efficiency below the baseline blocks approval."""

    provincial_review_tce: Decimal = Decimal("10000")
    national_attention_tce: Decimal = Decimal("50000")
    below_baseline_blocks: bool = True

    @classmethod
    def from_mapping(cls, values: Mapping[str, object] | None) -> Rules:
        """Rules from a settings mapping; keys left out keep their defaults, unknown keys are
        refused (a misspelt threshold must not silently fall back to the default)."""
        values = dict(values or {})
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown two-high rule(s): {', '.join(sorted(unknown))}")
        kwargs: dict[str, object] = {}
        for name, value in values.items():
            if name == "below_baseline_blocks":
                kwargs[name] = bool(value)
            else:
                kwargs[name] = Decimal(str(value))
        rules = cls(**kwargs)  # type: ignore[arg-type]
        if not 0 < rules.provincial_review_tce <= rules.national_attention_tce:
            raise ValueError("two-high thresholds: 0 < provincial review ≤ national attention")
        return rules


@dataclass(frozen=True)
class Screening:
    flags: tuple[str, ...]
    efficiency: str
    blocks_approval: bool

    @property
    def flagged(self) -> bool:
        return bool(self.flags)


def efficiency_level(
    unit_energy: Decimal | None, benchmark: Decimal | None, baseline: Decimal | None
) -> str:
    """Where a unit energy consumption stands against the benchmark and baseline (lower is
    better; at a level counts as reaching it)."""
    if unit_energy is None:
        return UNKNOWN
    if baseline is not None and unit_energy > baseline:
        return BELOW
    if benchmark is not None and unit_energy <= benchmark:
        return BENCHMARK
    if baseline is not None:
        return BASELINE
    return UNKNOWN


def screen(
    *,
    energy_tce: Decimal,
    unit_energy: Decimal | None,
    benchmark: Decimal | None,
    baseline: Decimal | None,
    rules: Rules,
) -> Screening:
    """The flags a project raises under ``rules``."""
    flags: list[str] = []
    if energy_tce >= rules.provincial_review_tce:
        flags.append(PROVINCIAL_REVIEW)
    if energy_tce >= rules.national_attention_tce:
        flags.append(NATIONAL_ATTENTION)
    level = efficiency_level(unit_energy, benchmark, baseline)
    if level == BELOW:
        flags.append(BELOW_BASELINE)
    return Screening(
        flags=tuple(flags),
        efficiency=level,
        blocks_approval=level == BELOW and rules.below_baseline_blocks,
    )
