"""My education (issue 7 item 5) as template pieces, for pages of apps below content.

The patient's chart (patients) shows read and unread pages without importing content:
its template loads this library instead.
"""

from __future__ import annotations

from typing import Any

from django import template

from content.selectors import my_education
from patients.models import Patient

register = template.Library()


@register.inclusion_tag("content/_my_education.html")
def my_education_list(patient: Patient) -> dict[str, Any]:
    """The patient's picked pages, for the portal home."""
    return {"education": my_education(patient)}


@register.inclusion_tag("content/_education_reads.html")
def education_reads(patient: Patient) -> dict[str, Any]:
    """Read or unread, per picked page, for the coordinator on the chart."""
    return {"education": my_education(patient)}
