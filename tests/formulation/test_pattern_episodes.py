from patternwork.formulation import services
from patternwork.formulation.models import Category
from patternwork.formulation.selectors import episodes_of, pattern_episodes, to_pattern_episode
from tests.factories import ClientFactory, CourseFactory, PersonFactory


def test_plain_value_episodes_match_the_model_episodes(therapist, practice):
    course = CourseFactory(client=ClientFactory(practice=practice, therapist=therapist))
    services.ensure_default_categories(practice)
    by_key = {c.default_key: c for c in Category.objects.filter(practice=practice)}
    mum = PersonFactory(client=course.client, label="Mum", era="childhood")
    codings = [
        (
            mum,
            {"wish": [by_key["w_close"], by_key["w_understood"]], "ro": [by_key["ro_rejecting"]]},
        ),
        (None, {"rs": [by_key["rs_low"]]}),
        (mum, {}),
    ]
    for person, categories in codings:
        services.log_episode(
            course=course,
            data={"when": "childhood", "account": "A fictional account.", "ro_valence": "negative"},
            person=person,
            with_therapist=person is None,
            categories=categories,
            by=therapist,
        )

    expected = [to_pattern_episode(e) for e in episodes_of(course.client)]

    assert pattern_episodes(course.client) == expected
    assert [len(e.wish) for e in expected] == [2, 0, 0]
