"""The letter and course summary PDFs, read back as text.

The PDFs are checked by what a reader finds in them (pypdf's text extraction), and the
layout by reportlab's own flowables: every line of every paragraph fits the A4 text width.
"""

import datetime as dt
import io
import unicodedata

import pypdf
import pytest
from reportlab.platypus import KeepTogether, Paragraph

from patternwork.letters import rendering, selectors, services
from patternwork.letters.rendering import text
from patternwork.measures import services as measures
from patternwork.treatment import services as treatment
from tests.answers import gad, phq, wsas
from tests.course_fixtures import ENDING_NOW, ending_course

# The clock of the `frozen` fixture.
NOW = ENDING_NOW

pytestmark = pytest.mark.usefixtures("frozen")

WRITTEN = "Thank you for the work we did together.\n\nWhat changed\n\nYou speak up sooner now."
ARABIC = "مرحبا بالعالم، لقد كان العمل معك شرفا"
HEBREW = "שלום עולם"
GREEK = "Καλημέρα, ευχαριστώ για όλα."  # noqa: RUF001
HOSTILE = (
    "<script>alert(1)</script>",
    "<b>bold</b> &amp; <para>not markup</para>",
    "A" * 300,
    GREEK,
    "Спасибо за нашу совместную работу.",
    ARABIC,
    HEBREW,
    "Smiling 😀 and celebrating 🎉 at the end.",
    "First line\nSecond line\n\tIndented by a tab",
)


# The en dash of a range ("0-9") and of an empty table cell.
DASH = "\N{EN DASH}"


def pdf_text(content: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages]


def write_letter(ending, therapist, body, *, share=True):
    letter = services.start_letter(course=ending, by=therapist)
    letter = services.save_letter(letter=letter, body=body, expected_version=1, by=therapist)
    if share:
        letter = services.share_letter(letter=letter, expected_version=2, by=therapist)
    return letter, selectors.latest_version(letter)


def document_of(ending, therapist, body, *, share=True):
    _letter, version = write_letter(ending, therapist, body, share=share)
    return selectors.letter_document(selectors.letter_of(ending), version)


def test_letter_document_is_what_the_pdf_shows(ending, therapist, practice):
    practice.phone, practice.email = "01632 960000", "hello@northgate.example"
    practice.save()

    document = document_of(ending, therapist, WRITTEN)

    assert document == selectors.LetterDocument(
        practice_name="Northgate Therapies",
        practice_lines=(
            "1 Example Street",
            "Testtown",
            "TT1 1TT",
            "Telephone: 01632 960000",
            "Email: hello@northgate.example",
        ),
        dated=dt.date(2026, 5, 27),
        draft=False,
        greeting="Dear Jo,",
        blocks=(
            selectors.Block("Thank you for the work we did together."),
            selectors.Block("What changed", heading=True),
            selectors.Block("You speak up sooner now."),
        ),
        closing="With best wishes,",
        therapist_name="Dr Ada Therapist",
        version=2,
        client_number=ending.client.client_number,
    )


def test_letter_pdf_is_laid_out_as_a_letter_with_searchable_text(ending, therapist):
    content = rendering.letter_pdf(document_of(ending, therapist, WRITTEN))

    [page] = pdf_text(content)
    lines = [line.strip() for line in page.splitlines()]
    assert lines[lines.index("Northgate Therapies") :] == [
        "Northgate Therapies",
        "1 Example Street",
        "Testtown",
        "TT1 1TT",
        "27 May 2026",
        "Dear Jo,",
        "Thank you for the work we did together.",
        "What changed",
        "You speak up sooner now.",
        "With best wishes,",
        "Dr Ada Therapist",
        "Northgate Therapies",
    ]
    assert "Private and confidential" in lines
    assert "DRAFT" not in page


def test_letter_pdf_is_a4_with_the_fonts_embedded(ending, therapist):
    reader = pypdf.PdfReader(
        io.BytesIO(rendering.letter_pdf(document_of(ending, therapist, WRITTEN)))
    )

    page = reader.pages[0]
    fonts = [font.get_object() for font in page["/Resources"]["/Font"].values()]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    assert {font["/BaseFont"].split("+")[-1] for font in fonts} >= {"DejaVuSans", "DejaVuSans-Bold"}
    assert all(
        "/FontFile2" in font["/FontDescriptor"] for font in fonts if "/FontDescriptor" in font
    )
    assert reader.metadata.title == "Goodbye letter"


def test_draft_pdf_says_it_is_a_draft(ending, therapist):
    content = rendering.letter_pdf(document_of(ending, therapist, WRITTEN, share=False))

    assert "DRAFT, version 2: not yet shared with the client." in pdf_text(content)[0]


def test_long_letter_runs_over_pages_with_the_footer_on_each(ending, therapist):
    body = "\n\n".join(f"Paragraph {n} of a long letter, written with care." for n in range(80))

    pages = pdf_text(rendering.letter_pdf(document_of(ending, therapist, body)))

    assert len(pages) > 2
    assert all("Private and confidential" in page for page in pages)
    assert [f"Page {n}" in page for n, page in enumerate(pages, start=1)] == [True] * len(pages)
    assert "Paragraph 79 of a long letter" in "".join(pages[-2:])


