"""Output and input shapes of the scheduling API (issue 5 item 12).

Minimum necessary: a visit names its patient and plan by uuid only; a home site carries the
patient's address, so sites are listed only to those who may see that patient.
"""

from __future__ import annotations

from rest_framework import serializers

from scheduling.models import NurseProfile, SiteOfCare, Visit


class SiteSerializer(serializers.ModelSerializer[SiteOfCare]):
    patient = serializers.UUIDField(source="patient.uuid", read_only=True, allow_null=True)

    class Meta:
        model = SiteOfCare
        fields = [
            "uuid", "kind", "name", "patient", "address_line1", "city", "state", "postal_code",
            "time_zone", "chairs", "opening_hours", "is_active",
        ]  # fmt: skip
        read_only_fields = fields


class NurseSerializer(serializers.ModelSerializer[NurseProfile]):
    name = serializers.CharField(source="user.get_full_name", read_only=True)

    class Meta:
        model = NurseProfile
        fields = [
            "uuid", "name", "credential", "licensed_states", "skills", "working_hours",
            "home_city", "home_state", "max_visits_per_day", "is_active",
        ]  # fmt: skip
        read_only_fields = fields


class VisitSerializer(serializers.ModelSerializer[Visit]):
    patient = serializers.UUIDField(source="patient.uuid", read_only=True)
    plan = serializers.UUIDField(source="plan.uuid", read_only=True)
    product = serializers.CharField(source="plan.product.slug", read_only=True, allow_null=True)
    site = serializers.UUIDField(source="site.uuid", read_only=True)
    site_name = serializers.CharField(source="site.name", read_only=True)
    site_city = serializers.CharField(source="site.city", read_only=True)
    nurse = serializers.UUIDField(source="nurse.uuid", read_only=True, allow_null=True)
    nurse_name = serializers.SerializerMethodField()
    local_start = serializers.DateTimeField(read_only=True)
    time_zone = serializers.CharField(source="patient.time_zone", read_only=True)

    class Meta:
        model = Visit
        fields = [
            "uuid", "patient", "plan", "product", "course_number", "day_number", "site",
            "site_name", "site_city", "nurse", "nurse_name", "starts_at", "ends_at",
            "local_start", "time_zone", "expected_minutes", "dose_g", "status", "cancel_reason",
            "version",
        ]  # fmt: skip
        read_only_fields = fields

    def get_nurse_name(self, visit: Visit) -> str | None:
        return None if visit.nurse is None else str(visit.nurse)


class ConflictSerializer(serializers.Serializer[object]):
    code = serializers.CharField()
    blocking = serializers.BooleanField()
    message = serializers.CharField()


class VersionSerializer(serializers.Serializer[object]):
    """Optimistic locking: the version the client read; omitted means "whatever it is now"."""

    version = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class CancelSerializer(VersionSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
