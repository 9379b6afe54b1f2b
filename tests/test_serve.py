"""`datahub serve` behind a reverse proxy believes only that proxy's forwarding headers."""

from __future__ import annotations

from datahub.portal.management.commands.serve import proxy_options


def test_no_proxy_headers_are_trusted_by_default(settings):
    settings.BEHIND_PROXY = False
    assert proxy_options() == {}


def test_behind_a_proxy_only_its_forwarded_for_is_believed(settings):
    settings.BEHIND_PROXY = True
    settings.TRUSTED_PROXY = "10.0.0.5"
    options = proxy_options()
    assert options["trusted_proxy"] == "10.0.0.5"
    assert options["trusted_proxy_headers"] == {"x-forwarded-for", "x-forwarded-proto"}
    assert options["clear_untrusted_proxy_headers"] is True
