from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


class LanguageMiddleware:
    """Simplified Chinese unless the user chose another language with the switch.

    Django's LocaleMiddleware would follow the browser's Accept-Language, so an English-language
    browser would get English by default; the platform's users expect Chinese until they switch.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.available = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


class RequestHygieneMiddleware:
    """Refuse NUL characters in parameters (PostgreSQL cannot store them) with a clear 400, and
    give /api/ clients JSON for the errors Django and the router answer in HTML or plain text."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        is_api = request.path.startswith("/api/")
        if "\x00" in request.path or _has_nul(request):
            return _error(
                is_api,
                400,
                "bad_request",
                translation.gettext("The request contains invalid characters."),
            )
        response = self.get_response(request)
        if (
            is_api
            and response.status_code in (404, 405)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            if response.status_code == 404:
                return _error(True, 404, "not_found", translation.gettext("No such API endpoint."))
            allowed = response.get("Allow", "")
            out = _error(
                True,
                405,
                "method_not_allowed",
                translation.gettext("This method is not allowed here."),
            )
            if allowed:
                out["Allow"] = allowed
            return out
        return response


def _has_nul(request) -> bool:
    if any("\x00" in k or "\x00" in v for k, values in request.GET.lists() for v in values):
        return True
    if request.content_type == "application/json" and request.method in ("POST", "PUT", "PATCH"):
        body = request.body
        # JSON spells NUL as \u0000; PostgreSQL cannot store it in text.
        return b"\\u0000" in body or b"\x00" in body
    if request.method == "POST" and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        try:
            return any("\x00" in v for values in request.POST.lists() for v in values[1])
        except Exception:  # malformed bodies are Django's to reject
            return False
    return False


def _error(is_api: bool, status: int, code: str, message: str):
    from django.http import HttpResponse, JsonResponse

    if is_api:
        return JsonResponse({"code": code, "message": message}, status=status)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
