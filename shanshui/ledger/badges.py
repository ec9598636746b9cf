"""Badge colours of the ledger (rendered by ``{% badge "ledger.<table>" … %}``).

Stored value → Tabler colour classes; a value not listed is grey. A test checks that each table's
keys are its choices' values.
"""

BADGES: dict[str, dict[str, str]] = {
    # Status: the workflow's steps, from grey (draft) through blue and purple to green (已销号).
    "task_status": {
        "draft": "bg-secondary-lt",
        "assigned": "bg-azure-lt",
        "in_progress": "bg-blue-lt",
        "acceptance_applied": "bg-purple-lt",
        "rechecked": "bg-purple-lt",
        "accepted": "bg-teal-lt",
        "in_public_notice": "bg-orange-lt",
        "signed_off": "bg-green-lt",
        "reopened": "bg-red-lt",
        "withdrawn": "bg-secondary-lt",
    },
    # Status on the public notice page (整改公示), which lists only these two.
    "public_task_status": {
        "in_public_notice": "bg-orange-lt",
        "signed_off": "bg-green-lt",
    },
    # WarningLevel (预警): solid colours, as the warning lights are called.
    "warning": {
        "none": "bg-secondary-lt",
        "green": "bg-green text-white",
        "yellow": "bg-yellow text-dark",
        "red": "bg-red text-white",
        "overdue": "bg-dark text-white",
    },
    "measure_status": {
        "not_started": "bg-secondary-lt",
        "in_progress": "bg-blue-lt",
        "done": "bg-green-lt",
    },
    "extension_status": {
        "pending": "bg-yellow-lt",
        "approved": "bg-green-lt",
        "rejected": "bg-red-lt",
    },
    "objection_status": {
        "open": "bg-orange-lt",
        "upheld": "bg-red-lt",
        "dismissed": "bg-secondary-lt",
    },
}
