"""Filters of the lead list, shared by the page and the API so both filter alike."""

import copy
from datetime import date, datetime, time, timedelta
from functools import cache

import django_filters
from django import forms
from django.utils import timezone

from leads.models import Lead
from smarketing.filters import CopiedPerView, WholeNumberFilter

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class LeadFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    # Status is a column of the lead, so no row can repeat: DISTINCT would only stop PostgreSQL
    # from reading the newest leads straight off the index.
    status = django_filters.MultipleChoiceFilter(choices=Lead.Status.choices, distinct=False)
    campaign = WholeNumberFilter(field_name="campaign_id")
    source = django_filters.CharFilter(field_name="source", lookup_expr="iexact")
    owner = WholeNumberFilter(field_name="owner_id")
    company = WholeNumberFilter(field_name="company_id")
    fit_score_min = WholeNumberFilter(field_name="fit_score", lookup_expr="gte")
    fit_score_max = WholeNumberFilter(field_name="fit_score", lookup_expr="lte")
    engagement_score_min = django_filters.NumberFilter(field_name="engagement_score", lookup_expr="gte")
    engagement_score_max = django_filters.NumberFilter(field_name="engagement_score", lookup_expr="lte")
    created_from = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_to = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lte")
    updated_from = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    updated_to = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="lte")
    ordering = django_filters.OrderingFilter(
        fields=["created_at", "updated_at", "engagement_score", "fit_score", "last_name"],
    )

    class Meta:
        model = Lead
        fields: list[str] = []

    def search(self, queryset, name: str, value: str):
        # Lowercased name, e-mail and company in one trigram-indexed column.
        return queryset.filter(search_text__contains=value.strip().lower()) if value.strip() else queryset

    @property
    def qs(self):
        leads = super().qs
        return leads if self.form.cleaned_data.get("ordering") else leads.order_by("-created_at", "-id")


class StableOrderingFilter(django_filters.OrderingFilter):
    """Ties (equal scores) broken by id, so paging through a sorted list never shows a lead twice."""

    def filter(self, qs, value):
        ordering = [self.get_ordering_value(param) for param in value or [] if param]
        return qs.order_by(*ordering, "-id") if ordering else qs


@cache
def _page_form_class(filterset: type[django_filters.FilterSet]) -> type[forms.Form]:
    """The filter bar's form class, made once per process: django-filter builds a new class, with new
    fields, for every page view otherwise (about a millisecond). The campaign and owner choices are
    set on each form's own fields (LeadPageFilter.__init__)."""
    # Fields from copies, so that the class's filters, deep-copied on every page view, stay bare.
    fields = {name: filter_.field for name, filter_ in copy.deepcopy(filterset.base_filters).items()}
    for name, field in fields.items():
        attrs = dict(WIDGET_ATTRS.get(name, {}))
        if "type" in attrs:
            field.widget.input_type = attrs.pop("type")
        field.widget.attrs.update(attrs)
        if isinstance(field.widget, forms.CheckboxSelectMultiple):
            field.widget.attrs["class"] = "form-check-input"
        elif isinstance(field.widget, forms.Select):
            field.widget.attrs["class"] = "form-select form-select-sm"
        else:
            field.widget.attrs["class"] = "form-control form-control-sm"
    form_class = type(f"{filterset.__name__}Form", (filterset._meta.form,), fields)
    form_class.base_fields = CopiedPerView(form_class.base_fields)
    return form_class


def _start_of_day(day: date) -> datetime:
    # The organization's midnight: the middleware has activated its time zone for the page.
    return timezone.make_aware(datetime.combine(day, time.min))


WIDGET_ATTRS = {
    "q": {"type": "search", "placeholder": "Name, e-mail or company", "autocomplete": "off", "data-live-input": ""},
    "source": {"placeholder": "Source, e.g. Webinar"},
    "fit_score_min": {"placeholder": "min", "min": "0", "aria-label": "Fit score at least"},
    "fit_score_max": {"placeholder": "max", "min": "0", "aria-label": "Fit score at most"},
    "engagement_score_min": {"placeholder": "min", "min": "0", "aria-label": "Engagement score at least"},
    "engagement_score_max": {"placeholder": "max", "min": "0", "aria-label": "Engagement score at most"},
    "created_from": {"aria-label": "Created on or after"},
    "created_to": {"aria-label": "Created on or before"},
}


MORE_FILTERS = (
    "owner", "source", "fit_score_min", "fit_score_max", "engagement_score_min", "engagement_score_max",
    "created_from", "created_to",
)  # fmt: skip


class LeadPageFilter(LeadFilter):
    """The filter bar of the lead list page: LeadFilter with pickers for the member's own campaigns
    and colleagues, and whole days in the organization's time zone instead of ISO timestamps."""

    status = django_filters.MultipleChoiceFilter(
        choices=Lead.Status.choices, distinct=False, widget=forms.CheckboxSelectMultiple
    )
    campaign = django_filters.ChoiceFilter(field_name="campaign_id", label="Campaign", empty_label="All campaigns")
    owner = django_filters.ChoiceFilter(field_name="owner_id", label="Owner", empty_label="Any owner")
    created_from = django_filters.DateFilter(method="created_since", label="Created from", widget=DATE_INPUT)
    created_to = django_filters.DateFilter(method="created_until", label="Created to", widget=DATE_INPUT)
    ordering = StableOrderingFilter(
        fields=["created_at", "updated_at", "engagement_score", "last_name"],
        choices=[
            ("created_at", "Oldest first"),
            ("-engagement_score", "Most engaged first"),
            ("-updated_at", "Recently updated first"),
            ("last_name", "Last name, A to Z"),
        ],
        empty_label="Newest first",
        label="Sort",
    )

    def __init__(self, data=None, queryset=None, *, campaigns=(), owners=(), **kwargs):
        super().__init__(data, queryset, **kwargs)
        # The form's fields are this instance's own copies: the member's choices stay on this page.
        self.form.fields["campaign"].choices = campaigns
        self.form.fields["owner"].choices = owners

    def get_form_class(self):
        return _page_form_class(type(self))

    def created_since(self, queryset, name: str, value: date):
        return queryset.filter(created_at__gte=_start_of_day(value))

    def created_until(self, queryset, name: str, value: date):
        return queryset.filter(created_at__lt=_start_of_day(value + timedelta(days=1)))

    @property
    def active(self) -> bool:
        """Whether any filter narrows the list (sorting and paging do not)."""
        return any(v not in (None, "", []) for k, v in self.form.cleaned_data.items() if k != "ordering")

    @property
    def more_active(self) -> bool:
        """Whether one of the rarer filters, folded away on small screens, is in use."""
        return any(self.form.cleaned_data.get(name) not in (None, "", []) for name in MORE_FILTERS)


LeadPageFilter.base_filters = CopiedPerView(LeadPageFilter.base_filters)
