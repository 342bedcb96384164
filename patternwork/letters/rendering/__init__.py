"""PDFs of the goodbye letter and the course summary, laid out with reportlab Platypus.

A thin boundary: the documents come ready from `letters.selectors` and are only laid out
here, on A4. reportlab is imported inside the functions that need it (it is slow to import
and only PDF downloads use it). Text is set in the vendored DejaVu fonts, embedded as
subsets, so the PDF's text is searchable and never depends on the server's fonts; all
untrusted text goes through `text.prepare` (escaped, long words broken, line breaks kept).
"""

from __future__ import annotations

import io

from django.utils import dateformat
from django.utils.translation import gettext as _

from patternwork.letters.rendering.chart import chart_drawing
from patternwork.letters.rendering.text import (
    BOLD,
    CONTENT_WIDTH,
    GREY,
    MARGIN,
    MM,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    REGULAR,
    printable,
    register_fonts,
    unprintable,
)
from patternwork.letters.rendering.text import prepare as prepare_text
from patternwork.letters.selectors import LetterDocument, SummaryDocument

__all__ = [
    "CONTENT_WIDTH",
    "chart_drawing",
    "document_pdf",
    "document_styles",
    "document_table",
    "letter_pdf",
    "letter_story",
    "paragraph",
    "summary_pdf",
    "summary_story",
    "unprintable",
]

# Shared layout


def _styles():
    from reportlab.lib.enums import TA_LEFT, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    register_fonts()
    body = ParagraphStyle(
        "body", fontName=REGULAR, fontSize=11, leading=15.5, spaceAfter=8, alignment=TA_LEFT
    )
    return {
        "body": body,
        "body_rtl": ParagraphStyle("body_rtl", parent=body, alignment=TA_RIGHT),
        "heading": ParagraphStyle(
            "heading", parent=body, fontName=BOLD, spaceBefore=6, spaceAfter=4, keepWithNext=1
        ),
        "title": ParagraphStyle("title", parent=body, fontName=BOLD, fontSize=16, leading=20),
        "practice": ParagraphStyle(
            "practice",
            parent=body,
            fontName=BOLD,
            fontSize=13,
            leading=17,
            alignment=TA_RIGHT,
            spaceAfter=2,
        ),
        "address": ParagraphStyle(
            "address",
            parent=body,
            fontSize=9.5,
            leading=13,
            alignment=TA_RIGHT,
            spaceAfter=0,
            textColor=GREY,
        ),
        "date": ParagraphStyle("date", parent=body, alignment=TA_RIGHT, spaceBefore=10),
        "small": ParagraphStyle(
            "small", parent=body, fontSize=9, leading=12, spaceAfter=4, textColor=GREY
        ),
        "cell": ParagraphStyle("cell", parent=body, fontSize=10, leading=13.5, spaceAfter=0),
        "cell_label": ParagraphStyle(
            "cell_label", parent=body, fontName=BOLD, fontSize=10, leading=13.5, spaceAfter=0
        ),
    }


def paragraph(text: str, style, *, width: float = CONTENT_WIDTH, rtl_style=None):
    """A Paragraph of untrusted text; right-aligned when it reads right to left."""
    from reportlab.platypus import Paragraph

    prepared = prepare_text(text, font=style.fontName, size=style.fontSize, width=width)
    if prepared.rtl:
        from reportlab.lib.enums import TA_RIGHT
        from reportlab.lib.styles import ParagraphStyle

        style = rtl_style or ParagraphStyle(f"{style.name}_rtl", parent=style, alignment=TA_RIGHT)
    return Paragraph(prepared.markup, style)


def _long_date(day) -> str:
    return dateformat.format(day, "j F Y")


def _footer(text: str):
    def draw(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(REGULAR, 8.5)
        canvas.setFillColor(GREY)
        page = _("Page %(number)s") % {"number": doc.page}
        canvas.drawString(MARGIN, 14 * MM, printable(text))
        canvas.drawRightString(PAGE_WIDTH - MARGIN, 14 * MM, page)
        canvas.restoreState()

    return draw


def _build(story: list, *, title: str, author: str, footer: str) -> bytes:
    from reportlab.platypus import SimpleDocTemplate

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=(PAGE_WIDTH, PAGE_HEIGHT),
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=20 * MM,
        bottomMargin=25 * MM,
        title=title,
        author=author,
        creator="Patternwork",
        lang="en",
    )
    draw = _footer(footer)
    document.build(list(story), onFirstPage=draw, onLaterPages=draw)
    return buffer.getvalue()


# The goodbye letter


def letter_story(document: LetterDocument) -> list:
    """The letter's flowables, top to bottom, as they are laid out on A4."""
    from reportlab.platypus import KeepTogether, Spacer

    styles = _styles()
    story = [paragraph(document.practice_name, styles["practice"])]
    story += [paragraph(line, styles["address"]) for line in document.practice_lines]
    story.append(paragraph(_long_date(document.dated), styles["date"]))
    if document.draft:
        story.append(
            paragraph(
                _("DRAFT, version %(number)s: not yet shared with the client.")
                % {"number": document.version},
                styles["heading"],
            )
        )
    story.append(Spacer(1, 6 * MM))
    story.append(paragraph(document.greeting, styles["body"]))
    for block in document.blocks:
        style = styles["heading"] if block.heading else styles["body"]
        story.append(paragraph(block.text, style, rtl_style=styles["body_rtl"]))
    story.append(
        KeepTogether(
            [
                Spacer(1, 4 * MM),
                paragraph(document.closing, styles["body"]),
                Spacer(1, 8 * MM),
                paragraph(document.therapist_name, styles["heading"]),
                paragraph(document.practice_name, styles["body"]),
            ]
        )
    )
    return story


