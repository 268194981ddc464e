"""The same world without SimPy: a plain loop, the test oracle and speed ceiling.

Before each month's tick, every replication's events dated before the tick
are applied in agenda order; then the month is accounted.  This is exactly
the order the SimPy engine (:func:`sim.model.world.run_simpy`) produces, so
both give identical numbers.
"""

from __future__ import annotations

from sim.model.world import BatchResult, World, collector_paused


def run_reference(world: World) -> BatchResult:
    """Drive the world month by month with no event scheduler."""
    with collector_paused():
        for m, tick in enumerate(world.plan.calendar.tick_days):
            for r, agenda in enumerate(world.agendas):
                while agenda and agenda.next_day < tick:
                    day, _, kind, payload = agenda.pop()
                    world.apply(r, day, kind, payload)
            world.tick(m)
    return world.result()
