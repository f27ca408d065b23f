from __future__ import annotations

import pytest

from app.ingest.fields import FieldMappingError, map_fields


def test_the_sample_files_columns_are_recognised() -> None:
    m = map_fields(["MAXA", "SHBANDO", "SHTHUA", "DIENTICH", "MALOAIDAT", "TENCHU", "DIACHI"])
    assert m.columns == {
        "survey_commune_code": "MAXA",
        "sheet_no": "SHBANDO",
        "parcel_no": "SHTHUA",
        "legal_area_m2": "DIENTICH",
        "land_use_code": "MALOAIDAT",
        "holder_name": "TENCHU",
        "address": "DIACHI",
    }
    assert m.extra == ()


def test_case_cut_names_and_unknown_columns_kept_as_extras() -> None:
    m = map_fields(["SoHieuToBa", "SoThuTuThu", "so_thua", "kyhieumucd", "GHICHU", "DienTichPL"])
    assert m.columns["sheet_no"] == "SoHieuToBa"
    assert m.columns["parcel_no"] == "SoThuTuThu"  # the 10-character cut of SoThuTuThua
    assert m.columns["land_use_code"] == "kyhieumucd"
    assert m.columns["legal_area_m2"] == "DienTichPL"
    assert set(m.extra) == {"so_thua", "GHICHU"}


def test_legal_area_is_preferred_to_plain_area() -> None:
    m = map_fields(["SOTO", "SOTHUA", "DIENTICH", "DIENTICHPL"])
    assert m.columns["legal_area_m2"] == "DIENTICHPL"
    assert m.extra == ("DIENTICH",)


def test_a_stated_mapping_wins_and_is_checked() -> None:
    m = map_fields(["A", "B", "SHTHUA"], {"sheet_no": "a", "parcel_no": "B"})
    assert m.columns["sheet_no"] == "A" and m.columns["parcel_no"] == "B"
    assert m.extra == ("SHTHUA",)
    with pytest.raises(FieldMappingError, match="names column 'C'"):
        map_fields(["A", "B"], {"sheet_no": "C"})
    with pytest.raises(FieldMappingError, match="unknown field 'sheet'"):
        map_fields(["A", "B"], {"sheet": "A"})


def test_missing_required_columns_are_named() -> None:
    with pytest.raises(FieldMappingError, match="no column for sheet_no, parcel_no"):
        map_fields(["NAME", "AREA"])
