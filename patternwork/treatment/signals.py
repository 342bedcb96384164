"""Moments other apps act on without treatment importing them.

The worker that sends messages connects to these; each is sent after the write commits,
so nothing goes out for a write that rolled back. Receivers get the row's public id only.
"""

from django.dispatch import Signal

# offer_public_id: a start was offered to a waiting client.
offer_made = Signal()
# offer_public_id: an offer was not answered in time and has lapsed.
offer_lapsed = Signal()
