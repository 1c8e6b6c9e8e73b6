from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from patients.npi import validate_npi

US_STATE_CODES = [
    "AL",
    "AK",
    "AZ",
    "AR",
    "CA",
    "CO",
    "CT",
    "DE",
    "DC",
    "FL",
    "GA",
    "HI",
    "ID",
    "IL",
    "IN",
    "IA",
    "KS",
    "KY",
    "LA",
    "ME",
    "MD",
    "MA",
    "MI",
    "MN",
    "MS",
    "MO",
    "MT",
    "NE",
    "NV",
    "NH",
    "NJ",
    "NM",
    "NY",
    "NC",
    "ND",
    "OH",
    "OK",
    "OR",
    "PA",
    "RI",
    "SC",
    "SD",
    "TN",
    "TX",
    "UT",
    "VT",
    "VA",
    "WA",
    "WV",
    "WI",
    "WY",
    "PR",
    "VI",
    "GU",
    "AS",
    "MP",
]
US_STATES = [(code, code) for code in US_STATE_CODES]


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class Sex(models.TextChoices):
    """Sex assigned at birth: the Devine ideal-body-weight formula differs by it."""

    FEMALE = "female", _("Female")
    MALE = "male", _("Male")


class Language(models.TextChoices):
    ENGLISH = "en", "English"
    SPANISH = "es", "Español"


class SiteOfCare(models.TextChoices):
    # A context: "Home" is also the site's home page, and Spanish says them differently.
    HOME = "home", pgettext_lazy("site of care", "Home")
    PHYSICIAN_OFFICE = "physician_office", _("Physician's office")
    INFUSION_SUITE = "infusion_suite", _("Ambulatory infusion suite")


class ThrombosisRisk(models.TextChoices):
    """Thrombosis risk factors of the IG boxed warning (domain reference §5A [R6][R12])."""

    IMMOBILIZATION = "immobilization", _("Prolonged immobilization")
    HYPERCOAGULABLE = "hypercoagulable", _("Hypercoagulable state")
    PRIOR_THROMBOSIS = "prior_thrombosis", _("Prior venous or arterial thrombosis")
    ESTROGENS = "estrogens", _("Estrogen use")
    INDWELLING_CATHETER = "indwelling_catheter", _("Indwelling vascular catheter")
    HYPERVISCOSITY = "hyperviscosity", _("Hyperviscosity")
    CARDIOVASCULAR = "cardiovascular", _("Cardiovascular risk factors")


class RenalRisk(models.TextChoices):
    """Renal risk factors of the IVIG boxed warning (domain reference §5A [R7][R12])."""

    RENAL_INSUFFICIENCY = "renal_insufficiency", _("Pre-existing renal insufficiency")
    DIABETES = "diabetes", _("Diabetes mellitus")
    VOLUME_DEPLETION = "volume_depletion", _("Volume depletion")
    SEPSIS = "sepsis", _("Sepsis")
    PARAPROTEINEMIA = "paraproteinemia", _("Paraproteinemia")
    NEPHROTOXIC_DRUGS = "nephrotoxic_drugs", _("Nephrotoxic drugs")


# The boxed warning names advanced age for thrombosis and age over 65 for renal risk;
# both are derived from the date of birth rather than ticked by hand.
RISK_AGE_YEARS = 65


def validate_codes(values: Any, choices: type[models.TextChoices], field: str) -> None:
    if not isinstance(values, list) or any(value not in choices.values for value in values):
        raise ValidationError({field: _("Choose only listed risk factors.")})


class PatientQuerySet(models.QuerySet["Patient"]):
    def search(self, text: str) -> PatientQuerySet:
        """By name, MRN or date of birth (YYYY-MM-DD or MM/DD/YYYY)."""
        text = text.strip()
        if not text:
            return self
        for fmt in ("%Y-%m-%d", "%m/%d/%Y"):
            try:
                born = dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 (a date, no time)
            except ValueError:
                continue
            return self.filter(date_of_birth=born)
        query = Q(mrn__iexact=text)
        for word in text.split():
            query |= Q(first_name__icontains=word) | Q(last_name__icontains=word)
        return self.filter(query)


