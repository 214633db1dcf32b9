"""Query filters that refuse what they cannot read, for the API's lists, and filter forms that are
cheap to make on every page view.

django-filter reads an unknown boolean as "no filter" and a decimal where an id belongs: the list
then answers 200 for something the client did not ask, and the client cannot tell. These answer 400
with the field's message instead (the OpenAPI schema says integer and boolean, and means it).
"""

import copy

import django_filters
from django import forms
from django.core.exceptions import ValidationError


class WholeNumberFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class _TrueOrFalse(forms.Field):
    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text not in ("true", "false"):
            raise ValidationError("Use true or false.", code="invalid")
        return text == "true"


class TrueOrFalseFilter(django_filters.BooleanFilter):
    field_class = _TrueOrFalse


class CopiedPerView(dict):
    """Filters or form fields that a page view copies one level deep instead of all the way down.

    Django copies every filter of a filter set, and every field of a form, with deepcopy on each
    view, down to each choice and widget attribute: most of the filter bar's cost. A view sets only a
    filter's model and parent, and a field's choices (which go to its widget too), so the filters
    and fields, and the fields' widgets, are copied; what they hold is shared, and never changed.
    """

    def __deepcopy__(self, memo) -> dict:
        copies = {}
        for name, item in self.items():
            copies[name] = copy.copy(item)
            if isinstance(item, forms.Field):
                copies[name].widget = copy.copy(item.widget)
            elif item.method is not None:
                # A filter by method holds a callable bound to the filter: bind the copy's to the copy.
                copies[name].method = item.method
        return copies
