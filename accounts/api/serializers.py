from __future__ import annotations

from rest_framework import serializers

from accounts.models import User


class CurrentUserSerializer(serializers.ModelSerializer[User]):
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["uuid", "email", "first_name", "last_name", "roles"]
        read_only_fields = fields

    def get_roles(self, user: User) -> list[str]:
        return sorted(role.value for role in user.roles)
