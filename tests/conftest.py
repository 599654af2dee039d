"""Test-wide settings: hypothesis profiles sized for the 2-core CI machine.

``HYPOTHESIS_PROFILE=thorough pytest`` runs many more examples locally.
"""

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "default",
    max_examples=25,
    deadline=None,
    derandomize=True,  # same examples every run: CI is reproducible
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.register_profile("thorough", max_examples=500, deadline=None, derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture
def temp_claims():
    """Register claims for one test and remove them afterwards (``temp_claims(id, check, **meta)``)."""
    from otcheck.claims import register, registry

    added = []

    def add(cid, check, **meta):
        meta.setdefault("location", "test")
        meta.setdefault("statement", "a test claim")
        meta.setdefault("relation", "==")
        register(cid, **meta)(check)
        added.append(cid)
        return registry[cid]

    yield add
    for cid in added:
        registry.pop(cid, None)
