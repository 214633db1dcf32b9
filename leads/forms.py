"""HTML forms of the marketing pages: input validation only; the services decide and write."""

from django import forms

from accounts.models import Membership
from leads.models import ContentAsset
from leads.selectors import campaigns_visible_to
from smarketing.errors import DomainError

MAX_TOPICS = 20
TOPIC_LENGTH = ContentAsset._meta.get_field("topics").base_field.max_length


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal in place: its field errors beside their fields, the rest on top."""
    placed = False
    for name, messages in error.fields.items():
        if name in form.fields:
            for message in messages:
                form.add_error(name, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


class CampaignForm(forms.Form):
    name = forms.CharField(max_length=200)
    channel = forms.CharField(max_length=80, required=False, help_text="Paid search, event, e-mail, partner ...")
    starts_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    ends_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    external_id = forms.CharField(
        label="External id",
        max_length=100,
        required=False,
        help_text="Its id in your marketing tool, so leads sent with it land in this campaign.",
    )
    is_active = forms.BooleanField(label="Running", required=False, initial=True)

    @classmethod
    def for_campaign(cls, campaign, data=None) -> "CampaignForm":
        return cls(data, initial={name: getattr(campaign, name) for name in cls.base_fields})

    def clean(self):
        cleaned = super().clean()
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", "A campaign ends on or after the day it starts.")
        return cleaned


class TopicsField(forms.CharField):
    """Topics typed as "cost of churn, onboarding": a list, blanks and repeats dropped."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value) -> list[str]:
        topics: list[str] = []
        for topic in (super().to_python(value) or "").split(","):
            topic = " ".join(topic.split())
            if topic and topic.casefold() not in {t.casefold() for t in topics}:
                topics.append(topic)
        return topics

    def validate(self, value: list[str]) -> None:
        super().validate(value)
        if len(value) > MAX_TOPICS:
            raise forms.ValidationError(f"At most {MAX_TOPICS} topics.")
        too_long = [t for t in value if len(t) > TOPIC_LENGTH]
        if too_long:
            raise forms.ValidationError(f"Keep each topic under {TOPIC_LENGTH + 1} characters: “{too_long[0][:30]}…”")


class ContentAssetForm(forms.Form):
    title = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=ContentAsset.Kind.choices, initial=ContentAsset.Kind.WHITEPAPER)
    url = forms.URLField(label="URL", max_length=500, required=False)
    topics = TopicsField(required=False, help_text="The topics and pain points it speaks to, separated by commas.")
    campaign = forms.ModelChoiceField(queryset=None, required=False, empty_label="No campaign")
    external_id = forms.CharField(
        label="External id", max_length=100, required=False, help_text="Its id in your marketing tool, for events."
    )

    def __init__(self, *args, member: Membership, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the member's own campaigns: another organization's id is "not one of the choices".
        self.fields["campaign"].queryset = campaigns_visible_to(member).order_by("name", "id")

    @classmethod
    def for_asset(cls, asset, *, member: Membership, data=None) -> "ContentAssetForm":
        initial = {name: getattr(asset, name) for name in cls.base_fields if name != "campaign"}
        initial["campaign"] = asset.campaign_id
        return cls(data, initial=initial, member=member)
