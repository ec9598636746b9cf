"""Badge colours of the organisation pages (rendered by ``{% badge "orgs.<table>" … %}``).

Stored value → Tabler colour classes; a value not listed is grey. A test checks that the keys
are the choices' values.
"""

BADGES: dict[str, dict[str, str]] = {
    # UnitKind: the territorial units (属地) green, then one colour per kind of body.
    "unit_kind": {
        "party_committee": "bg-red-lt",
        "government": "bg-purple-lt",
        "office": "bg-orange-lt",
        "department": "bg-blue-lt",
        "district": "bg-green-lt",
        "county": "bg-green-lt",
        "autonomous_county": "bg-green-lt",
        "zone": "bg-teal-lt",
        "town": "bg-secondary-lt",
        "enterprise": "bg-secondary-lt",
        "association": "bg-secondary-lt",
        "inspection_team": "bg-secondary-lt",
    },
    # Whether a unit still exists (Unit.valid_to): not a stored field; the two states shown.
    "unit_validity": {
        "current": "bg-success-lt",
        "abolished": "bg-secondary-lt",
    },
}
