from rest_framework import serializers

from accounts.models import Membership, Organization


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "slug", "time_zone"]


class MemberSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email")
    name = serializers.CharField(source="user.full_name")
    is_integration = serializers.BooleanField(source="user.is_integration")

    class Meta:
        model = Membership
        fields = ["id", "email", "name", "role", "side", "is_active", "is_integration"]


class MeSerializer(serializers.Serializer):
    member = MemberSerializer()
    organization = OrganizationSerializer(source="member.org")
    capabilities = serializers.ListField(child=serializers.CharField())
