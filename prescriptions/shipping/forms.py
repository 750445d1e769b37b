from django import forms
from django.utils import timezone

from prescriptions.carriers import CARRIER_CHOICES
from prescriptions.dispensing.forms import shipping_method_choices


class ParcelForm(forms.Form):
    """One parcel. The checks that matter (tracking format, the day, the lines) are the service's
    (``prescriptions.fulfilment.ship_order``); the form only reads the fields."""

    carrier = forms.ChoiceField(choices=CARRIER_CHOICES)
    tracking_number = forms.CharField(max_length=40)
    shipped_on = forms.DateField(label="Shipped on", widget=forms.DateInput(attrs={"type": "date"}))
    shipping_method = forms.ChoiceField(label="Service", required=False, choices=())

    def __init__(self, *args, lines_left: dict, order_method: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shipped_on"].initial = timezone.localdate()
        self.fields["shipping_method"].choices = shipping_method_choices(
            blank=f"The order's method ({order_method or 'default'})"
        )
        self.line_fields = []
        for line, left in lines_left:
            name = f"line-{line.pk}"
            self.fields[name] = forms.IntegerField(
                label=f"{line.title}", min_value=0, max_value=line.quantity, initial=left, required=False
            )
            self.line_fields.append((line, left, name))

    def quantities(self) -> dict[int, int]:
        return {line.pk: self.cleaned_data[name] for line, _, name in self.line_fields if self.cleaned_data.get(name)}
