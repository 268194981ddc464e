"""Who sues: litigant groups (coalitions and cities alone), their members, when they file.

Litigant groups (axis ``G``) are the coalitions of ``[[litigation.coalition]]``
first, then one group per city suing alone (group ``K + c`` for city ``c``,
``K`` coalitions).  For every measure that happens, each group that
challenges it files one suit ``filing_delay_days`` after the measure's
effective date (negative: before it, as San Francisco did on 2025-02-07).
A coalition files if one of its founding members holds a grant the measure
targets; late members join after the filing.

A state-led suit (a coalition with ``states``) stands for the cities located
in its states: they are its founding members over the measures against states
it challenges, so the relief the states win protects the money passed through
to them, under every strategy (the state sues whatever the city does), and its
costs are the states' own (nothing is charged to the cities).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.litigation.costs import CostInputs, sample_costs
from sim.model.litigation.courts import CourtInputs, sample_courts
from sim.model.plan import Parameters, Plan
from sim.scenario import LITIGATED_KINDS, Coalition, Scenario, SuitHistory


def suing_strategies(scenario: Scenario, strategies: tuple[str, ...]) -> np.ndarray:
    """(S,) whether penalised cities sue under each strategy (never the baseline)."""
    table = scenario.strategy_table()
    chosen = scenario.litigation.strategies
    sues = [False]
    for name in strategies[1:]:
        # By default a jurisdiction that keeps any limit on cooperation defends it in
        # court when a measure penalises it; one that cooperates fully has nothing to defend.
        sues.append(name in chosen if chosen is not None
                    else table[name].compliance != "full")
    return np.array(sues)


def _claims_money(coalition: Coalition, scenario: Scenario) -> bool:
    """Whether a coalition challenges terminations only, and so sues under every strategy.

    Such a suit claims money a terminated grant owed, which goes to the Court of Federal
    Claims (28 U.S.C. 1491, the Tucker Act) and rests on the grant agreement, not on the
    city's policy: complying does not cure a termination (New York City v. Trump over
    FEMA's Shelter and Services clawback is such a claim), so it is brought under every
    strategy exposed to measures, full compliance too.
    """
    kinds = {m.name: m.kind for m in scenario.measure}
    return bool(coalition.measures) and all(kinds[name] == "termination"
                                            for name in coalition.measures)


@dataclass(frozen=True)
class LegalInputs:
    """Litigant groups and litigation parameters for a batch of replications."""

    groups: tuple[str, ...]
    """Names of the litigant groups: coalitions, then each city alone."""
    coalitions: int
    """Number of coalitions ``K`` (the first groups)."""
    sues: np.ndarray
    """(S,) whether cities sue under the strategy."""
    group_sues: np.ndarray
    """(G, S) whether the group sues under the strategy: ``sues``, except a state-led
    suit and a coalition's suit over terminations only (:func:`_claims_money`), which
    every strategy exposed to measures has."""
    universal: bool
    """Injunction scope: every jurisdiction (else only the parties)."""
    group_of: np.ndarray
    """(M, C) the group in which each city sues over each measure."""
    founders: np.ndarray
    """(G, C) members suing from the filing (a lone city: itself)."""
    late: tuple[tuple[tuple[int, np.ndarray, np.ndarray | None], ...], ...]
    """Per coalition: (city, (R,) days after filing it joins, (R,) days from joining to
    the extension or None for the coalition's ``extension``) of each late member."""
    filed: np.ndarray
    """(G,) day the group's suits were filed, from its history (NaN: drawn from each
    measure's date and the filing delay)."""
    history: tuple[SuitHistory | None, ...]
    """Per coalition: what its suits had done by the start (None: nothing stated)."""
    challenges: np.ndarray
    """(G, M) whether the group sues over the measure."""
    effective: np.ndarray
    """(R, M) effective day of each measure, not clipped at the start."""
    delay: np.ndarray
    """(R, G) days from a measure's effective date to the group's filing."""
    extension: np.ndarray
    """(R, G) days from a late member's joining to the injunction's extension."""
    courts: CourtInputs
    """How courts rule on each group's suits."""
    costs: CostInputs
    """What each group's suits cost and how coalitions share it."""


def sample_legal(plan: Plan, params: Parameters, first_day: int) -> LegalInputs:
    """Litigant groups and litigation parameters of a batch of replications."""
    scenario = plan.scenario
    litigation = scenario.litigation
    coalitions = litigation.coalition
    K, C, M = len(coalitions), len(plan.cities), len(plan.measures)
    city_index = {name: c for c, name in enumerate(plan.cities)}
    measure_index = {name: m for m, name in enumerate(plan.measures)}
    challenges = np.zeros((K + C, M), bool)
    challenges[K:] = True
    founders = np.zeros((K + C, C), bool)
    founders[K:] = np.eye(C, dtype=bool)
    group_of = np.broadcast_to(K + np.arange(C), (M, C)).copy()
    late = []
    for k, coalition in enumerate(coalitions):
        measures = [measure_index[n] for n in coalition.measures] or [
            m for m, measure in enumerate(scenario.measure)
            if measure.states or not coalition.states]
        challenges[k, measures] = True
        members = [city_index[n] for n in coalition.members] + [
            c for c, city in enumerate(scenario.city) if city.state in coalition.states]
        founders[k, members] = True
        joined = members + [city_index[j.city] for j in coalition.late_members]
        group_of[np.ix_(measures, joined)] = k
        late.append(tuple(_late_member(params, coalition, i) for i in
                          range(len(coalition.late_members))))
    challenges[K:] = (group_of == K + np.arange(C)[None, :]).T
    if litigation.sue_alone is not None:
        alone = [city_index[name] for name in litigation.sue_alone]
        challenges[K:] &= np.isin(np.arange(C), alone)[:, None]
    # Nobody sues over a funding lapse: the payments come when it ends.
    challenges[:, [m.kind not in LITIGATED_KINDS for m in scenario.measure]] = False
    delay = np.repeat(params.per_replication("litigation.filing_delay_days",
                                             litigation.filing_delay_days)[:, None], K + C, 1)
    extension = np.zeros_like(delay)
    for k, coalition in enumerate(coalitions):
        prefix = f"litigation.coalition[{coalition.name}]"
        if coalition.filing_delay_days is not None:
            delay[:, k] = params.per_replication(f"{prefix}.filing_delay_days",
                                                 coalition.filing_delay_days)
        extension[:, k] = params.per_replication(f"{prefix}.extension_days",
                                                 coalition.extension_days)
    filed = np.full(K + C, np.nan)
    for k, coalition in enumerate(coalitions):
        if coalition.history is not None:
            filed[k] = coalition.history.filed.toordinal() - first_day
    sues = suing_strategies(scenario, plan.strategies)
    group_sues = np.repeat(sues[None], K + C, axis=0)
    group_sues[[bool(c.states) or _claims_money(c, scenario) for c in coalitions]
               + [False] * C] = plan.exposed
    return LegalInputs(
        groups=tuple([c.name for c in coalitions] + list(plan.cities)),
        coalitions=K,
        sues=sues,
        group_sues=group_sues,
        universal=litigation.scope == "universal",
        group_of=group_of,
        founders=founders,
        late=tuple(late),
        filed=filed,
        history=tuple(c.history for c in coalitions),
        challenges=challenges,
        effective=params.per_measure("effective") - first_day,
        delay=np.rint(delay),
        extension=np.rint(extension),
        courts=sample_courts(scenario, params, K + C),
        costs=sample_costs(scenario, params, group_of),
    )


def _late_member(params: Parameters, coalition: Coalition,
                 i: int) -> tuple[int, np.ndarray, np.ndarray | None]:
    """(city index, days after filing it joins, days to its extension or None) of a member.

    From the coalition's history where it states them, else drawn (the join).
    """
    member = coalition.late_members[i]
    city = params.plan.cities.index(member.city)
    history = coalition.history
    joined = {j.city: j.date for j in history.joined} if history else {}
    extended = {j.city: j.date for j in history.extended} if history else {}
    if member.city in joined:
        after = np.full(params.size, float((joined[member.city] - history.filed).days))
        extension = (np.full(params.size, float((extended[member.city]
                                                 - joined[member.city]).days))
                     if member.city in extended else None)
        return city, after, extension
    path = f"litigation.coalition[{coalition.name}].late_members[{i}].join_after_days"
    return city, np.rint(params.per_replication(path, member.join_after_days)), None


def suing_groups(inputs: LegalInputs, plan: Plan) -> np.ndarray:
    """(G, M) whether the group sues over the measure (when it happens).

    A group sues if it challenges the measure, one of its members (founding or
    late: the court extends its injunction to late members) holds a grant the
    measure targets, and some strategy sues in it.
    """
    targeted = plan.targeted.any(axis=2)
    members = np.zeros(inputs.founders.shape, bool)
    members[np.clip(inputs.group_of, 0, None), np.arange(inputs.group_of.shape[1])[None]] = True
    suing = ((members.astype(np.int64) @ targeted.T.astype(np.int64)) > 0
             ) & inputs.challenges
    suing &= inputs.group_sues.any(axis=1)[:, None]
    return suing