def hostile_document(ending, therapist):
    return document_of(ending, therapist, "\n\n".join(HOSTILE))


def test_hostile_text_prints_literally_and_nothing_is_lost(ending, therapist):
    content = rendering.letter_pdf(hostile_document(ending, therapist))

    extracted = "\n".join(pdf_text(content))
    # Arabic is set in its joined (presentation) forms; compatibility folding reads it back.
    folded = unicodedata.normalize("NFKC", extracted)
    assert content.startswith(b"%PDF-")
    assert "<script>alert(1)</script>" in extracted
    assert "<b>bold</b> &amp; <para>not markup</para>" in extracted
    assert "A" * 300 in "".join(extracted.split())
    assert GREEK in extracted
    assert "Спасибо за нашу совместную работу." in extracted
    assert ARABIC in folded
    assert HEBREW in extracted
    assert "Smiling 😀 and celebrating [party popper] at the end." in extracted
    assert "First line\nSecond line\nIndented by a tab" in extracted


def paragraphs_of(story):
    for flowable in story:
        if isinstance(flowable, KeepTogether):
            yield from paragraphs_of(flowable._content)
        elif isinstance(flowable, Paragraph):
            yield flowable


def line_slack(paragraph: Paragraph) -> list[float]:
    """The space left at the end of each laid-out line (negative: the line overflows)."""
    lines = paragraph.blPara.lines
    if paragraph.blPara.kind == 0:
        return [line[0] for line in lines]
    return [line.extraSpace for line in lines]


def test_no_line_of_a_hostile_letter_runs_off_the_page(ending, therapist):
    story = rendering.letter_story(hostile_document(ending, therapist))

    slack = {}
    for paragraph in paragraphs_of(story):
        paragraph.wrap(rendering.CONTENT_WIDTH, rendering.text.PAGE_HEIGHT)
        slack[paragraph.getPlainText()] = line_slack(paragraph)
    assert all(space >= 0 for spaces in slack.values() for space in spaces)
    assert len(slack["A" * 300]) == 5


def test_right_to_left_paragraph_is_shaped_reordered_and_right_aligned():
    prepared = text.prepare(ARABIC, font=text.REGULAR, size=11, width=120)

    lines = prepared.markup.split("<br/>")
    assert prepared.rtl is True
    assert len(lines) == 2
    # Read right to left, the first line starts with the first word, in its joined forms.
    assert unicodedata.normalize("NFKC", lines[0][::-1]).startswith("مرحبا بالعالم")
    assert unicodedata.normalize("NFKC", lines[0]) != lines[0]


@pytest.mark.parametrize(
    ("logical", "drawn"),
    [
        ("abc", "abc"),
        ("אב גד", "דג בא"),
        ("Hello אב 12 world", "Hello 12 בא world"),
        ("אב (גד) 2026", "2026 (דג) בא"),
    ],
)
def test_visual_order_of_mixed_lines(logical, drawn):
    assert text.visual(logical, text.base_is_rtl(logical)) == drawn


def test_unprintable_names_what_the_pdf_cannot_draw():
    assert text.unprintable("Plain English, naïve café “quotes” \N{EN DASH} fine") == []
    assert text.unprintable("Party 🎉🎉 and 中文 with 😀") == ["🎉", "中", "文"]
    assert text.printable("Party 🎉\x07 中") == "Party [party popper] \ufffd"


def summary_text(ending):
    """The summary's text with line breaks as spaces: table cells wrap where they must."""
    pages = pdf_text(rendering.summary_pdf(selectors.summary_document(ending)))
    return " ".join(" ".join(pages).split())


def test_summary_pdf_holds_the_course_for_the_record(ending, therapist):
    ending.client.referrer_name = "Dr Patel"
    ending.client.share_with_referrer = True
    ending.client.save()

    found = summary_text(ending)

    for expected in (
        "Course summary",
        "Jo Bloggs",
        "17 May 1990",
        ending.client.client_number,
        "Dr Ada Therapist",
        "First session",
        "2 March 2026",
        "Last session",
        "25 May 2026",
        "13 of 16 planned",
        "Active",
        "Version 1, agreed with the client on 23 March 2026.",
        "Someone who has to earn their place",
        "Others who lose interest.",
        "Anxious, then ashamed",
        "Not risking being let down",
        "Recovered; reliable improvement on PHQ-9 (16 to 7) and GAD-7 (12 to 5). Course not "
        "finished, so not counted in service rates.",
        "The client consents to this summary being sent to their referrer (Dr Patel).",
        "Confidential: course summary of Jo Bloggs",
    ):
        assert expected in found, expected


def test_summary_without_ipaf_or_consent_says_so(therapist):
    ending = ending_course(therapist, attended=3)
    ending.ipaf_versions.all().delete()

    found = summary_text(ending)

    assert "No IPAF was agreed with the client." in found
    assert "Not paired: fewer than two PHQ-9 and GAD-7 scores." in found
    assert (
        "The client has not consented to this summary being sent to their referrer. It is "
        "for the clinical record only."
    ) in found