def letter_pdf(document: LetterDocument, *, title: str | None = None) -> bytes:
    """The letter as a PDF; `title` names other letters laid out the same way."""
    return _build(
        letter_story(document),
        title=title or _("Goodbye letter"),
        author=document.therapist_name,
        footer=_("Private and confidential"),
    )


def _table(rows, styles, *, widths):
    from reportlab.platypus import Table, TableStyle

    cells = [
        [paragraph(label, styles["cell_label"], width=widths[0] - 8)]
        + [
            paragraph(value, styles["cell"], width=w - 8)
            for value, w in zip(values, widths[1:], strict=True)
        ]
        for label, *values in rows
    ]
    table = Table(cells, colWidths=widths, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, "#cccccc"),
                ("LEFTPADDING", (0, 0), (-1, -1), 4),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


def _day(day) -> str:
    return _long_date(day) if day else "\N{EN DASH}"


def _functioning(document: SummaryDocument, styles, label_width: float) -> list:
    """WSAS by session with its bands: beside the outcome, never part of it."""
    bands = "; ".join(
        f"{low_high} {label.lower()}" for low_high, label in document.functioning_bands
    )
    flowables = [
        paragraph(_("Work and social adjustment (WSAS)"), styles["heading"]),
        paragraph(
            _("Functioning is charted beside the outcome but is not part of it. Bands: %(bands)s.")
            % {"bands": bands},
            styles["small"],
        ),
    ]
    if not document.functioning:
        return [*flowables, paragraph(_("No WSAS scores were recorded."), styles["body"])]
    total_width = 20 * MM
    table = _table(
        [(_("When"), _("Total"), _("Band")), *document.functioning],
        styles,
        widths=(label_width, total_width, CONTENT_WIDTH - label_width - total_width),
    )
    return [*flowables, table]


def summary_story(document: SummaryDocument) -> list:
    from reportlab.platypus import KeepTogether, Spacer

    styles = _styles()
    label_width = 55 * MM
    two = (label_width, CONTENT_WIDTH - label_width)
    story = [paragraph(document.practice_name, styles["practice"])]
    story += [paragraph(line, styles["address"]) for line in document.practice_lines]
    story += [
        Spacer(1, 6 * MM),
        paragraph(_("Course summary"), styles["title"]),
        paragraph(
            _("Dynamic Interpersonal Therapy. Prepared on %(day)s.")
            % {"day": _long_date(document.generated_on)},
            styles["small"],
        ),
        Spacer(1, 3 * MM),
        _table(
            [
                (_("Name"), document.client_name),
                (_("Date of birth"), _long_date(document.date_of_birth)),
                (_("Client number"), document.client_number),
                (_("Therapist"), document.therapist_name),
            ],
            styles,
            widths=two,
        ),
        paragraph(_("The course"), styles["heading"]),
        _table(
            [
                (_("First session"), _day(document.first_session)),
                (_("Last session"), _day(document.last_session)),
                (
                    _("Sessions attended"),
                    _("%(attended)s of %(planned)s planned")
                    % {"attended": document.attended, "planned": document.planned},
                ),
                (_("Course"), document.state),
            ],
            styles,
            widths=two,
        ),
        paragraph(_("Interpersonal Affective Focus (IPAF)"), styles["heading"]),
        paragraph(document.ipaf_heading, styles["body"]),
    ]
    if document.ipaf:
        story.append(_table(list(document.ipaf), styles, widths=two))
    third = (CONTENT_WIDTH - label_width) / 2
    story += [
        paragraph(_("Outcome"), styles["heading"]),
        paragraph(document.outcome, styles["body"]),
        _table(
            [(_("Questionnaire"), _("First score"), _("Last score")), *document.scores],
            styles,
            widths=(label_width, third, third),
        ),
    ]
    story.append(KeepTogether(_functioning(document, styles, label_width)))
    story += [
        Spacer(1, 4 * MM),
        KeepTogether(
            [
                paragraph(_("PHQ-9, GAD-7 and WSAS by session"), styles["heading"]),
                chart_drawing(document.chart),
                paragraph(document.chart_description, styles["small"]),
            ]
        ),
        paragraph(_("Sharing this summary"), styles["heading"]),
    ]
    if document.consent_to_referrer:
        consent = _(
            "The client consents to this summary being sent to their referrer%(referrer)s."
        ) % {"referrer": f" ({document.referrer})" if document.referrer else ""}
    else:
        consent = _(
            "The client has not consented to this summary being sent to their referrer. It is for the clinical record only."
        )
    story.append(paragraph(consent, styles["body"]))
    return story


def summary_pdf(document: SummaryDocument) -> bytes:
    return _build(
        summary_story(document),
        title=_("Course summary"),
        author=document.practice_name,
        footer=_("Confidential: course summary of %(name)s, %(number)s")
        % {"name": document.client_name, "number": document.client_number},
    )


# For other documents laid out on the same page (the client's record for a subject
# access request, assembled in interop): the same styles, tables and page frame.


def document_styles() -> dict:
    return _styles()


def document_table(rows, styles, *, widths):
    """A table whose first column is a label, every cell untrusted text."""
    return _table(rows, styles, widths=widths)


def document_pdf(story: list, *, title: str, author: str, footer: str) -> bytes:
    return _build(story, title=title, author=author, footer=footer)
