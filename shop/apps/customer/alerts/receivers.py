"""Stock changes queue oscar's "back in stock" e-mails instead of sending them.

Oscar connects ``send_product_alerts`` to StockRecord's post_save when OSCAR_EAGER_ALERTS
is on, and sends the e-mails right there: inside the dashboard request that edits stock,
or the checkout that allocates it. rxshop turns that off (shop/settings.py) and connects
this instead, which only queues the work, and only for a product someone waits for."""

from oscar.core.loading import get_model

from infra import outbox

ProductAlert = get_model("customer", "ProductAlert")


def queue_product_alerts(sender, instance, raw=False, **kwargs):
    if raw:
        return
    product = instance.product
    waiting = ProductAlert.objects.filter(
        product_id__in=(product.id, product.parent_id), status=ProductAlert.ACTIVE
    ).exists()
    if waiting:
        outbox.enqueue("shop.apps.customer.tasks.send_product_alerts", product.pk)
