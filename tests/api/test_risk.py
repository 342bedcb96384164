"""A risk answer sent through the API raises the same flag as the clinic form."""

from django.urls import reverse

from patternwork.measures.models import RiskFlag
from tests.api.conftest import body, phq9

RISKY = (0, 0, 1, 0, 0, 0, 0, 0, 1)  # total 2, item 9 "Several days"
FLAG_FIELDS = ("instrument", "item", "item_text", "value", "value_label", "acknowledged_at")


def _flag_facts(flag: RiskFlag) -> tuple:
    return tuple(getattr(flag, field) for field in FLAG_FIELDS)


def test_phq9_item_9_through_the_api_raises_the_clinic_forms_flag(
    api, client, login, therapist, attended, started
):
    from patternwork.treatment import services as treatment

    second = started.appointments.order_by("starts_at")[1]
    treatment.mark_attended(appointment=second, actor=therapist)
    login(therapist)
    form = {f"phq9-q{n}": str(v) for n, v in enumerate(RISKY, start=1)}
    form |= {f"gad7-q{n}": "0" for n in range(1, 8)}
    client.post(reverse("clinic:measures-record", args=[attended.public_id]), form)
    clinic_flag = RiskFlag.objects.get()

    response = api.post(
        "/api/v1/questionnaire-responses/",
        {"appointment": str(second.public_id), "instrument": "PHQ-9", "answers": phq9(*RISKY)},
    )

    assert response.status_code == 201, response.content
    api_flag = RiskFlag.objects.exclude(pk=clinic_flag.pk).get()
    assert _flag_facts(api_flag) == _flag_facts(clinic_flag)
    assert api_flag.response.source == "api"
    assert (api_flag.response.total, api_flag.response.band) == (2, clinic_flag.response.band)
    caseload = client.get(reverse("clinic:home")).content.decode()
    assert "2 risk answers need acknowledging" in caseload
    flags = body(api.get("/api/v1/risk-flags/?state=open"))["results"]
    assert {f["id"] for f in flags} == {str(clinic_flag.public_id), str(api_flag.public_id)}


def test_a_risk_answer_in_an_incomplete_questionnaire_is_kept_and_flagged(api, attended):
    response = api.post(
        "/api/v1/questionnaire-responses/",
        {"appointment": str(attended.public_id), "instrument": "PHQ-9", "answers": {"q9": 2}},
    )

    assert response.status_code == 422
    flag = RiskFlag.objects.get()
    assert (flag.item, flag.value) == ("q9", 2)
    assert "kept and flagged" in body(response)["detail"]
