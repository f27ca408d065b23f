"""Code lists: land-use groups, land-use types (current and legacy), land-origin types.

Current land-use codes are those of Circular 08/2024/TT-BTNMT (Appendix II) that the registry
uses; older codes from the 2007-2018 lists, still found in cadastral files, are kept with
is_current false and the current code that replaces them.

What the names were checked against. The gazette text of Circular 08/2024 was not at hand, so
the names follow the code catalogue of the national land information system (VBDLIS) as exported
in public repositories, whose wording follows the 2024 Land Law and Decree 102/2024 (for example
"Đất công trình giao thông", "Đất tôn giáo", "Đất xây dựng cơ sở thể dục, thể thao"),
cross-checked with other public code lists and inventory-form headers citing Circular 08/2024
(agricultural, residential and unused codes agree across all of them). Older names were checked
against lists of Circulars 25/2014, 28/2014 and 27/2018 and against the same catalogue.

Not confirmed against the gazette text (verify before relying on the wording):
- DDT: no source shows it as a 2024 code. The catalogue carries DDD "Đất có di tích lịch sử -
  văn hóa, danh lam thắng cảnh, di sản thiên nhiên" for the merged 2024 category. DDT is kept
  current, as the domain notes list it, under its 2014/2018 name.
- DRA, MNC, SON, DNL: only the catalogue has the 2024 wording; older lists read "Đất bãi thải,
  xử lý chất thải", "Đất có mặt nước chuyên dùng", "Đất sông, ngòi, kênh, rạch, suối",
  "Đất công trình năng lượng".
- NTD: every source found reads "lưu trữ tro cốt"; the Law's wording may be "lưu giữ".
- NCQ-n (received by transfer): only one public code table gives the numbering; the four kept
  here (2, 8, 9, 10) agree with the domain notes. NCQ-1, 3-7 and 11-17 are left out.
Left out: RSN (natural production forest: still a sub-indicator in planning lists, so its
status is unclear), and 2014/2018 non-agricultural codes whose 2024 replacement could not be
confirmed (DTS, DXH, DSH, DKV, DCH, DDL, SKX, DCK, ...).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (code, name, sort order)
GROUPS = [
    ("NNP", "Đất nông nghiệp", 1),
    ("OTC", "Đất ở", 2),
    ("PNN", "Đất phi nông nghiệp khác", 3),
    ("CSD", "Đất chưa sử dụng", 4),
]

# Circular 08/2024/TT-BTNMT, Appendix II: (code, group, name)
CURRENT = [
    ("LUC", "NNP", "Đất chuyên trồng lúa"),
    ("LUK", "NNP", "Đất trồng lúa còn lại"),
    ("HNK", "NNP", "Đất trồng cây hằng năm khác"),
    ("CLN", "NNP", "Đất trồng cây lâu năm"),
    ("RSX", "NNP", "Đất rừng sản xuất"),
    ("RPH", "NNP", "Đất rừng phòng hộ"),
    ("RDD", "NNP", "Đất rừng đặc dụng"),
    ("NTS", "NNP", "Đất nuôi trồng thủy sản"),
    ("CNT", "NNP", "Đất chăn nuôi tập trung"),
    ("LMU", "NNP", "Đất làm muối"),
    ("NKH", "NNP", "Đất nông nghiệp khác"),
    ("ONT", "OTC", "Đất ở tại nông thôn"),
    ("ODT", "OTC", "Đất ở tại đô thị"),
    ("TSC", "PNN", "Đất xây dựng trụ sở cơ quan"),
    ("CQP", "PNN", "Đất quốc phòng"),
    ("CAN", "PNN", "Đất an ninh"),
    ("DVH", "PNN", "Đất xây dựng cơ sở văn hóa"),
    ("DYT", "PNN", "Đất xây dựng cơ sở y tế"),
    ("DGD", "PNN", "Đất xây dựng cơ sở giáo dục và đào tạo"),
    ("DTT", "PNN", "Đất xây dựng cơ sở thể dục, thể thao"),
    ("DKH", "PNN", "Đất xây dựng cơ sở khoa học và công nghệ"),
    ("TMD", "PNN", "Đất thương mại, dịch vụ"),
    ("SKC", "PNN", "Đất cơ sở sản xuất phi nông nghiệp"),
    ("SKS", "PNN", "Đất sử dụng cho hoạt động khoáng sản"),
    ("DGT", "PNN", "Đất công trình giao thông"),
    ("DTL", "PNN", "Đất công trình thủy lợi"),
    ("DNL", "PNN", "Đất công trình năng lượng, chiếu sáng công cộng"),
    ("DBV", "PNN", "Đất công trình hạ tầng bưu chính, viễn thông, công nghệ thông tin"),
    ("DDT", "PNN", "Đất có di tích lịch sử - văn hóa"),
    ("DRA", "PNN", "Đất công trình xử lý chất thải"),
    ("TON", "PNN", "Đất tôn giáo"),
    ("TIN", "PNN", "Đất tín ngưỡng"),
    ("NTD", "PNN", "Đất nghĩa trang, nhà tang lễ, cơ sở hỏa táng; đất cơ sở lưu trữ tro cốt"),
    ("SON", "PNN", "Đất có mặt nước dạng sông, ngòi, kênh, rạch, suối"),
    ("MNC", "PNN", "Đất có mặt nước chuyên dùng dạng ao, hồ, đầm, phá"),
    ("PNK", "PNN", "Đất phi nông nghiệp khác"),
    ("BCS", "CSD", "Đất bằng chưa sử dụng"),
    ("DCS", "CSD", "Đất đồi núi chưa sử dụng"),
    ("NCS", "CSD", "Núi đá không có rừng cây"),
]

# Older codes (2007-2018 lists): (code, group, name, current code replacing it)
LEGACY = [
    # upland rice is rice land other than "chuyên trồng lúa"
    ("LUN", "NNP", "Đất trồng lúa nương", "LUK"),
    ("BHK", "NNP", "Đất bằng trồng cây hàng năm khác", "HNK"),
    ("NHK", "NNP", "Đất nương rẫy trồng cây hàng năm khác", "HNK"),
    ("LNC", "NNP", "Đất trồng cây công nghiệp lâu năm", "CLN"),
    ("LNQ", "NNP", "Đất trồng cây ăn quả lâu năm", "CLN"),
    ("LNK", "NNP", "Đất trồng cây lâu năm khác", "CLN"),
    ("RST", "NNP", "Đất có rừng trồng sản xuất", "RSX"),
    ("RSK", "NNP", "Đất khoanh nuôi phục hồi rừng sản xuất", "RSX"),
    ("RSM", "NNP", "Đất trồng rừng sản xuất", "RSX"),
    ("RPN", "NNP", "Đất có rừng tự nhiên phòng hộ", "RPH"),
    ("RPT", "NNP", "Đất có rừng trồng phòng hộ", "RPH"),
    ("RPK", "NNP", "Đất khoanh nuôi phục hồi rừng phòng hộ", "RPH"),
    ("RPM", "NNP", "Đất trồng rừng phòng hộ", "RPH"),
    ("RDN", "NNP", "Đất có rừng tự nhiên đặc dụng", "RDD"),
    ("RDT", "NNP", "Đất có rừng trồng đặc dụng", "RDD"),
    ("RDK", "NNP", "Đất khoanh nuôi phục hồi rừng đặc dụng", "RDD"),
    ("RDM", "NNP", "Đất trồng rừng đặc dụng", "RDD"),
    ("TSL", "NNP", "Đất nuôi trồng thủy sản nước lợ, mặn", "NTS"),
    ("TSN", "NNP", "Đất nuôi trồng thủy sản nước ngọt", "NTS"),
]

# Land origin (nguồn gốc sử dụng đất) as national systems code it: (code, name, sort order)
ORIGINS = [
    ("DG-CTT", "Nhà nước giao đất có thu tiền sử dụng đất", 10),
    ("DG-KTT", "Nhà nước giao đất không thu tiền sử dụng đất", 11),
    ("DG-QL", "Nhà nước giao đất để quản lý", 12),
    ("DT-THN", "Nhà nước cho thuê đất trả tiền hàng năm", 20),
    ("DT-TML", "Nhà nước cho thuê đất trả tiền một lần", 21),
    ("CNQ", "Nhà nước công nhận quyền sử dụng đất", 30),
    ("CNQ-CTT", "Công nhận quyền sử dụng đất như giao đất có thu tiền sử dụng đất", 31),
    ("CNQ-KTT", "Công nhận quyền sử dụng đất như giao đất không thu tiền sử dụng đất", 32),
    # received by transfer; 40 + the number
    ("NCQ-2", "Nhận chuyển quyền sử dụng đất do trúng đấu giá đất", 42),
    ("NCQ-8", "Nhận chuyển nhượng quyền sử dụng đất", 48),
    ("NCQ-9", "Nhận thừa kế quyền sử dụng đất", 49),
    ("NCQ-10", "Nhận tặng cho quyền sử dụng đất", 50),
]


def upgrade() -> None:
    groups = op.create_table(
        "land_use_group",
        sa.Column("code", sa.String(8), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_land_use_group"),
    )
    types = op.create_table(
        "land_use_type",
        sa.Column("code", sa.String(8), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("group_code", sa.String(8), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("replaced_by", sa.String(8)),
        sa.PrimaryKeyConstraint("code", name="pk_land_use_type"),
        sa.ForeignKeyConstraint(
            ["group_code"],
            ["land_use_group.code"],
            name="fk_land_use_type_group_code_land_use_group",
        ),
        sa.ForeignKeyConstraint(
            ["replaced_by"],
            ["land_use_type.code"],
            name="fk_land_use_type_replaced_by_land_use_type",
        ),
        sa.CheckConstraint(
            "is_current OR replaced_by IS NOT NULL",
            name="ck_land_use_type_legacy_has_replacement",
        ),
        sa.CheckConstraint(
            "replaced_by IS NULL OR NOT is_current",
            name="ck_land_use_type_current_not_replaced",
        ),
    )
    origins = op.create_table(
        "land_origin_type",
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_land_origin_type"),
    )

    op.bulk_insert(groups, [{"code": c, "name": n, "sort_order": s} for c, n, s in GROUPS])
    # current codes first: legacy rows refer to them
    op.bulk_insert(
        types,
        [
            {"code": c, "name": n, "group_code": g, "is_current": True, "replaced_by": None}
            for c, g, n in CURRENT
        ],
    )
    op.bulk_insert(
        types,
        [
            {"code": c, "name": n, "group_code": g, "is_current": False, "replaced_by": r}
            for c, g, n, r in LEGACY
        ],
    )
    op.bulk_insert(origins, [{"code": c, "name": n, "sort_order": s} for c, n, s in ORIGINS])


def downgrade() -> None:
    op.drop_table("land_origin_type")
    op.drop_table("land_use_type")
    op.drop_table("land_use_group")
