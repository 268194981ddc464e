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
# # Comparing strategies for one city: paired impacts and their uncertainty
#
# Philadelphia may keep its sanctuary policy, cooperate partly, or cooperate
# fully with immigration enforcement. Which choice costs the city less, and
# how sure can we be?
#
# fundsim runs every strategy on **common random numbers**: replication *i*
# of every strategy (and of the no-measure baseline) sees the same draws —
# whether each federal measure happens and when, how much it withholds, how
# the courts rule, how revenue moves. The difference between two strategies
# *in the same replication* is therefore the effect of the choice alone, and
# averaging those paired differences estimates it far more precisely than
# comparing two independent averages.

# %%
# %matplotlib inline
import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

import sim
from sim.analysis.decision_support import robustness
from sim.presentation.pages import mean_difference
from sim.presentation.style import STYLE, money_axis, strategy_colours

mpl.style.use(STYLE)  # our own figures below in fundsim's house style

# %%
scenario = sim.load("../scenarios/philadelphia.toml")
result = sim.run(scenario, replications=500, seed=7)
result

# %% [markdown]
# ## 1. One row per replication, one column per strategy
#
# `net_fiscal_impact` is already measured against the baseline, replication
# by replication: the present value of the change in the city's operating
# balance (negative is a cost). Pivoting puts the strategies side by side.

# %%
strategies = [s for s in result.strategies if s != "baseline"]
impact = result.replications.pivot(index="replication", columns="strategy",
                                   values="net_fiscal_impact")[strategies]
(impact / 1e6).describe(percentiles=[0.05, 0.5, 0.95]).round(1)  # $ millions

# %% [markdown]
# ## 2. Paired differences
#
# For each alternative against the current policy (`sanctuary`), the mean
# difference and its 95% confidence interval, computed two ways: **paired**
# (the t interval of the per-replication differences, which common random
# numbers make valid) and **unpaired** (Welch's interval, as if the two
# strategies had been simulated on independent draws). Both estimate the
# same mean; the paired one is usually much tighter because the shared
# risks cancel out.

# %%
current = "sanctuary"


def compare(a, b):
    """Paired and unpaired 95% intervals of mean(b - a), in $ millions."""
    paired = mean_difference(impact[a], impact[b], paired=True)
    unpaired = mean_difference(impact[a], impact[b], paired=False)
    return {
        "comparison": f"{b} - {a}",
        "mean difference": paired.estimate / 1e6,
        "paired 95% CI": f"[{paired.low / 1e6:,.1f}, {paired.high / 1e6:,.1f}]",
        "unpaired 95% CI": f"[{unpaired.low / 1e6:,.1f}, {unpaired.high / 1e6:,.1f}]",
        "paired half-width": (paired.high - paired.low) / 2e6,
        "unpaired half-width": (unpaired.high - unpaired.low) / 2e6,
        "better in (share of replications)": (impact[b] > impact[a]).mean(),
        "worse in (share of replications)": (impact[b] < impact[a]).mean(),
    }


pairs = pd.DataFrame([compare(current, other) for other in strategies if other != current])
pairs.round(2)

# %% [markdown]
# The interval says how precisely the *mean* difference is known; the spread
# of the differences themselves says how much the answer depends on what
# happens. Both matter: a strategy can be better on average and still worse
# in a sizeable share of futures.

#
# Below, each curve sorts one alternative's paired differences: read across
# at zero to see in what share of futures it does worse than `sanctuary`
# (left of the line) or better (right of it), and how much is at stake in
# the tails.

# %%
colours = strategy_colours(result.strategies)
others = [s for s in strategies if s != current]
fig = Figure(figsize=(7, 3.8), layout="constrained")
ax = fig.subplots()
share = np.arange(1, len(impact) + 1) / len(impact)
for other in others:
    differences = np.sort(impact[other] - impact[current])
    ax.step(differences, share, where="post", color=colours[other], lw=1.8,
            label=f"{other} minus {current} (mean {differences.mean() / 1e6:,.0f} $M)")
