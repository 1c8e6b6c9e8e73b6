from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any, ClassVar, NoReturn

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models, router, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from accounts.exceptions import AuditLogImmutableError
from accounts.revocation import RevocationReason, send_access_revoked
from accounts.roles import STAFF_ROLES, Role


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        # Emails are stored lower-case; people type them however they like.
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: staff or patient. The email address is the login."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("email address"), unique=True)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    is_staff = models.BooleanField(
        _("admin access"),
        default=False,
        help_text=_("Can sign in to the Django admin (inventory admins, superusers)."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # Mixed into the session auth hash: raising it ends every session of this person
    # ("log out everywhere", ASVS 7.4.3/7.4.5; accounts.sessions.end_all_sessions).
    session_epoch = models.PositiveIntegerField(default=0, editable=False)
    # Set by set_unusable_password() until the next save (see save()).
    _password_removed = False

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]
        permissions = [
            ("access_staff_area", "Can open the staff pages"),
            ("access_patient_portal", "Can open the patient portal"),
        ]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.email.strip().lower()

    def set_unusable_password(self) -> None:
        super().set_unusable_password()
        # The admin's "disable password-based authentication": as much a change as a new one.
        self._password_removed = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save; a changed password or a deactivation revokes what the person holds elsewhere.

        ``_password`` is Django's marker of ``set_password()`` since the last save (a hash
        upgrade at login clears it: not a change). The revocations (accounts.revocation)
        run in the same transaction as the save, so neither happens without the other.
        """
        is_new = self._state.adding
        update_fields = kwargs.get("update_fields")
        raw_password_set = getattr(self, "_password", None) is not None
        password_changed = not is_new and (raw_password_set or self._password_removed)
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using):
            deactivated = not is_new and self._is_being_deactivated(update_fields)
            super().save(*args, **kwargs)
            self._password_removed = False
            if password_changed:
                send_access_revoked(self, reason=RevocationReason.PASSWORD_CHANGED)
            if deactivated:
                send_access_revoked(self, reason=RevocationReason.DEACTIVATED)

    def _is_being_deactivated(self, update_fields: Any) -> bool:
        if self.is_active or (update_fields is not None and "is_active" not in update_fields):
            return False
        # One query, only when an inactive account is saved: was it active until now?
        return type(self)._base_manager.filter(pk=self.pk, is_active=True).exists()

    def get_session_auth_hash(self) -> str:
        return self._session_hash(secret=None)

    def get_session_auth_fallback_hash(self) -> Iterator[str]:
        for fallback_secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_hash(secret=fallback_secret)

    def _session_hash(self, *, secret: str | bytes | None) -> str:
        # Django's hash covers the password only; the epoch lets us end sessions without
        # touching the password.
        return salted_hmac(
            "accounts.User.get_session_auth_hash",
            f"{self.password}:{self.session_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email

    def get_short_name(self) -> str:
        return self.first_name or self.email

    @cached_property
    def roles(self) -> frozenset[Role]:
        """The roles this person holds (their groups that are portal roles)."""
        names = {group.name for group in self.groups.all()}
        return frozenset(role for role in Role if role.value in names)

    @property
    def is_staff_member(self) -> bool:
        """Works for the pharmacy: any staff role, or a superuser."""
        return self.is_superuser or bool(self.roles & STAFF_ROLES)

    @property
    def is_patient(self) -> bool:
        return Role.PATIENT in self.roles


class AuditLogQuerySet(models.QuerySet["AuditLogEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AuditLogImmutableError

    def delete(self) -> NoReturn:
        raise AuditLogImmutableError


class AuditLogEntry(models.Model):
    """One security-relevant event: who did what, when, from where. Append-only.

    HIPAA 45 CFR 164.312(b) requires recording activity in systems holding ePHI. Rows can
    only be inserted: the model and queryset refuse updates and deletes, and migration 0003
    adds database triggers that refuse them too (also for raw SQL).
    """

    at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    actor = models.ForeignKey(
        User,
        # Null for anonymous events (a failed login) and named system jobs.
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_entries",
    )
    action = models.CharField(max_length=100, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=255, blank=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    # The patient whose record the event touched (their uuid, not a foreign key: accounts
    # sits below patients). Answers "who looked at my record".
    patient_uuid = models.UUIDField(null=True, blank=True, db_index=True)
    data = models.JSONField(default=dict, blank=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "audit log entry"
        verbose_name_plural = "audit log"
        indexes = [models.Index(fields=["actor", "at"], name="accounts_audit_actor_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditLogImmutableError
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditLogImmutableError


class ApiToken(models.Model):
    """A credential for an integration: acts as its user, through the API only.

    Issue 8 item 4 and HIPAA 45 CFR 164.312(a)(2)(i)/(d): per-user, scoped, expiring and
    revocable. Only a SHA-256 hash of the secret is stored; the secret is shown once at
    creation (accounts.api_tokens). ``prefix`` is the public part, shown in lists and logs.
    """

    class Scope(models.TextChoices):
        READ = "read", _("Read only (GET, HEAD, OPTIONS)")
        WRITE = "write", _("Read and write")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        help_text=_("The token acts as this person, with exactly their access."),
    )
    name = models.CharField(
        _("name"), max_length=100, help_text=_("What the token is for, e.g. the integration.")
    )
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.READ)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="accounts_apitoken_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def clean(self) -> None:
        super().clean()
        # A missing date is reported by the field itself.
        if not self._state.adding or not isinstance(self.expires_at, datetime):
            return
        # Expiring credentials: at most API_TOKEN_MAX_DAYS (settings, default 365).
        max_days = int(settings.API_TOKEN_MAX_DAYS)
        if self.expires_at <= self.created_at:
            raise ValidationError({"expires_at": _("The expiry date must be in the future.")})
        if self.expires_at > self.created_at + timedelta(days=max_days):
            raise ValidationError(
                {"expires_at": _("A token may last at most %(days)s days.") % {"days": max_days}}
            )

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class MfaEnrolmentCode(models.Model):
    """A one-time code mailed to the account's address before its first second-factor device.

    Issue 13 item 9: the password alone no longer enrols a device; the code proves the
    person also holds the account's mailbox (accounts.mfa.enrolment_codes). Only an HMAC of
    the code is stored, keyed with SECRET_KEY, so the database alone cannot give it up. It
    works once (``used_at``), for ``MFA_ENROLMENT_CODE_MINUTES`` (at most 10, ASVS 5.0
    6.5.5), in the session that asked for it (ASVS 6.6.2), for a few tries; a new one
    replaces it (``revoked_at``). Rows stay: the send limit counts them.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="mfa_enrolment_codes")
    code_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(editable=False)
    used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    failed_attempts = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "MFA enrolment code"
        indexes = [
            models.Index(fields=["user", "created_at"], name="accounts_mfacode_user_created")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="accounts_mfacode_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"MFA enrolment code {self.pk}"
