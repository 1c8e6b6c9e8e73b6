"""Who may do what with stock, by role; shared by the pages and the API.

Roles rather than model permissions: the groups' model permissions (accounts.roles) say
what the Django admin may show, while these sets follow the pharmacy's rule for stock data
(nurses see the catalog and lots; pharmacists and inventory admins see the ledger; only
inventory admins receive shipments).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser

from accounts.models import User
from accounts.roles import Role

CATALOG_READERS = frozenset({Role.INVENTORY_ADMIN, Role.PHARMACIST, Role.NURSE})
STOCK_READERS = frozenset({Role.INVENTORY_ADMIN, Role.PHARMACIST})
RECEIVERS = frozenset({Role.INVENTORY_ADMIN})


def has_inventory_role(user: User | AnonymousUser | Any, roles: frozenset[Role]) -> bool:
    """True for an active signed-in user holding one of ``roles``, or a superuser."""
    if not isinstance(user, User) or not user.is_active:
        return False
    return user.is_superuser or bool(user.roles & roles)
