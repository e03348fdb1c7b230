"""Receiving a citizen without a card QR: the clerk types the card's fields."""

from __future__ import annotations

from guikit import key, sign_in_clerk, tick_papers, type_text
from hypothesis import given, settings
from hypothesis import strategies as st

from sadec_desk.db.models import Citizen, Dossier
from sadec_desk.errors import UserError
from sadec_desk.services.reception import intake


def test_manual_entry_is_checked_as_typed_and_saves_the_dossier(shell, ctx):
    counter = sign_in_clerk(shell, ctx)
    fields = counter.citizen_entries
    assert str(fields["id_number"].cget("state")) == "readonly"
    counter.manual_button.invoke()
    assert all(str(e.cget("state")) == "normal" for k, e in fields.items() if k != "gender")
    assert str(fields["gender"].cget("state")) == "readonly"  # the Nam / Nữ buttons set it
    type_text(fields["id_number"], "08709900")
    assert counter.citizen_error.cget("text") == "Số CCCD phải gồm đúng 12 chữ số."
    type_text(fields["id_number"], "1234")
    assert counter.citizen_error.cget("text") == ""
    fields["full_name"].insert(0, "Trần Văn Đức 2")
    assert "chữ cái tiếng Việt" in counter.citizen_error.cget("text")
    fields["full_name"].focus_force()
    fields["full_name"].icursor("end")
    fields["full_name"].update()
    key(fields["full_name"], "BackSpace")
    key(fields["full_name"], "BackSpace")
    assert fields["full_name"].get() == "Trần Văn Đức"
    assert counter.citizen_error.cget("text") == ""
    type_text(fields["date_of_birth"], "31/02/1999")
    assert "ngày có thật" in counter.citizen_error.cget("text")
    fields["date_of_birth"].delete(0, "end")
    type_text(fields["date_of_birth"], "05/06/1999")
    assert counter.citizen_error.cget("text") == ""
    type_text(fields["gender"], "Nu")  # no free text: the Nam / Nữ buttons
    assert fields["gender"].get() == ""
    counter.gender_buttons["Nữ"].invoke()
    assert fields["gender"].get() == "Nữ"
    counter.gender_buttons["Nam"].invoke()
    assert fields["gender"].get() == "Nam"
    index = [p.code for p in counter.procedures].index("2.000635")
    counter.procedure_box.current(index)
    counter.procedure_box.event_generate("<<ComboboxSelected>>")
    key(shell.window, "F10")  # the address is still missing
    shell.tasks.pump()
    # the service's sentence beside the citizen's fields, the message bar points at it
    assert counter.citizen_error.cget("text") == ("Còn thiếu: Địa chỉ thường trú. Hãy nhập đủ "
                                                  "thông tin trên thẻ của công dân.")
    assert counter.receive_message.text == "Chưa lưu: xem các dòng màu đỏ."
    assert counter.focus_get() is fields["address"]
    assert not Dossier.select().exists()
    assert fields["full_name"].get() == "Trần Văn Đức"  # nothing typed is lost
    fields["address"].insert(0, "Phường 1, Sa Đéc, Đồng Tháp")
    tick_papers(counter)
    key(shell.window, "F10")
    assert shell.tasks.pump(until=lambda: "in phiếu hẹn." in counter.receive_message.text)
    citizen = Citizen.get(Citizen.id_number == "087099001234")
    assert (citizen.full_name, citizen.gender, citizen.date_of_birth.isoformat(),
            citizen.address) == ("Trần Văn Đức", "Nam", "1999-06-05",
                                 "Phường 1, Sa Đéc, Đồng Tháp")
    assert Dossier.get().citizen_id == citizen.id
    counter.on_clear_form()
    assert str(fields["id_number"].cget("state")) == "readonly"


texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)


@settings(max_examples=200, deadline=None)
@given(name=st.sampled_from(intake.MANUAL_FIELDS), text=texts)
def test_checking_a_typed_field_never_fails_worse_than_a_sentence(name, text):
    assert isinstance(intake.check_manual_field(name, text), str)


@settings(max_examples=100, deadline=None)
@given(values=st.fixed_dictionaries({n: texts for n in intake.MANUAL_FIELDS}))
def test_typed_citizens_are_refused_with_a_sentence_or_accepted(values):
    class Ctx:
        @staticmethod
        def now():
            from appfixtures import Clock
            return Clock()()

    try:
        text = intake.citizen_from_fields(Ctx, values)
    except UserError as exc:
        assert str(exc)
    else:
        assert text.count("|") == 6
