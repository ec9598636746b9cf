"""Django messages that its own Simplified Chinese catalogue does not translate yet.

Listed here so that ``makemessages`` puts them in our catalogue, which takes precedence.
Remove an entry once Django ships its translation.
"""

from django.utils.translation import ngettext_lazy

DJANGO_MESSAGES = [
    # django.contrib.auth.password_validation.MinimumLengthValidator (Django 5.2)
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        "min_length",
    ),
]
