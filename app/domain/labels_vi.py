"""What end users read, in Vietnamese: backlog reasons, statuses, report headings."""

from __future__ import annotations

BACKLOG = {
    "dispute": "Đang tranh chấp",
    "origin_unconfirmed": "Chưa xác nhận nguồn gốc đất",
    "time_of_use_unconfirmed": "Chưa xác nhận thời điểm sử dụng đất",
    "missing_documents": "Hồ sơ thiếu giấy tờ",
    "ineligible": "Không đủ điều kiện cấp GCN",
    "planning_conflict": "Vướng quy hoạch",
    "unpaid_obligation": "Chưa hoàn thành nghĩa vụ tài chính",
    "holder_absent": "Người sử dụng đất vắng mặt",
    "other": "Lý do khác",
    "none": "Đang giải quyết, chưa ghi nhận vướng mắc",
}

STATUS = {
    "unregistered": "Chưa đăng ký",
    "registered": "Đã đăng ký",
    "in_review": "Đang thẩm định",
    "returned": "Hồ sơ bị trả lại",
    "eligible": "Đủ điều kiện cấp GCN",
    "ineligible": "Không đủ điều kiện",
    "signed": "Đã ký GCN, chưa trao",
    "delivered": "Đã trao GCN",
}

PERIOD = {"week": "Tuần", "month": "Tháng"}

ROLE = {
    "admin": "Quản trị hệ thống",
    "registry_officer": "Cán bộ Văn phòng đăng ký đất đai",
    "surveyor": "Cán bộ đo đạc",
    "ward_officer": "Cán bộ địa chính xã, phường",
    "gis_viewer": "Cán bộ GIS",
    "inspector": "Thanh tra",
}
