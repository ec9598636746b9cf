from django.utils.functional import SimpleLazyObject

from shanshui.ledger.models import Notification


def notifications(request):
    """``unread_notifications``: counted only when a template asks for it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_notifications": SimpleLazyObject(
            lambda: Notification.objects.filter(user=user, read_at__isnull=True).count()
        )
    }
