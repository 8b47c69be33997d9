from api.bootstrap import Ledger
from tests import factories


def test_a_registered_student_can_be_found_by_upn_and_their_chain_verifies(ledger: Ledger) -> None:
    payload = factories.registration()
    registered = ledger.service.register_student(payload)
    ledger.service.record(
        registered.student_id, "guidance_interview", factories.guidance_interview()
    )
    assert ledger.service.find_student(upn=payload["upn"]) == registered.student_id
    report = ledger.service.verify()
    assert report.ok
    assert report.events == 2
