"""The same world with the months in a plain loop: the test oracle of the monthly process.

Before each month's tick, the environment runs every event dated before the
tick (:meth:`simpy.Environment.run` up to it); then the month is accounted.
This is exactly the order the SimPy engine (:func:`sim.model.world.run_simpy`)
produces, so both give identical numbers.
"""

from __future__ import annotations

from sim.model.world import BatchResult, World, collector_paused


def run_reference(world: World) -> BatchResult:
    """Drive the world month by month: events up to each tick, then the month."""
    with collector_paused():
        for m, tick in enumerate(world.plan.calendar.tick_days):
            world.env.run(until=tick)
            world.tick(m)
    result = world.result()
    world.finish()
    return result
