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

HOLDER_KIND = {
    "individual": "Cá nhân",
    "household": "Hộ gia đình",
    "couple": "Vợ chồng",
    "organisation": "Tổ chức",
    "community": "Cộng đồng dân cư",
}

DISPUTE_KIND = {
    "boundary": "Tranh chấp ranh giới",
    "ownership": "Tranh chấp quyền sử dụng",
    "inheritance": "Tranh chấp thừa kế",
    "encroachment": "Lấn chiếm",
    "other": "Tranh chấp khác",
}

DISPUTE_STATUS = {"open": "Đang tranh chấp", "resolved": "Đã giải quyết"}

# what blocks a step of the life cycle (domain.lifecycle.refusal's rules)
REFUSAL = {
    "parcel-retired": "Thửa đã ngừng sử dụng (đã tách, hợp hoặc hủy): không đổi được trạng thái.",
    "no-such-transition": "Không có bước này từ trạng thái hiện tại.",
    "reissue-only": "Chỉ ký lại khi cấp đổi Giấy chứng nhận.",
    "open-dispute": "Thửa đang có tranh chấp: phải giải quyết xong trước.",
    "origin-unconfirmed": "UBND xã, phường chưa xác nhận nguồn gốc và thời điểm sử dụng đất.",
}

# what a version of a parcel records (parcel_version.action); transitions: "transition:<to>"
HISTORY_ACTION = {
    "create": "Đăng ký thửa mới",
    "import": "Nhập từ dữ liệu đo đạc",
    "amend": "Chỉnh sửa thông tin",
    "transition": "Chuyển trạng thái",
    "confirm_origin": "Xác nhận nguồn gốc, thời điểm sử dụng",
    "open_dispute": "Ghi nhận tranh chấp",
    "resolve_dispute": "Giải quyết tranh chấp",
    "set_backlog": "Ghi lý do tồn đọng",
    "split": "Tách thửa",
    "merge": "Hợp thửa",
    "retire": "Ngừng sử dụng thửa",
    # the audit log's names of an import's steps
    "import.submit": "Nộp tệp dữ liệu đo đạc",
    "import.retry": "Nhập lại tệp dữ liệu đo đạc",
    "import.write": "Ghi dữ liệu đo đạc vào sổ",
}

COMPLAINT_STATUS = {
    "received": "Mới tiếp nhận",
    "in_progress": "Đang xử lý",
    "resolved": "Đã trả lời",
}

COMPLAINT_CHANNEL = {
    "hotline": "Đường dây nóng",
    "web": "Cổng thông tin",
    "in_person": "Trực tiếp",
    "letter": "Đơn thư",
}

# the audit log's names of every other write (a parcel's own are HISTORY_ACTION's)
AUDIT_ACTION = {
    **HISTORY_ACTION,
    "account.create": "Tạo tài khoản",
    "account.disable": "Vô hiệu hóa tài khoản",
    "account.enable": "Kích hoạt lại tài khoản",
    "account.password_change": "Đổi mật khẩu",
    "account.password_reset": "Đặt lại mật khẩu",
    "account.sign_in": "Đăng nhập",
    "account.sign_in_failed": "Đăng nhập không thành công",
    "account.sign_out": "Đăng xuất",
    "apikey.create": "Cấp khóa API",
    "apikey.revoke": "Thu hồi khóa API",
    "complaint.submit": "Tiếp nhận phản ánh",
    "complaint.handle": "Xử lý phản ánh",
    "crosswalk.import": "Nhập bảng chuyển đổi mã xã",
    "custody.start": "Bắt đầu kiểm kê GCN",
    "custody.check": "Kiểm đếm GCN",
    "custody.close": "Kết thúc kiểm kê GCN",
    "target.set": "Đặt chỉ tiêu năm",
    "target.delete": "Bỏ chỉ tiêu riêng của xã, phường",
    "ward.import": "Nhập ranh giới xã, phường",
}

# what an audited write was done to
AUDIT_TARGET = {
    "api_key": "Khóa API",
    "commune_crosswalk": "Bảng chuyển đổi mã xã",
    "complaint": "Phản ánh",
    "coverage_target": "Chỉ tiêu",
    "custody_inventory": "Kiểm kê GCN",
    "import": "Lần nộp dữ liệu",
    "parcel": "Thửa",
    "staff_account": "Tài khoản",
    "ward": "Xã, phường",
}

# the parcel's fields as its page and its history name them
PARCEL_FIELD = {
    "status": "Trạng thái",
    "address": "Địa chỉ",
    "area_m2": "Diện tích (m²)",
    "legal_area_m2": "Diện tích pháp lý (m²)",
    "land_uses": "Mục đích sử dụng",
    "holders": "Người sử dụng đất",
    "geometry": "Hình thể thửa",
    "disputed": "Tranh chấp",
    "disputes": "Các vụ tranh chấp",
    "origin_confirmed": "Đã xác nhận nguồn gốc",
    "time_of_use_confirmed": "Đã xác nhận thời điểm sử dụng",
    "land_use_since": "Sử dụng đất từ",
    "confirmation": "Văn bản xác nhận",
    "certificate": "Giấy chứng nhận",
    "backlog_reasons": "Lý do tồn đọng",
    "ward_code": "Xã, phường",
    "survey_commune_code": "Mã xã khi đo đạc",
    "sheet_no": "Tờ bản đồ",
    "parcel_no": "Số thửa",
    "retired_at": "Ngừng sử dụng lúc",
    "retired_reason": "Lý do ngừng sử dụng",
    "extra": "Trường khác của tệp đo đạc",
}

# a step of the life cycle as a button names it (the status it leads to)
STEP = {
    "registered": "Nhận đăng ký",
    "in_review": "Đưa vào thẩm định",
    "returned": "Trả hồ sơ",
    "eligible": "Đủ điều kiện cấp GCN",
    "ineligible": "Không đủ điều kiện",
    "signed": "Ký GCN",
    "delivered": "Trao GCN",
}

# the map style's name; the layers of the tile sets
MAP_TITLE = "Bản đồ thửa đất theo tình trạng cấp Giấy chứng nhận"
TILE_SET = {"parcels": "Thửa đất theo tình trạng cấp GCN", "wards": "Ranh giới phường, xã"}
