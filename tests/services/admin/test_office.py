"""Changing the agency code keeps one office (issue #18)."""

from appfixtures import SAMPLE_QR

from sadec_desk.db.models import Office
from sadec_desk.db.queue_models import ServiceGroup
from sadec_desk.services.access import as_machine
from sadec_desk.services.admin import office
from sadec_desk.services.reception import dossiers


def test_a_new_agency_code_renames_the_office(ctx):
    machine = as_machine(ctx)
    office.init_office(machine, agency_code="000.00.14.H20", office_name="UBND xã A")
    first = dossiers.receive_dossier(machine, procedure_code="1.004873", qr_text=SAMPLE_QR)
    groups = ServiceGroup.select().count()
    office.init_office(machine, agency_code="000.00.15.H20")
    assert [(o.agency_code, o.name) for o in Office.select()] == [("000.00.15.H20", "UBND xã A")]
    assert ServiceGroup.select().count() == groups  # the same queue, not a second one
    second = dossiers.receive_dossier(machine, procedure_code="1.004873", qr_text=SAMPLE_QR)
    assert second.code.startswith("000.00.15.H20-")
    assert dossiers.get_dossier(machine, first.code).code == first.code  # old codes stay
