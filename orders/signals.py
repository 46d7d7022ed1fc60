"""What the life of an order tells the rest of the system. The escalation engine (notifications)
listens; orders never import it, so dependencies run one way: notifications → orders.

Every signal is sent inside the transaction that made the change, so a listener's writes commit
or roll back with it.
"""

from django.dispatch import Signal

# orders: list[Order] just placed (at triage or as a next occurrence); now.
orders_placed = Signal()
# order: an Order that left the open states (completed, not indicated, cancelled); by; now; reason.
order_closed = Signal()
# order: an open Order whose due time moved (cadence, STAT upgrade, asked for again); now.
order_due_moved = Signal()
