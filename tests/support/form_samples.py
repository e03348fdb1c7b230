"""A birth registration dossier with a filled declaration form, for the form tests."""

from __future__ import annotations

from sadec_desk.db.models import Dossier

BIRTH = "1.001193"


CHILD = {"req_relation": "mẹ", "child_name": "Trần Minh Khôi", "child_birth_date": "20/11/2026",
         "child_gender": "Nam", "child_ethnicity": "Kinh",
         "child_birth_place": "Bệnh viện Đa khoa Sa Đéc", "child_hometown": "Sa Đéc, Đồng Tháp",
         "mother_name": "Nguyễn Thị Hoa", "mother_birth_date": "21/03/2003",
         "mother_ethnicity": "Kinh", "mother_residence": "Phường 1, Sa Đéc, Đồng Tháp",
         "father_name": "Trần Văn Đức"}


def dossier_id(uuid: str) -> int:
    return Dossier.get(Dossier.uuid == uuid).id
