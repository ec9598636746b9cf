from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from shanshui.lib.request import client_ip
from shanshui.orgs import services
from shanshui.orgs.models import Role


class LockoutAuthenticationForm(AuthenticationForm):
    """The login form, saying plainly when an account is locked."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The user name or password is wrong. Both are case-sensitive."),
        "locked": _(
            "Too many failed logins: this account is locked for %(minutes)s minutes. "
            "Try again later or ask your unit administrator."
        ),
    }

    def clean(self):
        from django.conf import settings

        # The backend decides (and counts every attempt once); the form only says why.
        try:
            return super().clean()
        except ValidationError as error:
            username = self.cleaned_data.get("username")
            if username and services.login_is_locked(username, client_ip(self.request)):
                raise ValidationError(
                    self.error_messages["locked"],
                    code="locked",
                    params={"minutes": settings.LOGIN_LOCKOUT_MINUTES},
                ) from error
            raise


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=80,
        help_text=_("What the token is for, e.g. “district ledger sync”."),
    )
    expires_at = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Leave empty for a token that lasts until revoked."),
    )


class AddMemberForm(forms.Form):
    """Add a person to a unit: an existing account by user name, or a new account."""

    username = forms.CharField(label=_("User name"), max_length=150)
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        required=False,
        help_text=_("Needed only when creating a new account."),
    )
    email = forms.EmailField(label=_("E-mail"), required=False)
    password = forms.CharField(
        label=_("Initial password"),
        required=False,
        widget=forms.PasswordInput,
        help_text=_("Needed only when creating a new account; at least 10 characters."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    post = forms.CharField(label=_("Post"), max_length=60, required=False)

    def __init__(self, *args, allowed_roles=None, **kwargs):
        super().__init__(*args, **kwargs)
        if allowed_roles is not None:
            self.fields["role"].choices = [c for c in Role.choices if c[0] in allowed_roles]

    def clean(self):
        data = super().clean()
        username = data.get("username")
        if not username:
            return data
        user = get_user_model().objects.filter(username=username).first()
        data["user"] = user
        if user is None:
            if not data.get("full_name"):
                self.add_error("full_name", _("A new account needs the person's full name."))
            if not data.get("password"):
                self.add_error("password", _("A new account needs an initial password."))
            else:
                candidate = get_user_model()(
                    username=username,
                    first_name=data.get("full_name") or "",
                    email=data.get("email") or "",
                )
                try:
                    validate_password(data["password"], user=candidate)
                except ValidationError as exc:
                    self.add_error("password", exc)
        return data
