"""iCalendar: the pure renderer (ical) and appointments as calendar events (events)."""