def test_summary_chart_draws_scores_caseness_phases_and_risk(ending, therapist):
    second = ending.appointments.get(session_number=2)
    measures.record_responses(
        source="clinic", appointment=second, answers=[phq(14, item9=1), gad(11)], by=therapist
    )
    document = selectors.summary_document(ending)

    drawing = rendering.chart_drawing(document.chart)

    [group] = drawing.contents
    labels = [shape.text for shape in group.contents if type(shape).__name__ == "String"]
    kinds = [type(shape).__name__ for shape in group.contents]
    assert {
        "PHQ-9",
        "GAD-7",
        "Initial",
        "Middle",
        "Ending",
        "Risk",
        "Session",
        "≥ 10",
        "≥ 8",
    } <= set(labels)
    assert (kinds.count("Circle"), kinds.count("Polygon"), kinds.count("PolyLine")) == (3, 1, 2)
    assert drawing.width == pytest.approx(rendering.CONTENT_WIDTH)
    assert "risk answer at session 2" in document.chart_description


def test_summary_document_reads_the_course(ending):
    document = selectors.summary_document(ending)

    assert (
        document.client_name,
        document.date_of_birth,
        document.therapist_name,
        document.state,
        document.first_session,
        document.last_session,
        document.attended,
        document.planned,
        document.consent_to_referrer,
    ) == (
        "Jo Bloggs",
        dt.date(1990, 5, 17),
        "Dr Ada Therapist",
        "Active",
        dt.date(2026, 3, 2),
        dt.date(2026, 5, 25),
        13,
        16,
        False,
    )
    assert document.ipaf == (
        ("How the client sees themselves", "Someone who has to earn their place"),
        ("How they see the other", "Others who lose interest."),
        ("The feeling(s) linking them", "Anxious, then ashamed"),
        ("What the pattern protects against", "Not risking being let down"),
    )
    assert document.scores == (("PHQ-9", "16", "7"), ("GAD-7", "12", "5"))


def test_summary_of_an_ended_course_gives_the_end_and_its_reason(ending, therapist):
    ending = treatment.end_course(course=ending, reason="completed", note="", actor=therapist)

    found = summary_text(ending)

    assert "Ended on 27 May 2026: Completed" in found
    assert "Recovered; reliable improvement on PHQ-9 (16 to 7) and GAD-7 (12 to 5)." in found
    assert "Course not finished" not in found


def with_wsas(ending, therapist):
    for number, per_item in ((1, 5), (13, 2)):
        measures.record_responses(
            source="clinic",
            appointment=ending.appointments.get(session_number=number),
            answers=[wsas(per_item)],
            by=therapist,
        )
    return ending


def test_summary_document_tables_wsas_by_session_with_its_bands(ending, therapist):
    document = selectors.summary_document(with_wsas(ending, therapist))

    assert document.functioning == (
        ("Session 1", "25", "Moderately severe or worse psychopathology"),
        ("Session 13", "10", "Significant functional impairment with less severe symptoms"),
    )
    assert document.functioning_bands == (
        (f"0{DASH}9", "Subclinical"),
        (f"10{DASH}20", "Significant functional impairment with less severe symptoms"),
        (f"21{DASH}40", "Moderately severe or worse psychopathology"),
    )
    assert document.scores == (("PHQ-9", "16", "7"), ("GAD-7", "12", "5"))


def test_summary_pdf_tables_and_charts_wsas_outside_the_outcome(ending, therapist):
    found = summary_text(with_wsas(ending, therapist))

    assert (
        "Recovered; reliable improvement on PHQ-9 (16 to 7) and GAD-7 (12 to 5). Course not "
        "finished, so not counted in service rates."
    ) in found
    assert (
        "Work and social adjustment (WSAS) Functioning is charted beside the outcome but is "
        f"not part of it. Bands: 0{DASH}9 subclinical; 10{DASH}20 significant functional impairment "
        f"with less severe symptoms; 21{DASH}40 moderately severe or worse psychopathology. "
        "When Total Band Session 1 25 Moderately severe or worse psychopathology "
        "Session 13 10 Significant functional impairment with less severe symptoms"
    ) in found
    assert "PHQ-9, GAD-7 and WSAS by session" in found


def test_summary_pdf_says_when_no_wsas_was_recorded(ending):
    found = summary_text(ending)

    assert "moderately severe or worse psychopathology. No WSAS scores were recorded." in found


def test_summary_chart_draws_wsas_with_its_band_lines(ending, therapist):
    document = selectors.summary_document(with_wsas(ending, therapist))

    drawing = rendering.chart_drawing(document.chart)

    [group] = drawing.contents
    shapes = group.contents
    labels = [shape.text for shape in shapes if type(shape).__name__ == "String"]
    assert {"WSAS", f"0{DASH}9", f"10{DASH}20", f"21{DASH}40"} <= set(labels)
    diamonds = [s for s in shapes if type(s).__name__ == "Polygon" and len(s.points) == 8]
    assert len(diamonds) == 2
    dotted = [s for s in shapes if type(s).__name__ == "Line" and s.strokeDashArray == [2, 3]]
    assert len(dotted) == 2
