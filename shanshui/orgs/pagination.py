"""Pagination shared by every app: the API's limit/offset with bounds (no 500 on absurd
offsets), and a page paginator with a capped count for searches."""

from django.conf import settings
from django.core.paginator import Paginator
from django.utils.functional import cached_property
from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

MAX_OFFSET = 10_000_000


class Pagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(
            settings.NINJA_PAGINATION_PER_PAGE, ge=1, le=settings.NINJA_PAGINATION_MAX_LIMIT
        )
        offset: int = Field(0, ge=0, le=MAX_OFFSET)


class CappedPaginator(Paginator):
    """A page paginator that counts at most ``cap`` + 1 rows: a search matching thousands of
    rows need not be counted to the last one (that count is the slow part of a short infix
    search). ``capped`` says the count stopped at the cap."""

    def __init__(self, *args, cap: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.cap = cap

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if hasattr(rows, "order_by"):
            rows = rows.order_by()  # counting needs no order: let the database pick its index
        return rows[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap
