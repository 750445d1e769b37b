"""Oscar's e-mail templates dashboard; "Send preview" is sent by a worker.

The preview shows templates as edited in the form, not yet saved, so the worker cannot
re-read them: the request renders them (as oscar does, to show template errors on the
page) and queues the rendered subject and bodies (shop/apps/customer/tasks.py)."""

import secrets

from django.contrib import messages
from django.template import TemplateSyntaxError
from oscar.apps.dashboard.communications.views import *  # noqa: F401,F403  (oscar's fork pattern)
from oscar.apps.dashboard.communications.views import UpdateView as CoreUpdateView

from infra import outbox


class UpdateView(CoreUpdateView):
    def send_preview(self, form):
        ctx = super(CoreUpdateView, self).get_context_data()
        ctx["form"] = form
        commtype = form.save(commit=False)
        try:
            msgs = commtype.get_messages(self.get_messages_context(form))
        except TemplateSyntaxError as e:
            form.errors["__all__"] = form.error_class([str(e)])
            return self.render_to_response(ctx)
        email = form.cleaned_data["preview_email"]
        outbox.enqueue(
            "shop.apps.customer.tasks.send_email_preview",
            email,
            {k: msgs.get(k, "") for k in ("subject", "body", "html")},
            secrets.token_hex(8),
        )
        messages.success(self.request, f"A preview email will be sent to {email}")
        return self.render_to_response(ctx)
