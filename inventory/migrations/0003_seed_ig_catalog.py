"""Seed the IV immunoglobulin catalog used for neurology.

Every fact is from ../shared/domain/ivig-reference.md (§1A presentations and storage, §1C and
§4B rates, §1E HCPCS), with its reference ids. What that file marks unconfirmed, or where its
sources conflict, is listed in ``unconfirmed_fields`` so the admin shows it as unverified.
The reference lists no NDCs: packages are seeded without one, for an admin to enter from
the label (DailyMed). Volumes are derived: mL = grams × 1000 ÷ (mg/mL) (reference §4A).
"""

from decimal import Decimal

from django.db import migrations

D = Decimal

MANUFACTURERS = ["CSL Behring", "Grifols", "Kedrion", "Octapharma", "Takeda (Baxalta)"]

PRODUCTS = [
    {
        "brand": "Gammagard Liquid",
        "slug": "gammagard-liquid",
        "manufacturer": "Takeda (Baxalta)",
        "concentration_percent": D("10"),
        "storage_min_c": D("2"),
        "storage_max_c": D("8"),
        "room_temperature_max_c": D("25"),
        "room_temperature_allowance_months": 24,
        "storage_note": (
            "2–8 °C up to 36 months; or ≤25 °C up to 24 months, only within the first 24 months "
            "from manufacture (record the new expiry on the carton). Do not freeze."
        ),
        "shelf_life_months": 36,
        "stabilizer": "Glycine 0.25 M; no added sugar or sodium",
        "iga_content": "avg 37 µg/mL",
        "hcpcs_code": "J1569",
        "hcpcs_billing_unit_mg": 500,
        "label_max_rate": "PI 5 mL/kg/hr (8 mg/kg/min); MMN and CIDP 5.4 mL/kg/hr (9 mg/kg/min)",
        "label_titration": (
            "0.5 mL/kg/hr (0.8 mg/kg/min) for 30 min, then increase every 30 min as tolerated "
            "to 5 (PI) or 5.4 (MMN/CIDP) mL/kg/hr."
        ),
        "unconfirmed_fields": [],
        "sources": "[R1][R2][R3][R4][R5][R33]",
        "grams": ["1", "2.5", "5", "10", "20", "30"],
    },
    {
        "brand": "Gamunex-C",
        "slug": "gamunex-c",
        "manufacturer": "Grifols",
        "concentration_percent": D("10"),
        "storage_min_c": D("2"),
        "storage_max_c": D("8"),
        "room_temperature_max_c": D("25"),
        "room_temperature_allowance_months": 6,
        "storage_note": (
            "2–8 °C for 36 months; may be kept ≤25 °C for up to 6 months at any time within "
            "the 36 months, then used or discarded."
        ),
        "shelf_life_months": 36,
        "stabilizer": "Glycine",
        "iga_content": "avg 46 µg/mL",
        "hcpcs_code": "J1561",
        "hcpcs_billing_unit_mg": 500,
        "label_max_rate": "8 mg/kg/min (0.08 mL/kg/min)",
        "label_titration": (
            "Hold the initial rate 30 min (PI and ITP 1 mg/kg/min, CIDP 2 mg/kg/min), then "
            "increase gradually to 8 mg/kg/min."
        ),
        "unconfirmed_fields": [],
        "sources": "[R6][R7][R8][R33]",
        "grams": ["1", "2.5", "5", "10", "20", "40"],
    },
    {
        "brand": "Gammaked",
        "slug": "gammaked",
        "manufacturer": "Kedrion",
        "concentration_percent": D("10"),
        "storage_min_c": None,
        "storage_max_c": None,
        "room_temperature_max_c": None,
        "room_temperature_allowance_months": None,
        "storage_note": "Unconfirmed (expected identical to Gamunex-C).",
        "shelf_life_months": None,
        "stabilizer": "Glycine",
        "iga_content": "avg 46 µg/mL",
        "hcpcs_code": "J1561",
        "hcpcs_billing_unit_mg": 500,
        "label_max_rate": "8 mg/kg/min (as Gamunex-C)",
        "label_titration": "As Gamunex-C.",
        "unconfirmed_fields": [
            "storage",
            "shelf_life_months",
            "stabilizer",
            "label_max_rate",
            "label_titration",
        ],
        "sources": "[R9][R33][R37][R45]",
        "grams": ["1", "2.5", "5", "10", "20"],
    },
    {
        "brand": "Privigen",
        "slug": "privigen",
        "manufacturer": "CSL Behring",
        "concentration_percent": D("10"),
        "storage_min_c": None,
        "storage_max_c": D("25"),
        "room_temperature_max_c": None,
        "room_temperature_allowance_months": None,
        "storage_note": "Room temperature up to 25 °C (proline-stabilized; no refrigeration needed).",
        "shelf_life_months": None,
        "stabilizer": "L-proline ~250 mmol/L; no sugar; Na ≤1 mmol/L",
        "iga_content": "≤25 µg/mL",
        "hcpcs_code": "J1459",
        "hcpcs_billing_unit_mg": 500,
        "label_max_rate": "PI and CIDP 8 mg/kg/min; ITP 4 mg/kg/min",
        "label_titration": (
            "0.5 mg/kg/min, increase to the maximum; step interval not stated in the sources."
        ),
        "unconfirmed_fields": ["shelf_life_months", "label_titration"],
        "sources": "[R10][R11][R12][R33][R37]",
        "grams": ["5", "10", "20", "40"],
    },
    {
        "brand": "Octagam 10%",
        "slug": "octagam-10",
        "manufacturer": "Octapharma",
        "concentration_percent": D("10"),
        "storage_min_c": D("2"),
        "storage_max_c": D("8"),
        "room_temperature_max_c": D("25"),
        "room_temperature_allowance_months": 9,
        "storage_note": (
            "Sources conflict: US pharmacy sheet 24 months at 2–8 °C, within the first 12 months "
            "may be kept ≤25 °C up to 9 months; EU site 36 months at 2–8 °C, 9 months <25 °C. "
            "Verify the current US label."
        ),
        "shelf_life_months": None,
        "stabilizer": "Maltose 90 mg/mL",
        "iga_content": "avg 106 µg/mL",
        "hcpcs_code": "J1568",
        "hcpcs_billing_unit_mg": 500,
        "label_max_rate": (
            "ITP 12 mg/kg/min; dermatomyositis 4 mg/kg/min; renal or thrombotic risk ≤3.3 mg/kg/min"
        ),
        "label_titration": (
            "1 → 2 → 4 → 8 mg/kg/min, each for 30 min if tolerated, then up to ≤12 mg/kg/min "
            "(ITP). Dermatomyositis maximum 4 mg/kg/min."
        ),
        "unconfirmed_fields": ["storage", "shelf_life_months"],
        "sources": "[R13][R14][R15][R33]",
        "grams": ["2", "5", "10", "20", "30"],
    },
    {
        "brand": "Panzyga",
        "slug": "panzyga",
        "manufacturer": "Octapharma",
        "concentration_percent": D("10"),
        "storage_min_c": D("2"),
        "storage_max_c": D("8"),
        "room_temperature_max_c": D("25"),
        "room_temperature_allowance_months": None,
        "storage_note": (
            "Label versions conflict: newer text 2–8 °C 36 months, ≤25 °C up to 12 months "
            "within shelf life; older text 24 months / 9 months. Verify."
        ),
        "shelf_life_months": None,
        "stabilizer": "",
        "iga_content": "",
        "hcpcs_code": "J1576",
        "hcpcs_billing_unit_mg": None,
        "label_max_rate": "PI 14, ITP 8, CIDP 12 mg/kg/min",
        "label_titration": (
            "1 mg/kg/min for 30 min, then increase every 15–30 min to the indication maximum "
            "(PI 14, CIDP 12, ITP 8 mg/kg/min)."
        ),
        "unconfirmed_fields": [
            "storage",
            "shelf_life_months",
            "stabilizer",
            "iga_content",
            "hcpcs_code",
        ],
        "sources": "[R16][R17]",
        "grams": ["1", "2.5", "5", "10", "20", "30"],
    },
    {
        "brand": "Flebogamma 5% DIF",
        "slug": "flebogamma-5-dif",
        "manufacturer": "Grifols",
        "concentration_percent": D("5"),
        "storage_min_c": None,
        "storage_max_c": None,
        "room_temperature_max_c": None,
        "room_temperature_allowance_months": None,
        "storage_note": "Unconfirmed (believed 2–25 °C).",
        "shelf_life_months": None,
        "stabilizer": "D-sorbitol 50 mg/mL (fructose-intolerance caution)",
        "iga_content": "≤50 µg/mL (EU SmPC)",
        "hcpcs_code": "J1572",
        "hcpcs_billing_unit_mg": 500,
        "label_max_rate": "",
        "label_titration": "",
        "unconfirmed_fields": [
            "storage",
            "shelf_life_months",
            "label_max_rate",
            "label_titration",
        ],
        "sources": "[R20][R33][R37]",
        "grams": ["0.5", "2.5", "5", "10", "20"],
    },
    {
        "brand": "Flebogamma 10% DIF",
        "slug": "flebogamma-10-dif",
        "manufacturer": "Grifols",
        "concentration_percent": D("10"),
        "storage_min_c": None,
        "storage_max_c": None,
        "room_temperature_max_c": None,
        "room_temperature_allowance_months": None,
        "storage_note": "Unconfirmed (believed 2–25 °C).",
        "shelf_life_months": None,
        "stabilizer": "D-sorbitol",
        "iga_content": "<100 µg/mL (EU SmPC)",
        "hcpcs_code": "J1572",
        "hcpcs_billing_unit_mg": 500,
        "label_max_rate": "0.08 mL/kg/min (8 mg/kg/min)",
        "label_titration": "Start at 0.01 mL/kg/min (1 mg/kg/min).",
        "unconfirmed_fields": ["storage", "shelf_life_months"],
        "sources": "[R20][R33]",
        "grams": ["5", "10", "20"],
    },
]


def forward(apps, schema_editor):
    Manufacturer = apps.get_model("inventory", "Manufacturer")
    Product = apps.get_model("inventory", "Product")
    Package = apps.get_model("inventory", "Package")
    by_name = {
        name: Manufacturer.objects.get_or_create(name=name)[0] for name in MANUFACTURERS
    }
    for spec in PRODUCTS:
        fields = dict(spec)
        grams = fields.pop("grams")
        fields["manufacturer"] = by_name[fields["manufacturer"]]
        fields["route"] = "iv"
        product, _ = Product.objects.update_or_create(slug=fields.pop("slug"), defaults=fields)
        mg_per_ml = product.concentration_percent * 10
        for size in grams:
            grams_per_container = D(size)
            Package.objects.get_or_create(
                product=product,
                grams_per_container=grams_per_container,
                defaults={"volume_ml": (grams_per_container * 1000 / mg_per_ml).quantize(D("0.1"))},
            )


class Migration(migrations.Migration):
    dependencies = [("inventory", "0002_stock_ledger_append_only")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
