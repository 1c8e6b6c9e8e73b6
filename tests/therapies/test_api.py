from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

URL = "/api/v1/dose-calculations/"
OCTAGAM_ITP_STYLE = {
    "weight_kg": "70",
    "height_cm": "175",
    "sex": "male",
    "dose_g_per_kg": "1",
    "basis": "actual",
    "days": 1,
    "product": "octagam-10",
}


def test_it_computes_the_domain_worked_example(client_for, pharmacist) -> None:
    # §4C: 70 kg, 70 g of a 10% product (700 mL), Octagam steps 1→2→4→8 mg/kg/min each
    # 30 min: 42, 84, 168, 336 mL/h; 315 mL in 2 h, the rest held at 8 mg/kg/min = 336 mL/h:
    # 385 / 336 h = 68.75 min, so 188.75 → 189 minutes (≈ 3.1 h).
    payload = {**OCTAGAM_ITP_STYLE, "max_rate_mg_per_kg_min": "8"}
    response = client_for(pharmacist).post(URL, payload, content_type="application/json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["dosing_weight_kg"] == "70.0"
    assert body["course_dose_g"] == "70.00"
    assert body["daily_dose_g"] == "70.00"
    assert body["daily_dispensed_g"] == "70.00"
    assert body["volume_ml"] == "700.0"
    assert [step["rate_ml_per_h"] for step in body["steps"]][:4] == [42, 84, 168, 336]
    assert [step["start_minute"] for step in body["steps"]][:4] == [0, 30, 60, 90]
    assert body["infusion_minutes"] == 189


def test_without_a_plan_cap_the_label_lets_the_rate_rise_to_12(client_for, pharmacist) -> None:
    # Octagam 10% ITP label: after 8 mg/kg/min, up to 12 (= 504 mL/h for 70 kg): the last
    # 385 mL take 45.8 min, 165.8 → 166 minutes.
    body = (
        client_for(pharmacist).post(URL, OCTAGAM_ITP_STYLE, content_type="application/json").json()
    )

    assert body["max_rate_ml_per_h"] == 504
    assert body["infusion_minutes"] == 166


def test_the_dermatomyositis_protocol_caps_at_4_mg_per_kg_per_minute(
    client_for, pharmacist
) -> None:
    # §4C: for dermatomyositis (cap 4 mg/kg/min = 168 mL/h) the same volume takes ≈ 4.8 h.
    payload = {**OCTAGAM_ITP_STYLE, "indication": "dermatomyositis"}

    body = client_for(pharmacist).post(URL, payload, content_type="application/json").json()

    assert body["max_rate_ml_per_h"] == 168
    # 1 then 2 mg/kg/min for 30 min each (63 mL), then 637 mL at 168 mL/h: 60 + 227.5 → 288.
    assert body["infusion_minutes"] == 288


def test_the_indication_can_be_given_as_an_icd10_code(client_for, pharmacist) -> None:
    payload = {**OCTAGAM_ITP_STYLE, "indication": "M33.10"}

    body = client_for(pharmacist).post(URL, payload, content_type="application/json").json()

    assert body["max_rate_ml_per_h"] == 168


def test_bad_input_gets_a_400_naming_the_field(client_for, pharmacist) -> None:
    payload = {**OCTAGAM_ITP_STYLE, "weight_kg": "-3", "sex": "x", "product": "no-such-product"}

    response = client_for(pharmacist).post(URL, payload, content_type="application/json")

    assert response.status_code == 400
    assert {"weight_kg", "sex", "product"} <= set(response.json())


def test_an_ideal_weight_basis_without_height_is_a_400_naming_height(
    client_for, pharmacist
) -> None:
    payload = {**OCTAGAM_ITP_STYLE, "basis": "ideal", "height_cm": None}

    response = client_for(pharmacist).post(URL, payload, content_type="application/json")

    assert response.status_code == 400
    assert "height_cm" in response.json()


def test_it_is_for_staff_only(client, client_for, patient) -> None:
    assert client.post(URL, OCTAGAM_ITP_STYLE, content_type="application/json").status_code == 403
    response = client_for(patient).post(URL, OCTAGAM_ITP_STYLE, content_type="application/json")
    assert response.status_code == 403
