"""`{{ data|chart_data:"element-id" }}`: a chart's data, in an element htmx keeps.

htmx runs with allowScriptTags off (base.html), and then it drops every <script> of the content it
swaps in, json_script's included: a page part re-rendered by a filter change would lose its charts'
data. A hidden element's text survives the swap, and charts.js reads it the same way (textContent
of the element with that id). The JSON is escaped as any text is; textContent gives it back as is.
"""

import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html

register = template.Library()


@register.filter
def chart_data(value, element_id: str):
    return format_html(
        '<div id="{}" class="chart-data" hidden>{}</div>', element_id, json.dumps(value, cls=DjangoJSONEncoder)
    )
