"""record.pdf of a subject access export, laid out with the letters' page, fonts and chart.

Only layout: the content comes ready from `subject_access.record_document`. Every text
goes through the letters' `paragraph` (escaped, long words broken), so the record's own
text can never be read as markup.
"""

from __future__ import annotations

from django.utils import dateformat
from django.utils.translation import gettext as _

from patternwork.interop.subject_access import RecordDocument, Section
from patternwork.letters.rendering import (
    CONTENT_WIDTH,
    chart_drawing,
    document_pdf,
    document_styles,
    document_table,
    paragraph,
)
from patternwork.letters.rendering.text import MM

LABEL_WIDTH = 55 * MM


def _pairs(rows, styles):
    return document_table(list(rows), styles, widths=(LABEL_WIDTH, CONTENT_WIDTH - LABEL_WIDTH))


def _columns(header, rows, styles, widths):
    return document_table([header, *rows], styles, widths=widths)


def _sections(title: str, sections: tuple[Section, ...], empty: str, styles) -> list:
    from reportlab.platypus import Spacer

    story = [paragraph(title, styles["title"])]
    if not sections:
        return [*story, paragraph(empty, styles["body"])]
    for section in sections:
        story += [paragraph(section.heading, styles["heading"])]
        if section.rows:
            story.append(_pairs(section.rows, styles))
        story.append(Spacer(1, 3 * MM))
    return story


def _courses(document: RecordDocument, styles) -> list:
    from reportlab.platypus import KeepTogether, Spacer

    story = [paragraph(_("Courses, appointments and questionnaires"), styles["title"])]
    if not document.courses:
        return [*story, paragraph(_("No course."), styles["body"])]
    quarter = (CONTENT_WIDTH - 50 * MM) / 3
    fifth = (CONTENT_WIDTH - 50 * MM) / 4
    for course in document.courses:
        story += [paragraph(course.heading, styles["heading"]), _pairs(course.rows, styles)]
        story.append(paragraph(_("Appointments"), styles["heading"]))
        if course.appointments:
            story.append(
                _columns(
                    (_("When"), _("Kind"), _("Status"), _("Session")),
                    course.appointments,
                    styles,
                    (50 * MM, quarter, quarter, quarter),
                )
            )
        else:
            story.append(paragraph(_("No appointments."), styles["body"]))
        story.append(paragraph(_("Questionnaires"), styles["heading"]))
        story.append(paragraph(course.measures.sentence, styles["body"]))
        if course.scores:
            story.append(
                _columns(
                    (_("When"), _("Session"), "PHQ-9", "GAD-7", "WSAS"),
                    course.scores,
                    styles,
                    (50 * MM, fifth, fifth, fifth, fifth),
                )
            )
        story.append(
            KeepTogether(
                [
                    Spacer(1, 3 * MM),
                    chart_drawing(course.measures.chart),
                    paragraph(course.measures.description, styles["small"]),
                ]
            )
        )
    return story


def record_story(document: RecordDocument) -> list:
    from reportlab.platypus import PageBreak, Spacer

    styles = document_styles()
    story = [paragraph(document.practice_name, styles["practice"])]
    story += [paragraph(line, styles["address"]) for line in document.practice_lines]
    story += [
        Spacer(1, 6 * MM),
        paragraph(_("The record of %(name)s") % {"name": document.client_name}, styles["title"]),
        paragraph(
            _(
                "A copy of everything %(practice)s holds about you, made on %(day)s at your "
                "request. The same record is in fhir-bundle.json for another system to read."
            )
            % {
                "practice": document.practice_name,
                "day": dateformat.format(document.generated_on, "j F Y"),
            },
            styles["small"],
        ),
        paragraph(_("Your details"), styles["heading"]),
        _pairs(document.details, styles),
    ]
    story += _sections(_("Referrals"), document.referrals, _("No referral."), styles)
    story += [PageBreak(), *_courses(document, styles)]
    story += [PageBreak()]
    story += _sections(_("Assessments"), document.assessments, _("No assessment record."), styles)
    story += _sections(_("Session notes"), document.notes, _("No session notes."), styles)
    story += _sections(
        _("Relationship map"), document.people, _("No one on the relationship map."), styles
    )
    story += _sections(
        _("Relationship episodes"), document.episodes, _("No relationship episodes."), styles
    )
    story += _sections(
        _("Interpersonal Affective Focus (IPAF), every version"),
        document.ipafs,
        _("No IPAF was written."),
        styles,
    )
    story += _sections(_("Risk answers"), document.flags, _("No risk answers."), styles)
    story += _sections(_("Goodbye letters"), document.letters, _("No goodbye letter."), styles)
    story += _sections(
        _("Journal entries shared with the therapist"),
        document.journal,
        _("No journal entries."),
        styles,
    )
    story += [
        PageBreak(),
        paragraph(_("Who saw the record"), styles["title"]),
        paragraph(
            _(
                "Every time someone was shown the record's clinical content, or changed the "
                "record, Patternwork logged it. The log cannot be changed."
            ),
            styles["small"],
        ),
    ]
    if document.access_log:
        third = (CONTENT_WIDTH - 45 * MM - 25 * MM) / 2
        story.append(
            _columns(
                (_("When"), _("Who"), _("Role"), _("What")),
                document.access_log,
                styles,
                (45 * MM, third, 25 * MM, third),
            )
        )
    else:
        story.append(paragraph(_("Nothing is logged."), styles["body"]))
    return story


def record_pdf(document: RecordDocument) -> bytes:
    return document_pdf(
        record_story(document),
        title=_("The record of %(name)s") % {"name": document.client_name},
        author=document.practice_name,
        footer=_("Confidential: the record of %(name)s, %(number)s")
        % {"name": document.client_name, "number": document.client_number},
    )
