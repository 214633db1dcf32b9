"""Query filters that refuse what they cannot read, for the API's lists.

django-filter reads an unknown boolean as "no filter" and a decimal where an id belongs: the list
then answers 200 for something the client did not ask, and the client cannot tell. These answer 400
with the field's message instead (the OpenAPI schema says integer and boolean, and means it).
"""

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
