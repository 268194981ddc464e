"""HTML helpers (sim/presentation/pages/html.py)."""

from __future__ import annotations

from sim.presentation import pages


def test_linkify_links_only_web_addresses():
    """Sources get clickable http(s) links; other schemes stay text."""
    html = str(pages.linkify('see https://a.org/x?y=1&z="2" and javascript:alert(1)'))
    assert '<a href="https://a.org/x?y=1&amp;z=' in html
    assert "javascript:alert(1)" in html and 'href="javascript' not in html
