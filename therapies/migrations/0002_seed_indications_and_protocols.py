"""Seed indications, label status per product, and rate protocols from the domain reference.

Facts: ../shared/domain/ivig-reference.md §1C (labeled doses and rates), §2A (ICD-10-CM and
label status), §2B (usual regimens), §4B (step schedules). Where a label states only a start
and a maximum ("increase gradually"), the intermediate steps double every 30 minutes, the
pattern Octagam 10%'s label states; the pharmacist sees and verifies every schedule.
"""

from decimal import Decimal

from django.db import migrations

INDICATIONS = [
    # slug, name, ICD-10-CM, loading text, maintenance text, load g/kg, load days,
    # maintenance g/kg, interval days, sources
    ("cidp", "Chronic inflammatory demyelinating polyneuropathy (CIDP)", ["G61.81"],
     "2 g/kg divided over 2–5 days", "1 g/kg every 3 weeks (titrate to the minimum effective dose)",
     "2.00", 5, "1.00", 21, "[R1][R10][R39][R44][R52]"),
    ("mmn", "Multifocal motor neuropathy (MMN)", ["G61.82"],
     "Induction commonly 2 g/kg (guideline figure not confirmed)",
     "0.5–2.4 g/kg per month, every 2–4 weeks", "2.00", 5, "1.00", 28, "[R2][R45][R46]"),
    ("gbs", "Guillain-Barré syndrome", ["G61.0"],
     "0.4 g/kg/day for 5 days (2 g/kg), within about 2 weeks of onset", "None (one course)",
     "2.00", 5, None, None, "[R11][R48]"),
    ("dermatomyositis", "Dermatomyositis", ["M33.10", "M33.00", "M33.90"],
     "2 g/kg in equal doses over 2–5 consecutive days", "Every 4 weeks", "2.00", 5, "2.00", 28,
     "[R13][R47]"),
    ("polymyositis", "Polymyositis", ["M33.20"],
     "2 g/kg divided over 2–5 days (off-label)", "Individualized", "2.00", 5, None, None, "[R47]"),
    ("myasthenia-gravis", "Myasthenia gravis", ["G70.00", "G70.01"],
     "2 g/kg divided over 2–5 days (e.g. 0.4 g/kg × 5 days or 1 g/kg × 2 days)",
     "0.4–1 g/kg every 3–4 weeks (off-label; titrate)", "2.00", 5, "1.00", 28, "[R45][R49]"),
    ("kawasaki", "Kawasaki disease", ["M30.3"],
     "2 g/kg as a single infusion over 10–12 hours, with aspirin", "None (single dose)",
     "2.00", 1, None, None, "[R30][R50]"),
]  # fmt: skip

# §2A: FDA-labeled products per indication (all others off-label/compendial).
LABELED = {
    "cidp": ["gamunex-c", "gammaked", "privigen", "panzyga", "gammagard-liquid"],
    "mmn": ["gammagard-liquid"],
    "dermatomyositis": ["octagam-10"],
}

MG = "mg_kg_min"
ML = "ml_kg_h"


def doubling(start, maximum, minutes=30):
    """Start, doubling every ``minutes`` while below the maximum, ending at the maximum."""
    steps, rate = [], Decimal(start)
    while rate < Decimal(maximum):
        steps.append({"rate": str(rate), "minutes": minutes})
        rate *= 2
    steps.append({"rate": str(maximum), "minutes": 0})
    return steps


# product slug, indication slug (None = default), unit, steps, max, risk max, source
PROTOCOLS = [
    ("octagam-10", "dermatomyositis", MG, doubling("1", "4"), "4", "3.3", "[R13][R14]"),
    ("octagam-10", None, MG, doubling("1", "12"), "12", "3.3", "[R13][R14]"),
    ("gamunex-c", "cidp", MG, doubling("2", "8"), "8", None, "[R8]"),
    ("gamunex-c", None, MG, doubling("1", "8"), "8", None, "[R8]"),
    ("privigen", "cidp", MG, doubling("0.5", "8"), "8", None, "[R10]"),
    ("privigen", None, MG, doubling("0.5", "8"), "8", None, "[R10]"),
    ("panzyga", "cidp", MG, doubling("1", "12"), "12", None, "[R16]"),
    ("panzyga", None, MG, doubling("1", "14"), "14", None, "[R16]"),
    # Gammagard Liquid: 0.5 mL/kg/h for 30 min, then every 30 min; 0.5→1→2→3→4→5 is inferred
    # from the manufacturer's calculator output (§4B: verify). MMN and CIDP max 5.4.
    ("gammagard-liquid", "cidp", ML,
     [{"rate": r, "minutes": 30} for r in ("0.5", "1", "2", "3", "4")]
     + [{"rate": "5.4", "minutes": 0}], "5.4", None, "[R2][R3]"),
    ("gammagard-liquid", "mmn", ML,
     [{"rate": r, "minutes": 30} for r in ("0.5", "1", "2", "3", "4")]
     + [{"rate": "5.4", "minutes": 0}], "5.4", None, "[R2][R3]"),
    ("gammagard-liquid", None, ML,
     [{"rate": r, "minutes": 30} for r in ("0.5", "1", "2", "3", "4")]
     + [{"rate": "5", "minutes": 0}], "5", None, "[R2][R3]"),
    ("flebogamma-10-dif", None, MG, doubling("1", "8"), "8", None, "[R20]"),
]  # fmt: skip


def seed(apps, schema_editor):
    Indication = apps.get_model("therapies", "Indication")
    ProductIndication = apps.get_model("therapies", "ProductIndication")
    RateProtocol = apps.get_model("therapies", "RateProtocol")
    Product = apps.get_model("inventory", "Product")
    products = {product.slug: product for product in Product.objects.all()}

    indications = {}
    for (slug, name, codes, loading, maintenance, load_dose, load_days, maint_dose, interval,
         sources) in INDICATIONS:  # fmt: skip
        indications[slug], _ = Indication.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "icd10_codes": codes,
                "usual_loading": loading,
                "usual_maintenance": maintenance,
                "loading_dose_g_per_kg": Decimal(load_dose),
                "loading_days": load_days,
                "maintenance_dose_g_per_kg": Decimal(maint_dose) if maint_dose else None,
                "maintenance_interval_days": interval,
                "sources": sources,
            },
        )
    for indication_slug, indication in indications.items():
        for product_slug, product in products.items():
            ProductIndication.objects.update_or_create(
                product=product,
                indication=indication,
                defaults={
                    "is_labeled": product_slug in LABELED.get(indication_slug, []),
                    "source": "domain reference §2A",
                },
            )
    for product_slug, indication_slug, unit, steps, max_rate, risk_max, source in PROTOCOLS:
        if product_slug not in products:
            continue
        RateProtocol.objects.update_or_create(
            product=products[product_slug],
            indication=indications[indication_slug] if indication_slug else None,
            defaults={
                "unit": unit,
                "steps": steps,
                "max_rate": Decimal(max_rate),
                "risk_max_rate": Decimal(risk_max) if risk_max else None,
                "source": source,
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("therapies", "0001_initial"),
        ("inventory", "0003_seed_ig_catalog"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
