"""Erasing treatment's share of a client's record, for the retention purge."""

from patternwork.clients.models import Client
from patternwork.core import erasure


def erase_client_rows(*, client: Client) -> erasure.Erased:
    """Delete the treatment app's rows of the client's record (courses, appointments,
    notes, assessments, goals, waiting-list places), and their files after the commit.

    For the retention purge (`interop.retention.purge`), which calls each app's eraser,
    highest app first, inside one transaction and writes the record's audit stub there.
    """
    return erasure.erase_owned(client, app_label="treatment")
