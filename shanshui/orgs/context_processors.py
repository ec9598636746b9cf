from shanshui.orgs.scope import scope_for


def scope(request):
    """Expose the user's data scope to templates as ``scope`` (lazy: built on first use)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"scope": scope_for(user)}
