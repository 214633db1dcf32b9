"""What page views share: who may open them, paging, and telling htmx where to go."""

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.functional import cached_property
from django_htmx.http import HttpResponseClientRedirect

from accounts.roles import Capability
from smarketing.errors import DomainError

PAGE_SIZE = 50
MAX_PAGE_ASKED = 1_000_000


def member_required(capability: Capability | None = None) -> Callable:
    """The view needs a signed-in member, and when given, a role with this capability."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if getattr(request, "member", None) is None:
                if request.htmx:
                    return HttpResponseClientRedirect(redirect_to_login(request.get_full_path()).url)
                return redirect_to_login(request.get_full_path())
            if capability is not None and not request.member.can(capability):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class CappedPaginator(Paginator):
    """Counts up to a cap: past it, "10,000+" is as useful as the exact figure, and far cheaper on
    large organizations (an exact COUNT reads every matching row, on every page view)."""

    def __init__(self, object_list, per_page: int, cap: int, counted: QuerySet | None = None):
        super().__init__(object_list, per_page)
        self.cap = cap
        self.counted = object_list if counted is None else counted

    @cached_property
    def count(self) -> int:
        return self._capped_keys().count()

    def _capped_keys(self) -> QuerySet:
        # Only the key: the count then reads the index alone, not the wide rows the page shows.
        return self.counted.order_by().values("pk")[: self.cap + 1]

    def get_page(self, number) -> Page:
        """The page asked for, its rows and the capped count read by one query: the count rides
        along as a subquery of the rows. Only a page past the end (no rows) costs the usual two."""
        try:
            asked = int(number)
        except (TypeError, ValueError):
            asked = 1
        query = self.object_list.query
        if not 1 <= asked <= MAX_PAGE_ASKED or query.group_by is not None or query.distinct:
            return super().get_page(number)
        bottom = (asked - 1) * self.per_page
        sql, params = self._capped_keys().query.sql_with_params()
        counted = RawSQL(f"SELECT COUNT(*) FROM ({sql}) AS counted", params)  # noqa: S608, S611 -- the ORM's own SQL
        rows = list(self.object_list.annotate(rows_counted=counted)[bottom : bottom + self.per_page])
        if not rows and asked > 1:
            return super().get_page(number)
        total = (rows[0]["rows_counted"] if isinstance(rows[0], dict) else rows[0].rows_counted) if rows else 0
        self.__dict__["count"] = total
        return self._get_page(rows, asked, self)

    @property
    def capped(self) -> bool:
        return self.count > self.cap

    @property
    def count_label(self) -> str:
        return f"{self.cap:,}+" if self.capped else f"{self.count:,}"

    @property
    def num_pages_label(self) -> str:
        return f"{self.num_pages:,}+" if self.capped else f"{self.num_pages:,}"


def _offset_asked(request: HttpRequest, per_page: int) -> int:
    """How many rows come before the page asked for (none for a page number that is not one)."""
    try:
        number = int(request.GET.get("page", 1))
    except (TypeError, ValueError):
        return 0
    # Past the last page Django shows the last one; the bound keeps the count's LIMIT a number PostgreSQL takes.
    return min(max(number - 1, 0), MAX_PAGE_ASKED) * per_page


def paginate(
    request: HttpRequest,
    queryset: QuerySet,
    per_page: int = PAGE_SIZE,
    *,
    count_cap: int | None = None,
    counted: QuerySet | None = None,
) -> Page:
    """The page asked for. With a count_cap, rows are counted up to that many past the start of the
    page asked for: Next always leads on, and a count reads at most the rows that page's OFFSET
    reads anyway, plus the cap. `counted`: the same rows without the joins only the page shows,
    cheaper to count."""
    if count_cap is None:
        paginator = Paginator(queryset, per_page)
    else:
        paginator = CappedPaginator(queryset, per_page, count_cap + _offset_asked(request, per_page), counted)
    return paginator.get_page(request.GET.get("page"))


def redirect_after_post(request: HttpRequest, to: str, *args) -> HttpResponse:
    """After a successful POST: a plain redirect, or for htmx a client-side one (a full page load)."""
    response = redirect(to, *args)
    if request.htmx:
        return HttpResponseClientRedirect(response.url)
    return response


def act_and_report(request: HttpRequest, target, act: Callable[[object], str], page: str) -> HttpResponse:
    """Run one service on `target` (a version being proposed, signed, sent back); its message, or
    its refusal, shows on the target's page."""
    try:
        message = act(target)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, message)
    return redirect_after_post(request, page, target.pk)


COMMENT_MAX = 2000


def posted_comment(request: HttpRequest) -> str:
    """The optional comment sent with a propose, sign or send-back button. Too long a one is refused
    (inside act_and_report's action: the message shows and nothing changes), never cut or dropped."""
    comment = request.POST.get("comment", "").strip()
    if len(comment) > COMMENT_MAX:
        raise DomainError(f"A comment has at most {COMMENT_MAX:,} characters; this one has {len(comment):,}.")
    return comment
