from __future__ import annotations

from typing import cast

from rest_framework.generics import RetrieveAPIView

from accounts.api.serializers import CurrentUserSerializer
from accounts.models import User


class CurrentUserView(RetrieveAPIView[User]):
    """The signed-in person and their roles: lets an integration check its credentials."""

    serializer_class = CurrentUserSerializer

    def get_object(self) -> User:
        # IsAuthenticated has run, so this is a real user.
        return cast(User, self.request.user)
