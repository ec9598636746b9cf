"""Badge colours of the pollution-prevention pages (``{% badge "monitoring.<table>" … %}``).

Stored value → Tabler colour classes; a value not listed is grey. A test checks that the keys
are the assessment statuses of ``indicators.targets``.
"""

BADGES: dict[str, dict[str, str]] = {
    # An indicator's assessment against its target (indicators.targets.MET …); "met" and
    # "missed" also colour a water section's Met/Missed.
    "target_status": {
        "met": "bg-green text-white",
        "missed": "bg-red text-white",
        "no_target": "bg-secondary-lt",
        "no_data": "bg-secondary-lt",
        "not_assessed": "bg-secondary-lt",
    },
}
