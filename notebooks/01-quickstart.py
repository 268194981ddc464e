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
# # fundsim quickstart
#
# This notebook runs a shipped scenario — the City of Los Angeles facing the
# 2025 federal grant conditions and a possible federal statute — and reads
# its results: the summary table, the outcome of every replication, the event
# log and the figures. It runs in a few seconds.
#
# Every call below is the one the `fundsim run` command makes, so the numbers
# and figures are those the command line writes.

# %%
# %matplotlib inline
import tempfile

import pandas as pd

import sim

# %% [markdown]
# ## 1. Load a scenario
#
# `sim.load` reads a TOML file (or TOML text) and checks it against the
# schema. A bad file raises `sim.ScenarioError`, which lists every problem as
# `FILE: key.path: message (got VALUE)`.

# %%
scenario = sim.load("../scenarios/los-angeles.toml")
print(scenario.scenario.name)
print(scenario.scenario.description)

# %% [markdown]
# Scenario objects are typed and read like the file. An uncertain number is a
# distribution object with a `mean`; fixed numbers are plain floats.


# %%
def typical(value):
    """A fixed number, or the mean of an uncertain one."""
    return getattr(value, "mean", value)


pd.DataFrame([
    {"measure": m.name, "kind": m.kind, "probability (mean)": typical(m.probability),
     "share withheld (mean)": typical(m.withhold_share), "penalises": ", ".join(m.penalises)}
    for m in scenario.measure
])

# %% [markdown]
# ## 2. Run it
#
# `sim.run` simulates every strategy the scenario compares plus a baseline
# with no federal measure, all on the same random draws (common random
# numbers). Options left out take the scenario's own values; here fewer
# replications than the file asks for, to stay quick.

# %%
result = sim.run(scenario, replications=300, seed=1)
result

# %% [markdown]
# ## 3. Read the summary
#
# `result.summary` is a tidy table: one row per strategy, city and metric,
# with the mean, the 5th, 50th and 95th percentiles over replications and a
# 95% confidence interval of the mean. Each metric is described in
# `sim.metrics.METRICS`.

# %%
headline = ["net_fiscal_impact", "federal_withheld", "gap_closing_burden", "floor_breached"]
for name in headline:
    metric = sim.metrics.METRICS[name]
    print(f"{name} ({metric.unit}): {metric.description}")

# %% [markdown]
# In millions of dollars, the mean and, in brackets, the range that holds 90%
# of replications (5th to 95th percentile):

# %%
summary = result.summary.query("metric in @headline")


def millions(row):
    """Mean [p05, p95] in $ millions."""
    return f"{row['mean'] / 1e6:,.1f} [{row['p05'] / 1e6:,.1f}, {row['p95'] / 1e6:,.1f}]"


money = summary.query("metric != 'floor_breached'")
money.assign(text=money.apply(millions, axis=1)).pivot(
    index="strategy", columns="metric", values="text").loc[result.strategies]

# %% [markdown]
# The probability that reserves (net of short-term debt) ever fall below the
# city's reserve floor, with the 95% confidence interval of that estimate:

# %%
summary.query("metric == 'floor_breached'").set_index("strategy").loc[
    result.strategies, ["mean", "ci95_low", "ci95_high"]].round(3)

# %% [markdown]
# ## 4. Every replication
#
# `result.replications` has one row per strategy, replication and city, so
# any other statistic is one pandas expression away — here, the chance that
# a strategy costs the city more than $100 million (present value) against
# the baseline.

# %%
result.replications.head()

# %%
costly = result.replications.assign(costly=lambda t: t["net_fiscal_impact"] < -100e6)
costly.groupby("strategy")["costly"].mean().loc[result.strategies]

# %% [markdown]
# `result.trajectories` holds monthly series (reserves, federal funds
# received and withheld, costs, ...) for the first replications, and
# `result.events` the event log: measures taking effect, suits, rulings.

# %%
first_year = result.trajectories.query("strategy == 'sanctuary' and replication == 0").head(12)
(first_year.set_index("date")[["revenue", "spending", "reserves", "federal_withheld"]]
 / 1e6).round(1)  # $ millions per month; reserves at the month's end

# %%
result.events.groupby(["strategy", "kind"]).size().unstack(fill_value=0)

# %% [markdown]
# ## 5. Figures
#
# `result.plot.<name>()` returns the matplotlib figure the command line saves
# as `figures/<name>.png`; `result.plot.available()` lists those this run can
# draw.

# %%
result.plot.available()

# %%
result.plot.reserves_fan()

# %%
result.plot.net_impact()

# %%
result.plot.federal_funds()

# %% [markdown]
# ## 6. Save and reopen
#
# `result.save()` writes the same run folder as `fundsim run`
# (`results/<scenario>-<UTC time>/` by default; here a temporary folder), and
# `sim.open_results` reads it back into an equal result — so a run made on
# the command line can be studied here too.

# %%
with tempfile.TemporaryDirectory() as scratch:
    folder = result.save(f"{scratch}/los-angeles", figures=False)
    print(sorted(path.name for path in folder.iterdir()))
    again = sim.open_results(folder)
pd.testing.assert_frame_equal(again.replications, result.replications)
again

# %% [markdown]
# ## 7. What if?
#
# `scenario.with_values` changes values by key path — list items by name or
# position — and validates the copy like a file. Here: what if Los Angeles
# started with $1 billion of reserves (the file gives a range, about
# $0.5-0.7 billion)?

# %%
reserves = "city[Los Angeles].budget.reserves"
richer = scenario.with_values({reserves: 1.0e9})
richer_result = sim.run(richer, replications=300, seed=1)
pd.DataFrame({
    "as shipped": result.summary.query("metric == 'floor_breached'").set_index("strategy")["mean"],
    "$1B of reserves": richer_result.summary.query("metric == 'floor_breached'")
                                               .set_index("strategy")["mean"],
}).loc[result.strategies]  # probability that reserves fall below the floor

# %% [markdown]
# A bad value is refused with the same clear message a file would get:

# %%
try:
    scenario.with_values({reserves: -1, "measure[0].probability": 1.5})
except sim.ScenarioError as error:
    print(error)

# %% [markdown]
# Next: [comparing strategies](02-comparing-strategies.ipynb) with paired
# impacts, and a [what-if study](03-what-if-statute.ipynb) that varies the
# probability a federal statute passes.
