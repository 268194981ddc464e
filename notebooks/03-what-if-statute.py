# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # What if the statute passes? Varying one parameter
#
# Philadelphia's scenario includes the No Bailout for Sanctuary Cities Act
# (H.R. 32), which would cut the funds a jurisdiction that limits cooperation
# intends to use for people unlawfully present. Whether Congress passes it
# before the 119th Congress ends is uncertain: the scenario derives a Beta(1,
# 39) probability, a mean of 2.5%, from its status (in committee since January
# 2025). How much would the answer change if it were far likelier?
#
# This notebook fixes that probability at values from 0 to 1, runs the
# scenario at each one, and plots how each strategy's outcome responds. Each
# point uses the same seed, so every point sees the same draws (common random
# numbers): the curves are smooth and differences between points reflect the
# parameter, not sampling noise.

# %%
# %matplotlib inline
import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

import sim
from sim.presentation.style import STYLE, money_axis, share_axis, strategy_colours

mpl.style.use(STYLE)  # our own figures below in fundsim's house style

# %% [markdown]
# ## 1. The parameter and its assumed value
#
# Values are named by key path, list items by name; `value_at` reads one,
# `with_values` makes a validated copy with new ones.

# %%
base = sim.load("../scenarios/philadelphia.toml")
statute = "measure[No Bailout for Sanctuary Cities Act].probability"
assumed = base.value_at(statute)
print(f"{statute} = {assumed!r}")
print(f"mean {assumed.mean:.2f}; source: {base.measure[-1].source_of('probability')}")

# %% [markdown]
# ## 2. Run the scenario at each value
#
# 300 replications per point keep the sweep within a few seconds; the
# confidence intervals below show what that buys.

# %%
probabilities = np.round(np.linspace(0, 1, 6), 2)
replications, seed = 300, 11
runs = {p: sim.run(base.with_values({statute: p}), replications=replications, seed=seed)
        for p in probabilities}
as_assumed = sim.run(base, replications=replications, seed=seed)
strategies = [s for s in as_assumed.strategies if s != "baseline"]


def response(result, metric):
    """Mean and 95% CI of a metric per strategy (all replications, the one city)."""
    rows = result.summary.query("metric == @metric and strategy != 'baseline'")
    return rows.set_index("strategy")[["mean", "ci95_low", "ci95_high"]]


sweep = pd.concat({p: response(run, "net_fiscal_impact") for p, run in runs.items()},
                  names=["probability"])
(sweep["mean"].unstack() / 1e6).round(1)  # expected net fiscal impact, $ millions

# %% [markdown]
# ## 3. The response
#
# Left: the expected net fiscal impact (present value against the baseline;
# negative is a cost) with its 95% confidence band. Right: the probability
# that reserves net of debt fall below the city's floor at least once. The
# dotted line marks the scenario's own assumption (the mean of its Beta
# distribution) and the diamonds the run that samples the probability from
# that distribution.

# %%
colours = strategy_colours(as_assumed.strategies)
breach = pd.concat({p: response(run, "floor_breached") for p, run in runs.items()},
                   names=["probability"])
assumed_impact = response(as_assumed, "net_fiscal_impact")
assumed_breach = response(as_assumed, "floor_breached")

fig = Figure(figsize=(10, 4), layout="constrained")
left, right = fig.subplots(1, 2)
for strategy in strategies:
    colour = colours[strategy]
    impact = sweep.xs(strategy, level="strategy")
    left.plot(impact.index, impact["mean"], marker="o", color=colour, label=strategy)
    left.fill_between(impact.index, impact["ci95_low"], impact["ci95_high"], color=colour,
                      alpha=0.2, lw=0)
    left.plot(assumed.mean, assumed_impact.loc[strategy, "mean"], marker="D", color=colour,
              markeredgecolor="black", ls="none")
    risk = breach.xs(strategy, level="strategy")
    right.plot(risk.index, risk["mean"], marker="o", color=colour, label=strategy)
    right.fill_between(risk.index, risk["ci95_low"], risk["ci95_high"], color=colour,
                       alpha=0.2, lw=0)
    right.plot(assumed.mean, assumed_breach.loc[strategy, "mean"], marker="D", color=colour,
               markeredgecolor="black", ls="none")
for ax in (left, right):
    ax.axvline(assumed.mean, color="black", ls=":", lw=1, label="scenario's assumption (mean)")
    ax.set_xlabel("Probability that the statute passes")
    share_axis(ax, "x")
money_axis(left)
share_axis(right)
left.axhline(0, color="black", lw=0.6)
left.set_ylabel("Expected net fiscal impact (USD, PV)")
right.set_ylabel("P(reserves below floor at least once)")
left.set_title("Cost against the no-measure baseline")
right.set_title("Risk of breaching the reserve floor")
left.legend(loc="lower left")
fig.suptitle(f"{base.scenario.name}: response to the statute's probability "
             f"({replications} replications per point)")
fig

# %% [markdown]
# ## 4. Which strategy is preferred, and where does that change?
#
# Within each point, strategies are compared on the same replications, so the
# paired difference against the current policy is measured precisely. A sign
# change along the sweep is a break-even probability: above it, the preferred
# strategy changes.

# %%
current = "sanctuary"


def paired_gap(result, other):
    """Mean of (other - current) net fiscal impact over the same replications, $ millions."""
    wide = result.replications.pivot(index="replication", columns="strategy",
                                     values="net_fiscal_impact")
    return (wide[other] - wide[current]).mean() / 1e6


gaps = pd.DataFrame({other: [paired_gap(runs[p], other) for p in probabilities]
                     for other in strategies if other != current}, index=probabilities)
gaps.index.name = "probability"
gaps.round(1)  # positive: better than sanctuary on average

# %%
means = sweep["mean"].unstack()
best = means.apply(lambda row: ", ".join(row.index[row >= row.max() - 1.0]), axis=1)
best.rename("highest expected net fiscal impact (ties within $1)").to_frame()

# %% [markdown]
# The same pattern works for any number in a scenario: reserves
# (`"city[Philadelphia].budget.reserves"`), the share a measure withholds
# (`"measure[No Bailout for Sanctuary Cities Act].withhold_share"`), a
# grant's amount (`"city[Philadelphia].grant[Byrne JAG].amount"`). A value
# the schema refuses raises `sim.ScenarioError` naming the path and the
# value, before anything runs:

# %%
try:
    base.with_values({statute: 1.2})
except sim.ScenarioError as error:
    print(error)
