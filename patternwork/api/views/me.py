"""Who the caller is: the membership a token or session acts as."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from patternwork.accounts.models import ApiToken
from patternwork.api.views.base import ApiView


class MeSerializer(serializers.Serializer):
    membership = serializers.UUIDField(help_text="The membership the caller acts as.")
    name = serializers.CharField()
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=["therapist", "supervisor", "admin"])
    practice = serializers.UUIDField()
    practice_name = serializers.CharField()
    token_scope = serializers.ChoiceField(
        choices=ApiToken.Scope.values, allow_null=True, help_text="null for a browser session."
    )
    token_expires_at = serializers.DateTimeField(allow_null=True)


class MeView(ApiView):
    @extend_schema(responses=MeSerializer, summary="The caller's membership and token")
    def get(self, request):
        membership = request.membership
        token = request.auth if isinstance(request.auth, ApiToken) else None
        data = {
            "membership": membership.public_id,
            "name": membership.user.full_name,
            "email": membership.user.email,
            "role": membership.role,
            "practice": membership.practice.public_id,
            "practice_name": membership.practice.name,
            "token_scope": token.scope if token else None,
            "token_expires_at": token.expires_at if token else None,
        }
        return Response(MeSerializer(data).data)
