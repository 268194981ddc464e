# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # A budget stress test: reserve funds, the largest cut we can absorb, a recession
#
# The questions a budget office asks after "how much might we lose?", for
# Denver as shipped (`scenarios/denver.toml`):
#
# 1. **Reserve policy.** Denver holds three reserve funds, each with a policy
#    floor. How likely is each to fall below its floor, and for how long?
# 2. **The largest federal cut we can absorb.** How big a uniform loss of
#    federal funds keeps reserves above the policy floor in most futures?
# 3. **A recession on top.** What if a recession starts in the first month,
#    on top of the federal measures (a stress test)?
#
# Every run below uses the same seed, so every strategy, the baseline and the
# stress test meet the same futures (common random numbers).

# %%
# %matplotlib inline
import datetime as dt

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

import sim
from sim.presentation.style import STYLE, share_axis, strategy_colours

mpl.style.use(STYLE)  # our own figures below in fundsim's house style

scenario = sim.load("../scenarios/denver.toml")
(city,) = scenario.city
result = sim.run(scenario, replications=200, seed=1)
result

# %% [markdown]
# ## 1. Reserve funds and their policy floors
#
# The funds as the scenario states them, in drawdown order: gap closing draws
# them in this order before cutting services or borrowing. Floors and targets
# are shares of expenditure; an uncertain balance is shown by its mean.


# %%
def typical(value):
    """A fixed number, or the mean of an uncertain one."""
    return getattr(value, "mean", value)


pd.DataFrame([
    {"fund": f.name, "floor": typical(f.floor), "target": typical(f.target),
     "balance ($M)": None if f.balance is None else typical(f.balance) / 1e6}
    for f in city.budget.fund
])

# %% [markdown]
# `result.funds` has, per strategy and fund, the probability of falling below
# the fund's policy floor at some point of the horizon (`below_floor`), the
# mean months spent below it and their 95th percentile:

# %%
funds = result.funds
funds.pivot(index="fund", columns="strategy", values="below_floor")[result.strategies].round(3)

# %%
funds.pivot(index="fund", columns="strategy", values="months_below")[result.strategies].round(1)

# %%
fig = Figure(figsize=(7.5, 3.2), layout="constrained")
ax = fig.subplots()
colours = strategy_colours(result.strategies)
names = [f.name for f in city.budget.fund]
width = 0.8 / len(result.strategies)
for i, strategy in enumerate(result.strategies):
    mine = funds[funds["strategy"] == strategy].set_index("fund").loc[names]
    ax.barh(np.arange(len(names)) + i * width, mine["below_floor"], height=width,
            color=colours[strategy], label=strategy)
ax.set_yticks(np.arange(len(names)) + 0.4 - width / 2, names)
ax.invert_yaxis()
share_axis(ax, "x")
ax.set_xlabel("Chance of falling below the fund's policy floor within the horizon")
ax.legend(loc="lower right", fontsize=8)
fig

# %% [markdown]
# ## 2. The largest federal cut Denver can absorb
#
# `sim.absorbable_cut` finds, per strategy, the largest uniform cut of every
# federal payment (from the first month, on top of the scenario's measures)
# that keeps reserves net of short-term debt at or above the city's policy
# floor in at least a stated share of futures, by bisection on common random
# numbers, with a 90% Monte Carlo interval. First the usual standard, 90% of
# futures:

# %%
columns = ["strategy", "futures", "cut", "cut_low", "cut_high", "dollars",
           "breached_without_cut"]
strict = sim.absorbable_cut(scenario, 0.9, replications=200, seed=1)
strict[columns].round(3)

# %% [markdown]
# Nothing: `breached_without_cut` says the reserves already fall below the
# floor in more than 10% of futures without any extra cut (revenue noise and
# the scenario's own measures), so no cut keeps the floor in 90% of them. In
# half of the futures the floor holds under a real cut; in dollars a year
# (the cut times the federal funds due):

# %%
even = sim.absorbable_cut(scenario, 0.5, replications=200, seed=1)
even.assign(**{f"{c} ($M/yr)": even[c] / 1e6 for c in ("dollars", "dollars_low", "dollars_high")}
            )[["strategy", "futures", "cut", "cut_low", "cut_high", "dollars ($M/yr)",
               "dollars_low ($M/yr)", "dollars_high ($M/yr)"]].round(3)

# %% [markdown]
# ## 3. A recession on top: a stress test
#
# An optional `[recession]` table adds a macro shock to revenue. With a fixed
# `start` every future has one (a stress test); each kind of revenue falls to
# its `depth` below trend over `decline_months` and recovers over
# `recovery_months` (the defaults, cited in `fundsim schema --markdown`, come
# from the 2008-10 and 2020 declines in city revenue). Through the Python API
# it is one what-if:

# %%
stress = scenario.with_values({"recession": {"start": dt.date(2026, 1, 1)}})
stressed = sim.run(stress, replications=200, seed=1)
stress.recession.depth

# %% [markdown]
# The same futures with and without the recession: the probability of
# breaching the city's reserve floor, reserves at the horizon and the gap
# closed by cuts and taxes (present value), per strategy:

# %%
headline = ["floor_breached", "reserves_end", "gap_closing_burden"]


def means(run):
    """Mean of the headline metrics per strategy, Denver; money in $ millions."""
    rows = run.summary.query("metric in @headline and city == 'Denver'")
    table = rows.pivot(index="strategy", columns="metric", values="mean").loc[
        run.strategies, headline]
    return table.assign(reserves_end=table["reserves_end"] / 1e6,
                        gap_closing_burden=table["gap_closing_burden"] / 1e6)


pd.concat({"as shipped": means(result), "recession in 2026": means(stressed)}, axis=1).round(3)

# %% [markdown]
# And each reserve fund's chance of falling below its floor, with and without
# the recession:

# %%
pd.concat({"as shipped": funds.pivot(index="fund", columns="strategy", values="below_floor"),
           "recession in 2026": stressed.funds.pivot(index="fund", columns="strategy",
                                                     values="below_floor")},
          axis=1).round(3)

# %% [markdown]
# The recession is drawn independently of the federal measures (nothing in
# the record ties grant conditions to the business cycle) and hits every
# strategy and the baseline alike. Its effects do not simply add up, though:
# with reserves already drawn down by the recession, the same withheld federal
# funds force more service cuts and tax increases against the baseline
# (`gap_closing_burden` above), so the strategy choice matters more in a
# downturn.
#
# Next: the loss split by measure (waterfall) is in
# [comparing strategies](02-comparing-strategies.ipynb); `fundsim run
# --absorbable-cut 0.9` and a `[recession]` table in a scenario file give the
# same views in the HTML report.
