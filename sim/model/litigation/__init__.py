"""Litigation: suits, courts, legal costs and detention liability.

Modules, in the order a suit meets them:

* :mod:`~sim.model.litigation.parties`: who sues, alone or in coalitions, and when;
* :mod:`~sim.model.litigation.courts`: stages, durations and rulings, drawn for a batch;
* :mod:`~sim.model.litigation.suits`: filings, joins, rulings and injunctions as events;
* :mod:`~sim.model.litigation.costs`: what open suits cost and how coalitions share it;
* :mod:`~sim.model.litigation.liability`: damages for unlawful holds on ICE detainers.

Event kinds written to the event log (stable names, column ``kind``):

* ``suit_filed``: a city becomes a plaintiff at a filing (one row per city).
* ``suit_joined``: a city joins an open suit later (one row per city).
* ``injunction_extended``: an injunction in force is extended to a late member.
* ``injunction_granted`` / ``injunction_denied``: preliminary injunction ruling.
* ``merits_won`` / ``merits_lost``: summary judgment (detail ends ``measure vacated``
  when the ruling sets the measure aside for everyone, 5 U.S.C. 706(2)).
* ``appeal_won`` / ``appeal_lost``: circuit ruling.
* ``certiorari_won`` / ``certiorari_lost``: Supreme Court ruling.
* ``stay_granted``: the circuit or, refused there, the Supreme Court stayed a won
  ruling pending appeal (detail ends with the court); relief waits for the next ruling.
  A refused stay is not an event.
* ``judgment_final``: the last ruling became final (detail ends ``won`` or ``lost``).
* ``funds_forfeited``: a final loss on a statute or a terminated grant made withheld
  funds permanently lost (per city); after a final loss on a grant condition or an
  executive order the funds stay withheld until it is rescinded or the city complies.
* ``damages_paid``: the Court of Federal Claims' final judgment paid a terminated
  grant's withheld money as damages (per city); the grant stays terminated.
* ``suit_withdrawn``: a plaintiff complied and left the suit (per city).
* ``suit_ended``: the measure was rescinded while the suit was open.
* ``funds_released``: withheld funds were paid out (per city, any cause).
"""