class Patient(models.Model):
    """A person receiving immunoglobulin from the pharmacy."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    mrn = models.CharField(
        _("MRN"),
        max_length=20,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Z0-9-]{4,20}$", _("Use 4 to 20 capital letters, digits or hyphens.")
            )
        ],
        help_text=_("Medical record number."),
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=10, choices=Sex)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    address_line1 = models.CharField(_("address"), max_length=200)
    address_line2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    city = models.CharField(max_length=100)
    state = models.CharField(max_length=2, choices=US_STATES)
    postal_code = models.CharField(
        max_length=10, validators=[RegexValidator(r"^\d{5}(-\d{4})?$", _("Use a ZIP code."))]
    )
    time_zone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_time_zone]
    )
    preferred_language = models.CharField(max_length=2, choices=Language, default=Language.ENGLISH)
    preferred_site_of_care = models.CharField(
        max_length=20, choices=SiteOfCare, default=SiteOfCare.HOME
    )
    # Reminders are not sent between these local times (both set, or neither).
    quiet_hours_start = models.TimeField(null=True, blank=True)
    quiet_hours_end = models.TimeField(null=True, blank=True)
    allergies = models.TextField(blank=True)
    iga_deficient = models.BooleanField(_("IgA deficiency"), default=False)
    anti_iga_antibodies = models.BooleanField(_("anti-IgA antibodies"), default=False)
    thrombosis_risk_factors = models.JSONField(default=list, blank=True)
    renal_risk_factors = models.JSONField(default=list, blank=True)
    # The brand (inventory product slug) the patient has tolerated. A slug, not a foreign
    # key: patients sits below inventory and must not depend on it.
    tolerated_product_slug = models.SlugField(max_length=80, blank=True)
    last_infusion_on = models.DateField(null=True, blank=True)
    # The patient's own portal login, once invited (null until then).
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="patient_record",
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sex__in=Sex.values), name="patients_patient_sex_valid"
            ),
            models.CheckConstraint(
                condition=Q(preferred_language__in=Language.values),
                name="patients_patient_language_valid",
            ),
            models.CheckConstraint(
                condition=Q(preferred_site_of_care__in=SiteOfCare.values),
                name="patients_patient_site_valid",
            ),
            models.CheckConstraint(
                condition=Q(quiet_hours_start__isnull=True, quiet_hours_end__isnull=True)
                | Q(quiet_hours_start__isnull=False, quiet_hours_end__isnull=False),
                name="patients_patient_quiet_hours_both_or_neither",
            ),
        ]
        indexes = [
            models.Index(fields=["last_name", "first_name"], name="patients_patient_name"),
            models.Index(fields=["date_of_birth"], name="patients_patient_dob"),
        ]
        permissions = [("export_patient", "Can export patient data")]

    def __str__(self) -> str:
        return f"{self.last_name}, {self.first_name} ({self.mrn})"

    def clean(self) -> None:
        super().clean()
        validate_codes(self.thrombosis_risk_factors, ThrombosisRisk, "thrombosis_risk_factors")
        validate_codes(self.renal_risk_factors, RenalRisk, "renal_risk_factors")
        born: dt.date | None = self.date_of_birth  # None when the field itself was invalid
        if born is not None and born > timezone.localdate():
            raise ValidationError({"date_of_birth": _("The date of birth is in the future.")})
        if (self.quiet_hours_start is None) != (self.quiet_hours_end is None):
            raise ValidationError(_("Give both ends of the quiet hours, or neither."))
        if self.anti_iga_antibodies and not self.iga_deficient:
            raise ValidationError(
                {"anti_iga_antibodies": _("Anti-IgA antibodies are recorded with IgA deficiency.")}
            )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def age_on(self, day: dt.date) -> int:
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    @property
    def age(self) -> int:
        return self.age_on(timezone.localdate())

    @property
    def has_thrombosis_risk(self) -> bool:
        return bool(self.thrombosis_risk_factors) or self.age > RISK_AGE_YEARS

    @property
    def has_renal_risk(self) -> bool:
        return bool(self.renal_risk_factors) or self.age > RISK_AGE_YEARS

    def thrombosis_risk_labels(self) -> list[str]:
        return [str(ThrombosisRisk(code).label) for code in self.thrombosis_risk_factors]

    def renal_risk_labels(self) -> list[str]:
        return [str(RenalRisk(code).label) for code in self.renal_risk_factors]


class Measurement(models.Model):
    """Weight (and height, for ideal body weight) on a day. Dosing uses the latest recent one."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="measurements")
    measured_on = models.DateField()
    weight_kg = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("400"))],
    )
    height_cm = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("30")), MaxValueValidator(Decimal("250"))],
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-measured_on", "-id"]
        get_latest_by = ["measured_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weight_kg__gte=Decimal("0.5")) & Q(weight_kg__lte=Decimal("400")),
                name="patients_measurement_weight_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.weight_kg} kg on {self.measured_on}"

    def clean(self) -> None:
        super().clean()
        measured_on: dt.date | None = self.measured_on  # None when the field was invalid
        if measured_on is not None and measured_on > timezone.localdate():
            raise ValidationError({"measured_on": _("The measurement date is in the future.")})


class Prescriber(models.Model):
    """A physician who orders IG; the NPI carries a Luhn check digit (CMS NPI standard)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    npi = models.CharField(_("NPI"), max_length=10, unique=True, validators=[validate_npi])
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    specialty = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    fax = models.CharField(max_length=30, blank=True)

    class Meta:
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return f"Dr. {self.first_name} {self.last_name} (NPI {self.npi})"


class PayerCoverage(models.Model):
    class Rank(models.TextChoices):
        PRIMARY = "primary", _("Primary")
        SECONDARY = "secondary", _("Secondary")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="coverages")
    payer_name = models.CharField(max_length=120)
    member_id = models.CharField(max_length=40)
    rank = models.CharField(max_length=10, choices=Rank, default=Rank.PRIMARY)
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["patient", "rank", "-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rank__in=["primary", "secondary"]), name="patients_coverage_rank_valid"
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | Q(effective_to__gte=models.F("effective_from")),
                name="patients_coverage_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payer_name} ({self.get_rank_display()})"


class PriorAuthorization(models.Model):
    """A payer's approval of IG for a period, by number of infusions and/or grams."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    coverage = models.ForeignKey(
        PayerCoverage, on_delete=models.PROTECT, related_name="authorizations"
    )
    number = models.CharField(max_length=40)
    # Blank: any formulary product. A slug, not a foreign key (patients sits below inventory).
    product_slug = models.SlugField(max_length=80, blank=True)
    approved_from = models.DateField()
    approved_to = models.DateField()
    approved_infusions = models.PositiveIntegerField(null=True, blank=True)
    approved_grams = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    used_infusions = models.PositiveIntegerField(default=0)
    used_grams = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))

    class Meta:
        ordering = ["-approved_to"]
        constraints = [
            models.CheckConstraint(
                condition=Q(approved_to__gte=models.F("approved_from")),
                name="patients_authorization_dates_ordered",
            ),
            models.CheckConstraint(
                condition=Q(approved_infusions__isnull=False) | Q(approved_grams__isnull=False),
                name="patients_authorization_has_a_limit",
            ),
            models.UniqueConstraint(
                fields=["coverage", "number"], name="patients_authorization_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"PA {self.number}"

    @property
    def patient(self) -> Patient:
        return self.coverage.patient

    def days_left(self, on: dt.date) -> int:
        """Days of the approval left from ``on``, counting ``on`` itself."""
        if on < self.approved_from:
            return (self.approved_to - self.approved_from).days + 1
        return max((self.approved_to - on).days + 1, 0)

    @property
    def days_remaining(self) -> int:
        return self.days_left(timezone.localdate())

    @property
    def infusions_left(self) -> int | None:
        if self.approved_infusions is None:
            return None
        return max(self.approved_infusions - self.used_infusions, 0)

    @property
    def grams_left(self) -> Decimal | None:
        if self.approved_grams is None:
            return None
        return max(self.approved_grams - self.used_grams, Decimal("0"))

    def covers(self, *, on: dt.date, product_slug: str, grams: Decimal) -> bool:
        """Approved on that date, for that product, with an infusion and the grams left."""
        if not self.approved_from <= on <= self.approved_to:
            return False
        if self.product_slug and self.product_slug != product_slug:
            return False
        if self.infusions_left is not None and self.infusions_left < 1:
            return False
        grams_left = self.grams_left
        return grams_left is None or grams_left >= grams


class ReminderConsent(models.Model):
    """Consent to reminders by a channel: when, how, and the exact text agreed to."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("Text message")
        PHONE = "phone", _("Phone call")

    class Method(models.TextChoices):
        PORTAL = "portal", _("Patient portal")
        VERBAL = "verbal", _("Verbal, recorded by staff")
        PAPER = "paper", _("Signed paper form")

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="consents")
    channel = models.CharField(max_length=10, choices=Channel)
    method = models.CharField(max_length=10, choices=Method)
    text_version = models.CharField(max_length=40)
    # The exact wording the patient agreed to, as shown (blank for consents recorded before
    # the portal stored it).
    text = models.TextField(blank=True)
    consented_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-consented_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=["email", "sms", "phone"]),
                name="patients_consent_channel_valid",
            ),
            models.CheckConstraint(
                condition=Q(method__in=["portal", "verbal", "paper"]),
                name="patients_consent_method_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} consent ({self.text_version})"


class CareAssignmentQuerySet(models.QuerySet["CareAssignment"]):
    def current(self, on: dt.date) -> CareAssignmentQuerySet:
        return self.filter(visible_from__lte=on, visible_until__gte=on)


class CareAssignment(models.Model):
    """A nurse's access to a patient's chart, granted by a visit she is assigned to.

    The scheduling app maintains these rows through ``patients.services`` (one per visit);
    the chart is visible from the assignment until 90 days after the visit (product.md:
    "a nurse sees only patients on her own visits, past 90 days and future").
    """

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="assignments")
    nurse = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="care_assignments"
    )
    # The visit that grants access, as an opaque key: scheduling sits above patients.
    source = models.CharField(max_length=64)
    visible_from = models.DateField()
    visible_until = models.DateField()

    objects = CareAssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["-visible_until"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "nurse"], name="patients_careassignment_one_per_source"
            ),
        ]
        indexes = [
            models.Index(
                fields=["nurse", "visible_until", "visible_from"],
                name="patients_assignment_nurse",
            )
        ]

    def __str__(self) -> str:
        return f"{self.nurse} → {self.patient_id} until {self.visible_until}"


class PatientInvitationQuerySet(models.QuerySet["PatientInvitation"]):
    def pending(self) -> PatientInvitationQuerySet:
        """Neither used nor revoked (may still have expired: see ``is_usable``)."""
        return self.filter(used_at__isnull=True, revoked_at__isnull=True)


class PatientInvitation(models.Model):
    """A one-time, expiring link that lets a patient set a portal password (issue 7 item 1).

    Only the SHA-256 of the token is stored: a database reader cannot use a link that is
    still pending (ASVS 6.3, like a password-reset token).
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    email = models.EmailField()
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PatientInvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(used_at__isnull=True) | Q(revoked_at__isnull=True),
                name="patients_invitation_used_or_revoked_not_both",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation {self.pk} for patient {self.patient_id}"

    @property
    def is_usable(self) -> bool:
        return self.used_at is None and self.revoked_at is None and self.expires_at > timezone.now()


class EmergencyAccessQuerySet(models.QuerySet["EmergencyAccess"]):
    def active(self, at: dt.datetime | None = None) -> EmergencyAccessQuerySet:
        return self.filter(expires_at__gt=at or timezone.now())


class EmergencyAccess(models.Model):
    """A "break-glass" grant: time-limited access to a chart outside one's care access.

    HIPAA 164.312(a)(2)(i) emergency access procedure: the person gives a reason, the grant
    expires by itself (settings.BREAK_GLASS_DURATION), every use is flagged in the audit
    log and the privacy officer is told (patients.emergency).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="emergency_accesses"
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="emergency_accesses"
    )
    reason = models.TextField()
    granted_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()

    objects = EmergencyAccessQuerySet.as_manager()

    class Meta:
        ordering = ["-granted_at", "-id"]
        verbose_name = "emergency access"
        verbose_name_plural = "emergency accesses"
        indexes = [
            models.Index(fields=["user", "patient", "expires_at"], name="patients_emergency_access")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("granted_at")),
                name="patients_emergency_access_expires_after_grant",
            ),
        ]

    def __str__(self) -> str:
        return f"Emergency access {self.pk} by user {self.user_id} until {self.expires_at}"
