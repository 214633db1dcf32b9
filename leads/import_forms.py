"""HTML forms of the CSV import: the upload and the column mapping. Input shape only; the services decide."""

from django import forms

from leads.csv_import import FIELD_LABELS, IGNORE, MAX_BYTES
from smarketing.errors import DomainError

FIELD_CHOICES = [(IGNORE, "Don't import"), *sorted(FIELD_LABELS.items(), key=lambda choice: choice[1])]


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Up to 20 MB and 200,000 rows, with a header row. UTF-8 or Windows-1252; commas, semicolons or tabs.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,text/csv,text/plain"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                f"The file has {upload.size / 1024 / 1024:.1f} MB; at most 20 MB per import. Split it."
            )
        return upload


class MappingForm(forms.Form):
    """One select per column of the file: the lead field it holds, or Don't import."""

    def __init__(self, *args, headers: list[str], initial_mapping: list[str], examples: list[list[str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.columns = []
        for index, header in enumerate(headers):
            name = f"col_{index}"
            self.fields[name] = forms.ChoiceField(
                label=header,
                choices=FIELD_CHOICES,
                initial=initial_mapping[index] if initial_mapping else IGNORE,
                widget=forms.Select(attrs={"class": "form-select", "aria-label": f"Lead field for column {header}"}),
            )
            self.columns.append((self[name], examples[index] if index < len(examples) else []))

    @property
    def mapping(self) -> list[str]:
        return [self.cleaned_data[f"col_{index}"] for index in range(len(self.columns))]

    def add_domain_error(self, error: DomainError) -> None:
        for name, messages in error.fields.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)
        if not error.fields:
            self.add_error(None, error.message)
