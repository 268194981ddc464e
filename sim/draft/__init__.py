"""Draft a sourced scenario for any US incorporated place or county from bundled public data.

:mod:`~sim.draft.bundle` holds the public data the drafter reads (Census
population estimates, audited financial reports, federal program awards by
county, ACS foreign-born shares, national program obligations, the state-law
table and the current federal record); ``data/README.md`` gives each
dataset's origin, vintage and licence.
"""
