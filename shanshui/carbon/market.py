"""Carbon-market rules (碳市场): pure, no Django. 碳排放权交易

Three computations, each tested against its thresholds:

- :func:`credit_code_problem`: the unified social credit code (统一社会信用代码, GB 32100-2015):
  18 characters from 0–9 and the capitals without I, O, Z, S, V; the last one a check
  character: weights 3^i mod 31 over the first 17, check = 31 − (sum mod 31), 31 counting as 0.
- :func:`inclusion`: which market an enterprise belongs in for a compliance year. The national
  market (全国碳排放权交易市场) covers power generation (发电) and, from 2025, steel (钢铁),
  cement (水泥) and aluminium smelting (电解铝) at annual emissions of 26,000 t CO2e or more
  (about 10,000 tce); Chongqing's pilot market (重庆碳排放权交易试点) the other industrial
  emitters at 13,000 t CO2e or more (and a covered industry's emitters below the national
  threshold, or before its year). Thresholds and start years are data (:class:`Rules`, from
  ``settings.CARBON_MARKET_RULES``), never constants in the checks.
- :func:`surrender_status`: 未到期 / 已足额清缴 / 部分清缴 / 逾期未清缴 from the verified emissions
  (核查排放量, the obligation), the amount surrendered (清缴量), the deadline and today.
  Surrendered at least the obligation is settled whatever the date; up to and on the deadline
  anything less is still pending; after it, some is partial and none is overdue — both are a
  missed surrender (:data:`MISSED`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal

# --- the unified social credit code -------------------------------------------------------------

CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, Z, S, V
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, 16, …


def credit_check_char(first17: str) -> str:
    """The check character of the first 17 characters (all from :data:`CODE_CHARS`)."""
    total = sum(CODE_CHARS.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CODE_CHARS[(31 - total % 31) % 31]


def normalize_credit_code(text: str) -> str:
    """Upper case, spaces and full-width forms removed (as people type or paste it)."""
    out = []
    for ch in text.strip():
        if "！" <= ch <= "～":  # full-width ASCII
            ch = chr(ord(ch) - 0xFEE0)
        if not ch.isspace():
            out.append(ch.upper())
    return "".join(out)


# Problems (stable keys; the caller words them)
CODE_LENGTH, CODE_CHARACTER, CODE_CHECK = "length", "character", "check"


def credit_code_problem(code: str) -> str | None:
    """None for a valid (normalised) code, else one of CODE_LENGTH, CODE_CHARACTER, CODE_CHECK."""
    if len(code) != 18:
        return CODE_LENGTH
    if any(c not in CODE_CHARS for c in code):
        return CODE_CHARACTER
    if credit_check_char(code[:17]) != code[17]:
        return CODE_CHECK
    return None


# --- inclusion ----------------------------------------------------------------------------------

NATIONAL, CQ_PILOT, NONE = "national", "cq_pilot", ""

# Industries (the keys of the model's choices)
POWER, STEEL, CEMENT, ALUMINIUM = "power", "steel", "cement", "aluminium"


@dataclass(frozen=True)
class Rules:
    """Thresholds in t CO2e a year and the first compliance year of each national industry."""

    national_threshold_t: Decimal = Decimal("26000")
    pilot_threshold_t: Decimal = Decimal("13000")
    national_from: Mapping[str, int] = field(
        default_factory=lambda: {POWER: 2019, STEEL: 2025, CEMENT: 2025, ALUMINIUM: 2025}
    )

    @classmethod
    def from_mapping(cls, values: Mapping[str, object] | None) -> Rules:
        """Rules from a settings mapping; keys left out keep their defaults, unknown keys are
        refused (a misspelt threshold must not silently fall back to the default)."""
        values = dict(values or {})
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown carbon-market rule(s): {', '.join(sorted(unknown))}")
        kwargs: dict[str, object] = {}
        for name, value in values.items():
            if name == "national_from":
                kwargs[name] = {str(k): int(v) for k, v in dict(value).items()}  # type: ignore[arg-type]
            else:
                kwargs[name] = Decimal(str(value))
        return cls(**kwargs)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Inclusion:
    market: str  # NATIONAL, CQ_PILOT or NONE
    reason: str  # a stable key, see REASONS
    threshold_t: Decimal | None  # the threshold the decision turned on
    national_from: int | None  # the industry's first national year, if it has one


# Reasons
NATIONAL_INDUSTRY = "national_industry"  # a national industry at or over the national threshold
PILOT_THRESHOLD = "pilot_threshold"  # at or over the pilot threshold (other industry or below)
BEFORE_NATIONAL = "before_national"  # a national industry before its first year: the pilot
BELOW_THRESHOLDS = "below_thresholds"
NO_EMISSIONS = "no_emissions"


def inclusion(
    *, industry: str, year: int, emissions_t: Decimal | None, rules: Rules | None = None
) -> Inclusion:
    """Which market the enterprise should be in for ``year`` at ``emissions_t`` (annual)."""
    rules = rules or Rules()
    start = rules.national_from.get(industry)
    if emissions_t is None:
        return Inclusion(NONE, NO_EMISSIONS, None, start)
    national_industry = start is not None and year >= start
    if national_industry and emissions_t >= rules.national_threshold_t:
        return Inclusion(NATIONAL, NATIONAL_INDUSTRY, rules.national_threshold_t, start)
    if emissions_t >= rules.pilot_threshold_t:
        reason = BEFORE_NATIONAL if start is not None and year < start else PILOT_THRESHOLD
        return Inclusion(CQ_PILOT, reason, rules.pilot_threshold_t, start)
    return Inclusion(NONE, BELOW_THRESHOLDS, rules.pilot_threshold_t, start)


# --- surrender ----------------------------------------------------------------------------------

PENDING, SETTLED, PARTIAL, OVERDUE = "pending", "settled", "partial", "overdue"
MISSED = (PARTIAL, OVERDUE)  # a missed surrender: raises a ledger task


def surrender_status(
    *,
    verified_t: Decimal | None,
    surrendered_t: Decimal | None,
    deadline: dt.date | None,
    today: dt.date,
) -> str:
    """未到期 (PENDING), 已足额清缴 (SETTLED), 部分清缴 (PARTIAL) or 逾期未清缴 (OVERDUE).

    Without verified emissions the obligation is not known yet: pending. Without a deadline
    nothing is late: pending until settled."""
    surrendered = surrendered_t or Decimal(0)
    if verified_t is not None and surrendered >= verified_t:
        return SETTLED
    if verified_t is None or deadline is None or today <= deadline:
        return PENDING
    return PARTIAL if surrendered > 0 else OVERDUE


def shortfall_t(verified_t: Decimal | None, surrendered_t: Decimal | None) -> Decimal:
    """How much is still to surrender (never negative)."""
    if verified_t is None:
        return Decimal(0)
    return max(verified_t - (surrendered_t or Decimal(0)), Decimal(0))
