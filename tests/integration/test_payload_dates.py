"""Calendar dates are ISO text: a number must never be read as a timestamp."""

import pytest

from api.bootstrap import Ledger
from ledger.domain.errors import ValidationFailed
from tests import factories


@pytest.mark.parametrize("field", ["occurred_on", "start_on", "end_on"])
def test_a_destination_with_a_numeric_date_is_refused_naming_the_field(
    ledger: Ledger, field: str
) -> None:
    student = ledger.service.register_student(factories.registration()).student_id
    before = ledger.service.event_count()
    with pytest.raises(ValidationFailed) as refused:
        ledger.service.record(student, "destination", factories.destination(**{field: 1_000_000}))
    assert [p.field for p in refused.value.problems] == [field]
    assert "1000000" not in str(refused.value)
    assert ledger.service.event_count() == before
