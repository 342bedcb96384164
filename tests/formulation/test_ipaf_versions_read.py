"""The IPAF page's versions read by compiled statements give each version the same
evidence and replies, in the same order, as the prefetches."""

from patternwork.formulation.models import IpafReply
from patternwork.formulation.selectors import ipaf_versions
from tests.factories import CourseFactory, EpisodeFactory, IpafVersionFactory


def _read(versions):
    return [
        (
            version.pk,
            [episode.pk for episode in version.supporting_episodes.all()],
            [(reply.pk, reply.version is version) for reply in version.replies.all()],
        )
        for version in versions
    ]


def test_page_read_gives_the_prefetchs_evidence_and_replies(db, django_assert_num_queries):
    course = CourseFactory()
    other = CourseFactory(practice=course.practice)
    episodes = [EpisodeFactory(course=course) for _ in range(3)]
    first = IpafVersionFactory(course=course, number=1)
    second = IpafVersionFactory(course=course, number=2)
    elsewhere = IpafVersionFactory(course=other, number=1)
    first.supporting_episodes.set([episodes[2], episodes[0]])
    second.supporting_episodes.set(episodes)
    elsewhere.supporting_episodes.set([EpisodeFactory(course=other)])
    for fit, version in (("fits", first), ("partly", first), ("fits", elsewhere)):
        IpafReply.objects.create(
            practice=course.practice, version=version, client=version.course.client, fit=fit
        )

    expected = _read(ipaf_versions(course))
    with django_assert_num_queries(3):
        versions = ipaf_versions(course, evidence_in_full=False)
        assert _read(versions) == expected
    assert [v for v, _e, _r in expected] == [second.pk, first.pk]
    assert expected[1][1] == [episodes[0].pk, episodes[2].pk]
    assert len(expected[1][2]) == 2
    assert expected[0][2] == []
    assert ipaf_versions(CourseFactory(practice=course.practice), evidence_in_full=False) == []
