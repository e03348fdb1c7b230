"""The 54 ethnic groups of Vietnam, as data: the official list of the General Statistics
Office (Danh mục các dân tộc Việt Nam, Quyết định 121-TCTK/PPCĐ of 2 March 1979, Tổng cục
Thống kê), in its order and with its codes (01 Kinh … 54 Rơ Măm).

Declaration forms pick a person's ethnicity from this list (``"choices_from":
"ethnic_groups"`` in a form definition) instead of free text, so "kinh", "Kinh " and
"Dân tộc Kinh" become one value. Names are written as the census publications of the
General Statistics Office wrote them for the 2019 census (e.g. "Mông", formerly "H'Mông";
"Khmer", formerly "Khơ-me"); the codes and the order are the 1979 decision's. Not checked
letter for letter against the published decision: a civil-status system that spells a name
differently is to be followed (docs/kiosk-submission.md).
"""

from __future__ import annotations

#: (GSO code, name), in the official order
ETHNIC_GROUPS: tuple[tuple[str, str], ...] = (
    ("01", "Kinh"), ("02", "Tày"), ("03", "Thái"), ("04", "Hoa"), ("05", "Khmer"),
    ("06", "Mường"), ("07", "Nùng"), ("08", "Mông"), ("09", "Dao"), ("10", "Gia Rai"),
    ("11", "Ngái"), ("12", "Ê Đê"), ("13", "Ba Na"), ("14", "Xơ Đăng"), ("15", "Sán Chay"),
    ("16", "Cơ Ho"), ("17", "Chăm"), ("18", "Sán Dìu"), ("19", "Hrê"), ("20", "Mnông"),
    ("21", "Ra Glai"), ("22", "Xtiêng"), ("23", "Bru Vân Kiều"), ("24", "Thổ"),
    ("25", "Giáy"), ("26", "Cơ Tu"), ("27", "Giẻ Triêng"), ("28", "Mạ"), ("29", "Khơ Mú"),
    ("30", "Co"), ("31", "Tà Ôi"), ("32", "Chơ Ro"), ("33", "Kháng"), ("34", "Xinh Mun"),
    ("35", "Hà Nhì"), ("36", "Chu Ru"), ("37", "Lào"), ("38", "La Chí"), ("39", "La Ha"),
    ("40", "Phù Lá"), ("41", "La Hủ"), ("42", "Lự"), ("43", "Lô Lô"), ("44", "Chứt"),
    ("45", "Mảng"), ("46", "Pà Thẻn"), ("47", "Cơ Lao"), ("48", "Cống"), ("49", "Bố Y"),
    ("50", "Si La"), ("51", "Pu Péo"), ("52", "Brâu"), ("53", "Ơ Đu"), ("54", "Rơ Măm"),
)
#: the names alone, in the official order (Kinh first: 85 % of the population)
ETHNIC_GROUP_NAMES: tuple[str, ...] = tuple(name for _code, name in ETHNIC_GROUPS)

#: named lists a form field may take its choices from
CHOICE_LISTS: dict[str, tuple[str, ...]] = {"ethnic_groups": ETHNIC_GROUP_NAMES}
