"""Badge colours of the complaint pages (rendered by ``{% badge "complaints.<table>" … %}``).

Stored value → Tabler colour classes; a value not listed is grey. A test checks that each table's
keys are its choices' values. The public pages have their own palette: there a case reads as
progress towards publication (green), where the office's pages tell the steps apart.
"""

BADGES: dict[str, dict[str, str]] = {
    # Status, on the office's pages.
    "status": {
        "received": "bg-azure-lt",
        "transferred": "bg-blue-lt",
        "investigating": "bg-indigo-lt",
        "handled": "bg-purple-lt",
        "stage_closed": "bg-orange-lt",
        "closed": "bg-teal-lt",
        "published": "bg-green-lt",
        "rejected": "bg-secondary-lt",
    },
    # Status, on the public pages.
    "public_status": {
        "received": "bg-blue-lt",
        "transferred": "bg-azure-lt",
        "investigating": "bg-orange-lt",
        "handled": "bg-yellow-lt",
        "stage_closed": "bg-teal-lt",
        "closed": "bg-green-lt",
        "published": "bg-green text-white",
        "rejected": "bg-secondary-lt",
    },
    # Finding (是否属实), on the office's pages.
    "finding": {
        "true": "bg-red-lt",
        "partly": "bg-orange-lt",
        "false": "bg-secondary-lt",
    },
    # Finding, on the public pages. "" (no finding recorded) keeps the red the page has always
    # shown for it.
    "public_finding": {
        "true": "bg-red-lt",
        "partly": "bg-yellow-lt",
        "false": "bg-secondary-lt",
        "": "bg-red-lt",
    },
}
