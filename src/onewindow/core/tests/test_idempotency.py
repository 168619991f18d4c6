"""The one replay guard (core.idempotency): a keyed write runs once per user and key, a repeat gets
the first answer, the same key for another request is refused, and a write that fails leaves the
key free to try again."""

from __future__ import annotations

from typing import Any

import pytest

from onewindow.core import idempotency
from onewindow.core.errors import DomainError
from onewindow.core.models import IdempotencyRecord
from onewindow.testing.factories import PersonFactory

pytestmark = pytest.mark.django_db


def counter() -> tuple[list[int], Any]:
    runs: list[int] = []

    def run() -> tuple[int, dict[str, Any]]:
        runs.append(1)
        return 201, {"number": f"N{len(runs)}"}

    return runs, run


def test_a_repeat_gets_the_first_answer_and_writes_nothing(person: Any) -> None:
    runs, run = counter()
    digest = idempotency.fingerprint({"item": 1})
    first = idempotency.once(person, "k", digest, run)
    second = idempotency.once(person, "k", digest, run)
    assert (first.status, first.body, first.replayed) == (201, {"number": "N1"}, False)
    assert (second.status, second.body, second.replayed) == (201, {"number": "N1"}, True)
    assert len(runs) == 1


def test_the_same_key_for_another_request_is_refused(person: Any) -> None:
    runs, run = counter()
    idempotency.once(person, "k", idempotency.fingerprint({"area": 5}), run)
    with pytest.raises(DomainError) as refused:
        idempotency.once(person, "k", idempotency.fingerprint({"area": 6}), run)
    assert refused.value.status == 422 and refused.value.code == "idempotency_mismatch"
    assert len(runs) == 1


def test_keys_are_each_users_own_and_no_key_runs_every_time(person: Any) -> None:
    runs, run = counter()
    digest = idempotency.fingerprint({})
    idempotency.once(person, "k", digest, run)
    other = idempotency.once(PersonFactory.create(), "k", digest, run)
    assert other.body == {"number": "N2"} and not other.replayed
    idempotency.once(person, "", digest, run)
    idempotency.once(person, "", digest, run)
    assert len(runs) == 4
    assert IdempotencyRecord.objects.count() == 2


def test_a_failed_write_records_nothing_so_the_key_can_be_tried_again(person: Any) -> None:
    def refuse() -> tuple[int, Any]:
        raise DomainError("validation_error", "面积应为数字。", status=422)

    digest = idempotency.fingerprint({"area": "x"})
    with pytest.raises(DomainError):
        idempotency.once(person, "k", digest, refuse)
    assert not IdempotencyRecord.objects.exists()
    _runs, run = counter()
    assert idempotency.once(person, "k", digest, run).body == {"number": "N1"}


def test_a_replayed_answer_is_the_json_the_first_one_became(person: Any) -> None:
    from datetime import date

    digest = idempotency.fingerprint({})
    first = idempotency.once(person, "k", digest, lambda: (200, {"deadline": date(2026, 5, 4)}))
    again = idempotency.once(person, "k", digest, lambda: (200, {}))
    assert first.body == {"deadline": date(2026, 5, 4)}
    assert again.body == {"deadline": "2026-05-04"}


@pytest.mark.parametrize("microsecond", [0, 456, 123456])
def test_a_time_reads_the_same_in_the_first_answer_and_in_its_replay(microsecond: int) -> None:
    """A time whose milliseconds are 000 was written ``…27.000Z`` first and ``…27Z`` when the
    replay was read back and written again: both are now written to the millisecond."""
    import datetime
    import json

    from ninja import Schema

    from onewindow.core.schemas import ApiJSONEncoder

    class When(Schema):
        at: datetime.datetime

    moment = datetime.datetime(2026, 11, 27, 9, 0, 27, microsecond, tzinfo=datetime.UTC)
    first = json.dumps(When(at=moment).model_dump(), cls=ApiJSONEncoder)
    stored = json.loads(first)
    replayed = json.dumps(When(**stored).model_dump(), cls=ApiJSONEncoder)
    assert first == replayed
    assert stored["at"].startswith("2026-11-27T09:00:27.") and stored["at"].endswith("Z")
