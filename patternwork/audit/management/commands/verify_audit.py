"""Check the audit log's hash chains; exit 1 at the first broken link of any chain."""

import re

from django.core.management.base import BaseCommand, CommandError

from patternwork.audit import integrity

ANCHOR = re.compile(r"^(instance|practice:\d+):(\d+):([0-9a-f]{64})$")


class Command(BaseCommand):
    help = (
        "Verify every audit chain (one per practice, one for the instance): each row's hash, "
        "the numbering, the recorded heads and anchors. Exits 1 and names the first broken "
        "link of each broken chain."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--anchor",
            action="append",
            default=[],
            metavar="CHAIN:SEQ:HASH",
            help="An anchor kept outside the database (from the log's 'audit anchor' lines); "
            "repeatable. Use it to check a restored backup.",
        )

    def handle(self, *args, anchor, verbosity, **options):
        extra: dict[str, dict[int, str]] = {}
        for text in anchor:
            match = ANCHOR.match(text.strip())
            if match is None:
                raise CommandError(f"Not an anchor (CHAIN:SEQ:HASH): {text!r}")
            extra.setdefault(match[1], {})[int(match[2])] = match[3]
        results = integrity.verify_chains(extra_anchors=extra)
        broken = [result for result in results if result.broken is not None]
        for result in results:
            if result.broken is not None:
                self.stderr.write(f"BROKEN {result.broken}")
            elif verbosity:
                self.stdout.write(
                    f"ok {result.chain}: {result.checked} row(s), head seq {result.last_seq} "
                    f"{result.last_hash}"
                )
        if broken:
            raise CommandError(
                f"{len(broken)} of {len(results)} audit chain(s) broken.", returncode=1
            )
        if verbosity:
            self.stdout.write(self.style.SUCCESS(f"All {len(results)} audit chain(s) verify."))
