"""factory_boy factories shared by the whole suite."""

from __future__ import annotations

import factory

from coordination.organisation.models import Agency, Official, Role, Zone

TEST_PASSWORD = "correct-horse-battery"


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Agency {n}")
    code = factory.Sequence(lambda n: f"agency-{n}")
    level = Agency.Level.PROVINCE
    timezone = Zone.WIB


class OfficialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Official
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"official{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.test")
    agency = factory.SubFactory(AgencyFactory)
    role = Role.MEMBER
    password = factory.django.Password(TEST_PASSWORD)