ax.axvline(0, color="black", lw=0.8)
ax.set_xscale("symlog", linthresh=1e6)
low, high = ax.get_xlim()
powers = [10.0**k for k in range(6, 13)]
ax.set_xticks([t for t in [-p for p in powers[::-1]] + [0] + powers if low <= t <= high])
ax.set_xlim(low, high)
money_axis(ax, "x")
ax.set_xlabel("Paired difference in net fiscal impact (USD, PV; positive: better; "
              "symmetric log scale)")
ax.set_ylabel("Share of replications at or below")
ax.set_title("Paired differences against the current policy")
ax.legend(loc="upper left")
fig

# %% [markdown]
# ## 3. How many replications are enough?
#
# Replications are independent, so the first *n* of them are a run of *n*.
# The paired interval narrows like one over the square root of *n*, and from
# a smaller starting width than the unpaired one.

# %%
sizes = [50, 100, 200, 300, 500]
widths = []
for n in sizes:
    first = impact.iloc[:n]
    for other in others:
        for paired in (True, False):
            interval = mean_difference(first[current], first[other], paired=paired)
            widths.append({"replications": n, "comparison": f"{other} - {current}",
                           "interval": "paired" if paired else "unpaired",
                           "half-width": (interval.high - interval.low) / 2})
widths = pd.DataFrame(widths)

fig = Figure(figsize=(6.5, 3.6), layout="constrained")
ax = fig.subplots()
for (comparison, kind), rows in widths.groupby(["comparison", "interval"]):
    other = comparison.split(" - ")[0]
    ax.plot(rows["replications"], rows["half-width"], marker="o", color=colours[other],
            ls="-" if kind == "paired" else ":", label=f"{comparison}, {kind}")
money_axis(ax)
ax.set_xlabel("Replications")
ax.set_ylabel("Half-width of the 95% CI (USD)")
ax.set_title("Precision of the mean difference")
ax.legend(fontsize=8)
fig

# %% [markdown]
# ## 4. Robustness across futures
#
# `sim.analysis.decision_support.robustness` ranks the strategies over the same sampled
# futures: the expected impact, the mean of the worst 5% (CVaR), and the
# regret — how much worse each strategy did than the best one *in the same
# replication*, which again relies on the pairing.

# %%
ranking = robustness(result.replications)
money = ["expected", "p05", "p95", "cvar05", "max_regret", "mean_regret"]
ranking.assign(**{c: ranking[c] / 1e6 for c in money}).round(1)  # $ millions

# %% [markdown]
# ## 5. The run's own figures
#
# The same comparison as the report draws it: the distribution of net fiscal
# impact per strategy with the probability of breaching the reserve floor,
# and what each strategy costs, by component.

# %%
result.plot.net_impact()

# %%
result.plot.cost_breakdown()

# %% [markdown]
# Every number above comes from one run with one seed. Another seed gives
# another estimate of each mean difference; the 95% interval says how far
# such re-estimates typically stray. Here is the first comparison again with
# seed 8:

# %%
check = sim.run(scenario, replications=500, seed=8, strategies=others[:1] + [current])
again = check.replications.pivot(index="replication", columns="strategy",
                                 values="net_fiscal_impact")
first_pair = mean_difference(again[current], again[others[0]], paired=True)
print(f"{others[0]} - {current} with seed 8: {first_pair.estimate / 1e6:,.1f} "
      f"[{first_pair.low / 1e6:,.1f}, {first_pair.high / 1e6:,.1f}] $ millions")
print("seed 7:", pairs.loc[0, "paired 95% CI"])

# %% [markdown]
# ## 6. Which measure costs what?
#
# `sim.loss_by_measure` splits each strategy's net fiscal impact into what the
# strategy costs with every federal measure switched off, what each measure
# costs when it is the only one, and their interaction (what the measures do
# together beyond the sum of each alone). It reruns the scenario once per
# measure and once without measures, on the same seed and replications, so
# every part is paired like the comparisons above; the parts add up to the
# total exactly.

# %%
split = sim.loss_by_measure(result)
by_part = split[split["city"] == "Philadelphia"].pivot(index="part", columns="strategy",
                                                       values="mean")
(by_part.loc[split.drop_duplicates("part").sort_values("position")["part"], strategies]
 / 1e6).round(1)  # $ millions

# %%
result.plot.loss_by_measure()
