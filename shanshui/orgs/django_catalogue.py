"""Django messages that its own Simplified Chinese catalogue does not translate yet, or
translates in words a user should not see ("确保该变量包含不超过 3 字符 (目前字符数 6)。").

Listed here so that ``makemessages`` puts them in our catalogue, which takes precedence, and
every form's built-in validation speaks the same plain Chinese as our own messages.
Remove an entry once Django ships its translation.
"""

from django.utils.translation import gettext_lazy, ngettext_lazy

DJANGO_MESSAGES = [
    # django.contrib.auth.password_validation.MinimumLengthValidator (Django 5.2)
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        "min_length",
    ),
    # django.forms fields and django.core.validators (Django 5.2): their catalogue says
    # "输入一个有效的…", "这个字段是必填项" and "该变量".
    gettext_lazy("This field is required."),
    gettext_lazy("Enter a whole number."),
    gettext_lazy("Enter a valid date."),
    gettext_lazy("Enter a valid time."),
    gettext_lazy("Enter a valid date/time."),
    gettext_lazy("Enter a valid email address."),
    gettext_lazy("Enter a valid URL."),
    gettext_lazy("Enter a valid value."),
    gettext_lazy("Enter a list of values."),
    gettext_lazy("Select a valid choice. %(value)s is not one of the available choices."),
    gettext_lazy("Select a valid choice. That choice is not one of the available choices."),
    gettext_lazy("“%(pk)s” is not a valid value."),
    gettext_lazy("No file was submitted. Check the encoding type on the form."),
    gettext_lazy("No file was submitted."),
    gettext_lazy("The submitted file is empty."),
    gettext_lazy(
        "Upload a valid image. The file you uploaded was either not an image or a corrupted image."
    ),
    gettext_lazy("Ensure this value is less than or equal to %(limit_value)s."),
    gettext_lazy("Ensure this value is greater than or equal to %(limit_value)s."),
    gettext_lazy("Null characters are not allowed."),
    ngettext_lazy(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
    ngettext_lazy(
        "Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
    ngettext_lazy(
        "Ensure that there are no more than %(max)s digit in total.",
        "Ensure that there are no more than %(max)s digits in total.",
        "max",
    ),
    ngettext_lazy(
        "Ensure that there are no more than %(max)s decimal place.",
        "Ensure that there are no more than %(max)s decimal places.",
        "max",
    ),
    ngettext_lazy(
        "Ensure that there are no more than %(max)s digit before the decimal point.",
        "Ensure that there are no more than %(max)s digits before the decimal point.",
        "max",
    ),
    ngettext_lazy(
        "Ensure this filename has at most %(max)d character (it has %(length)d).",
        "Ensure this filename has at most %(max)d characters (it has %(length)d).",
        "max",
    ),
    # django.db.models.Field, for model validation that reaches a form (full_clean).
    gettext_lazy("This field cannot be blank."),
    gettext_lazy("This field cannot be null."),
    gettext_lazy("Value %(value)r is not a valid choice."),
    gettext_lazy("%(model_name)s with this %(field_label)s already exists."),
]
