"""Text typed by people reaches FHIR as text: escaped, valid, and never lost."""

import xml.etree.ElementTree as ET

from patternwork.interop.fhir import patient_everything
from tests.factories import ClientFactory
from tests.fhir_checks import by_type, validate_bundle

ANGLE = '<script>alert("x")</script> & <b>bold</b> \'quoted\' "double"'
UNICODE = "Zoë Ångström-Łukasz 李小龙 مرحبا \u200f\u2028 emoji 🙂 e\u0301"
CONTROL = "before\x0bvertical tab\x1funit separator after"
LONG = ("Long text, " * 9000).strip()


def test_hostile_text_in_the_record_stays_valid_fhir(therapist, build_course):
    client = ClientFactory(
        practice=therapist.practice,
        therapist=therapist,
        full_name=(ANGLE + UNICODE)[:200],
        preferred_name="   ",
        address=LONG,
        phone="+44 20 7946 0000",
        gp_name=ANGLE,
        gp_practice=UNICODE,
        emergency_contact_name=CONTROL,
        emergency_contact_relationship=ANGLE,
        emergency_contact_phone="020 7946 0001",
    )
    ipaf = {
        "self_representation": ANGLE,
        "other_representation": UNICODE,
        "linking_affects": CONTROL,
        "defensive_function": LONG,
        "transference": "line one\nline <two>\n\nline & three",
    }
    course = build_course(therapist, client=client, ipaf=ipaf, attended=2, risk_at=(1,))

    found = validate_bundle(patient_everything(therapist, course.client))

    (patient,) = by_type(found, "Patient")
    assert patient["name"] == [{"use": "official", "text": (ANGLE + UNICODE)[:200].strip()}]
    assert patient["address"] == [{"text": LONG}]
    assert patient["contact"][0]["name"] == {"text": "beforevertical tabunit separator after"}
    assert patient["generalPractitioner"] == [{"display": f"{ANGLE}, {UNICODE.strip()}"}]
    (ipaf_resource,) = by_type(found, "Composition")
    texts = [
        "".join(ET.fromstring(s["text"]["div"]).itertext())  # noqa: S314 (our own output)
        for s in ipaf_resource["section"]
    ]
    assert texts == [
        ANGLE,
        UNICODE.strip().replace("\u2028", ""),
        "beforevertical tabunit separator after",
        LONG,
        "line oneline <two>line & three",
    ]
    assert "<script>" not in ipaf_resource["section"][0]["text"]["div"]
    assert "&lt;script&gt;" in ipaf_resource["section"][0]["text"]["div"]
