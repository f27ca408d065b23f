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

IMPORT_STATUS = {
    "queued": "Đang chờ",
    "running": "Đang nhập",
    "succeeded": "Thành công",
    "failed": "Không thành công",
}

IMPORT_PHASE = {
    "queued": "Đang chờ đến lượt",
    "reading": "Đang đọc, giải mã và kiểm tra từng thửa",
    "checking": "Đang đối chiếu với sổ đăng ký",
    "overlaps": "Đang tìm thửa chồng lấn",
    "writing": "Đang ghi vào sổ đăng ký",
    "done": "Hoàn tất",
}

IMPORT_FIELD = {
    "survey_commune_code": "Mã xã khi đo đạc",
    "sheet_no": "Số tờ bản đồ",
    "parcel_no": "Số thửa",
    "legal_area_m2": "Diện tích pháp lý (m²)",
    "land_use_code": "Mã loại đất",
    "holder_name": "Tên người sử dụng đất",
    "address": "Địa chỉ thửa đất",
    "certificate_issued": "Đã cấp GCN",
}

ISSUE_KIND = {
    "rejected": "Bị từ chối",
    "repaired": "Đã tự sửa",
    "warning": "Cảnh báo",
    "overlap": "Chồng lấn",
}

TEXT_ENCODING = {
    "ascii": "ASCII (không dấu)",
    "utf-8": "Unicode UTF-8",
    "tcvn3": "TCVN3 (ABC)",
    "vni": "VNI-Windows",
    "cp1258": "Windows-1258",
    "none": "không có chữ",
}

IMPORT_MODE = {
    "all_or_nothing": "Tất cả hoặc không: một thửa lỗi thì không ghi thửa nào",
    "accept_valid": "Nhận các thửa hợp lệ, bỏ các thửa lỗi",
}
