"""Oscar's EventHandler, forked: an order's status change goes through the order-status door.

Oscar's order dashboard (and any code that follows oscar's way) changes an
order's status with ``EventHandler.handle_order_status_change``. Here that is
a staff member's choice and goes to ``prescriptions.fulfilment.
change_status_as_staff``: "Shipped" is refused (an order ships only on the
ship screen, ``prescriptions.fulfilment.ship_order`` with a parcel), "Cancelled"
cancels (voiding the card hold first), and "Dispensed" is refused — only the
pharmacist's dispense screen makes an order Dispensed. A refusal raises ``prescriptions.orders.OrderStatusRefused``, an
oscar ``InvalidOrderStatus``.

payments does not use this class (it sits below prescriptions): it records its
payment events with oscar's own EventHandler.
"""

from oscar.apps.order.processing import EventHandler as CoreEventHandler

from prescriptions.fulfilment import change_status_as_staff


class EventHandler(CoreEventHandler):
    def handle_order_status_change(self, order, new_status, note_msg=None):
        change_status_as_staff(order=order, to=new_status, actor=self.user, note=note_msg or "")
