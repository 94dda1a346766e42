"""Synthetic regions for benchmarks and load tests.

Actors cluster around real Nordic towns (weighted by population) and each gets the
flow mix typical of its industry (NACE). Generation is vectorised so that a million
flows take seconds; the output has the shape of a validated flow table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sidestream.domain.months import ALL_MONTHS, parse_months
from sidestream.domain.units import to_canonical
from sidestream.io.flow_table import COLUMNS, DERIVED

# (town, lat, lon, population in thousands) — coordinates of town centres.
TOWNS: list[tuple[str, float, float, float]] = [
    ("Oslo", 59.913, 10.752, 700), ("Bergen", 60.391, 5.322, 290), ("Trondheim", 63.430, 10.395, 210),
    ("Stavanger", 58.970, 5.733, 145), ("Kristiansand", 58.146, 7.996, 115), ("Drammen", 59.744, 10.204, 100),
    ("Fredrikstad", 59.218, 10.930, 85), ("Tromsø", 69.649, 18.956, 78), ("Sandnes", 58.852, 5.735, 80),
    ("Porsgrunn", 59.140, 9.656, 37), ("Skien", 59.209, 9.609, 55), ("Ålesund", 62.472, 6.155, 67),
    ("Bodø", 67.280, 14.405, 53), ("Mo i Rana", 66.313, 14.142, 26), ("Mosjøen", 65.837, 13.190, 10),
    ("Sunndalsøra", 62.675, 8.563, 7), ("Kristiansund", 63.110, 7.728, 24), ("Molde", 62.737, 7.160, 32),
    ("Narvik", 68.438, 17.427, 22), ("Hammerfest", 70.663, 23.682, 11), ("Haugesund", 59.413, 5.268, 45),
    ("Gjøvik", 60.795, 10.692, 31), ("Hamar", 60.794, 11.068, 32), ("Lillehammer", 61.115, 10.466, 28),
    ("Stockholm", 59.329, 18.069, 980), ("Göteborg", 57.709, 11.975, 600), ("Malmö", 55.605, 13.004, 350),
    ("Uppsala", 59.859, 17.639, 240), ("Norrköping", 58.588, 16.192, 145), ("Luleå", 65.584, 22.155, 80),
    ("Umeå", 63.826, 20.263, 130), ("Sundsvall", 62.391, 17.306, 100), ("Gävle", 60.675, 17.141, 100),
    ("Jönköping", 57.783, 14.161, 140), ("Borlänge", 60.485, 15.437, 52), ("Skellefteå", 64.750, 20.950, 75),
    ("Helsingborg", 56.046, 12.694, 150), ("Örnsköldsvik", 63.290, 18.716, 55),
    ("København", 55.676, 12.568, 650), ("Aarhus", 56.163, 10.204, 350), ("Odense", 55.404, 10.402, 205),
    ("Aalborg", 57.048, 9.919, 220), ("Esbjerg", 55.476, 8.459, 115), ("Kalundborg", 55.680, 11.088, 16),
    ("Vejle", 55.709, 9.536, 60), ("Fredericia", 55.566, 9.753, 40),
    ("Helsinki", 60.170, 24.938, 660), ("Tampere", 61.498, 23.761, 250), ("Turku", 60.452, 22.267, 200),
    ("Oulu", 65.012, 25.465, 210), ("Lahti", 60.983, 25.656, 120), ("Kotka", 60.467, 26.946, 52),
    ("Pori", 61.485, 21.797, 83), ("Jyväskylä", 62.242, 25.747, 145), ("Kuopio", 62.893, 27.679, 122),
    ("Reykjavík", 64.147, -21.942, 140), ("Akureyri", 65.683, -18.091, 19),
    ("Arendal", 58.461, 8.772, 45), ("Larvik", 59.053, 10.027, 47), ("Sarpsborg", 59.284, 11.110, 57),
    ("Moss", 59.434, 10.658, 50), ("Tønsberg", 59.267, 10.407, 57), ("Harstad", 68.798, 16.541, 25),
    ("Alta", 69.969, 23.272, 21), ("Steinkjer", 64.014, 11.495, 24), ("Levanger", 63.746, 11.300, 20),
    ("Elverum", 60.881, 11.563, 21), ("Kongsberg", 59.668, 9.650, 28), ("Florø", 61.600, 5.033, 12),
    ("Sandnessjøen", 66.021, 12.631, 6), ("Brønnøysund", 65.474, 12.212, 8), ("Namsos", 64.467, 11.496, 15),
    ("Halden", 59.122, 11.387, 31), ("Egersund", 58.451, 6.002, 15), ("Førde", 61.452, 5.857, 13),
    ("Västerås", 59.611, 16.545, 130), ("Örebro", 59.275, 15.213, 125), ("Linköping", 58.411, 15.622, 165),
    ("Karlstad", 59.403, 13.512, 95), ("Växjö", 56.879, 14.806, 95), ("Halmstad", 56.674, 12.857, 100),
    ("Kalmar", 56.663, 16.356, 70), ("Östersund", 63.179, 14.636, 64), ("Falun", 60.607, 15.630, 60),
    ("Kiruna", 67.856, 20.225, 23), ("Karlskrona", 56.161, 15.587, 66), ("Trollhättan", 58.284, 12.289, 59),
    ("Sandviken", 60.617, 16.775, 39), ("Oxelösund", 58.670, 17.100, 12), ("Stenungsund", 58.070, 11.818, 27),
    ("Randers", 56.461, 10.036, 63), ("Kolding", 55.490, 9.472, 62), ("Horsens", 55.861, 9.850, 60),
    ("Herning", 56.136, 8.977, 50), ("Silkeborg", 56.170, 9.545, 50), ("Næstved", 55.230, 11.761, 45),
    ("Vaasa", 63.096, 21.616, 68), ("Joensuu", 62.601, 29.764, 77), ("Lappeenranta", 61.059, 28.189, 73),
    ("Rovaniemi", 66.503, 25.729, 64), ("Kokkola", 63.838, 23.131, 48), ("Kemi", 65.736, 24.564, 20),
    ("Rauma", 61.128, 21.511, 39), ("Hämeenlinna", 60.996, 24.464, 68), ("Seinäjoki", 62.790, 22.840, 64),
]  # fmt: skip

# Per industry archetype: (NACE, weight, [(direction, resource, category, unit, median, temp)]).
Template = tuple[str, str, str, str, float, float | None]
ARCHETYPES: list[tuple[str, float, list[Template]]] = [
    ("24.10", 1.0, [("supply", "surplus heat 45 °C", "heat", "MWh/yr", 40000, 45),
                    ("supply", "steel slag", "by-product", "t/yr", 60000, None),
                    ("supply", "mill scale", "by-product", "t/yr", 3000, None),
                    ("demand", "steel scrap", "material", "t/yr", 200000, None)]),
    ("24.10", 0.8, [("supply", "ferroalloy slag", "by-product", "t/yr", 40000, None),
                    ("supply", "microsilica", "by-product", "t/yr", 15000, None),
                    ("supply", "overskuddsvarme 90 °C", "heat", "MWh/yr", 120000, 90)]),
    ("35.11", 0.6, [("supply", "fly ash", "by-product", "t/yr", 30000, None),
                    ("supply", "FGD gypsum", "by-product", "t/yr", 80000, None),
                    ("supply", "lavtrykksdamp", "steam", "t/yr", 100000, 150)]),
    ("35.30", 1.0, [("demand", "fjernvarme 80 °C", "heat", "MWh/yr", 60000, 80),
                    ("demand", "wood chips", "material", "t/yr", 30000, None)]),
    ("23.62", 0.4, [("demand", "gypsum", "material", "t/yr", 100000, None)]),
    ("23.51", 0.4, [("demand", "cement raw material", "material", "t/yr", 200000, None),
                    ("supply", "surplus heat 120 °C", "heat", "MWh/yr", 50000, 120)]),
    ("16.10", 1.5, [("supply", "sagflis", "by-product", "t/yr", 8000, None),
                    ("supply", "bark", "by-product", "t/yr", 10000, None),
                    ("demand", "heat 70 °C for drying kilns", "heat", "MWh/yr", 8000, 70)]),
    ("10.20", 1.5, [("supply", "fish offal", "by-product", "t/yr", 6000, None),
                    ("supply", "fiskeslam", "wastewater", "m3/yr", 50000, None),
                    ("demand", "process water", "water", "m3/yr", 200000, None)]),
    ("03.21", 1.5, [("demand", "varme 30 °C til fiskeoppdrett", "heat", "MWh/yr", 4000, 30),
                    ("supply", "dead fish", "waste", "t/yr", 300, None),
                    ("supply", "aquaculture sludge", "by-product", "t/yr", 2000, None),
                    ("demand", "fish feed", "material", "t/yr", 20000, None)]),
    ("01.41", 2.0, [("supply", "husdyrgjødsel", "by-product", "t/yr", 3000, None),
                    ("demand", "fertiliser", "material", "t/yr", 200, None),
                    ("demand", "animal feed", "material", "t/yr", 800, None)]),
    ("11.05", 0.5, [("supply", "brewer's spent grain", "by-product", "t/yr", 5000, None),
                    ("supply", "yeast slurry", "by-product", "t/yr", 800, None),
                    ("supply", "co2 from fermentation", "co2", "t/yr", 2000, None)]),
    ("01.13", 0.8, [("demand", "heat 35 °C for greenhouses", "heat", "MWh/yr", 5000, 35),
                    ("demand", "CO2 for greenhouses", "co2", "t/yr", 500, None)]),
    ("37.00", 0.8, [("supply", "sewage sludge", "waste", "t/yr", 8000, None),
                    ("supply", "wastewater heat", "heat", "MWh/yr", 20000, 12),
                    ("supply", "treated wastewater", "water", "m3/yr", 3000000, None)]),
    ("38.21", 0.6, [("demand", "food waste", "waste", "t/yr", 20000, None),
                    ("supply", "biogas", "gas", "Nm3/yr", 2000000, None),
                    ("supply", "digestate", "by-product", "t/yr", 15000, None)]),
    ("41.20", 1.2, [("supply", "excavated rock", "by-product", "t/yr", 50000, None),
                    ("supply", "concrete rubble", "waste", "t/yr", 5000, None),
                    ("demand", "aggregates", "material", "t/yr", 40000, None)]),
    ("84.11", 1.0, [("demand", "space heating", "heat", "MWh/yr", 3000, 60),
                    ("supply", "household food waste", "waste", "t/yr", 3000, None),
                    ("supply", "garden waste", "waste", "t/yr", 1500, None)]),
    ("86.10", 0.4, [("demand", "space heating 60 °C", "heat", "MWh/yr", 12000, 60)]),
    ("20.15", 0.3, [("supply", "hydrogen", "gas", "t/yr", 2000, None),
                    ("supply", "surplus heat 60 °C", "heat", "MWh/yr", 30000, 60),
                    ("demand", "steam", "steam", "t/yr", 80000, 180)]),
    ("63.11", 0.4, [("supply", "data centre waste heat", "heat", "MWh/yr", 20000, 35)]),
]  # fmt: skip


def synthetic_flows(n: int, seed: int = 1, spread_km: float = 15.0) -> pd.DataFrame:
    """``n`` flows in the shape of a validated flow table (deterministic per seed)."""
    rng = np.random.default_rng(seed)
    towns = np.array([(t[1], t[2]) for t in TOWNS])
    weights = np.array([t[3] for t in TOWNS]) ** 0.8
    weights /= weights.sum()
    arch_w = np.array([a[1] for a in ARCHETYPES])
    arch_w /= arch_w.sum()
    templates: list[tuple[int, Template]] = [(ai, t) for ai, a in enumerate(ARCHETYPES) for t in a[2]]
    tmpl_arch = np.array([ai for ai, _ in templates])
    # Each actor holds the flows of one archetype; draw actors until n flows exist.
    n_actors = max(1, int(n / 2.5))
    actor_arch = rng.choice(len(ARCHETYPES), size=n_actors, p=arch_w)
    actor_town = rng.choice(len(TOWNS), size=n_actors, p=weights)
    # Bigger towns sprawl further (spread grows with the square root of population),
    # and a third of actors are rural: farms, fish farms, quarries and sawmills lie
    # tens of kilometres from the nearest town.
    town_spread = spread_km * np.sqrt(np.array([t[3] for t in TOWNS]) / 100.0).clip(0.6, 3.0)
    rural = rng.random(n_actors) < 0.35
    spread = np.where(rural, 45.0, town_spread[actor_town])
    offset_km = rng.normal(0.0, 1.0, size=(n_actors, 2)) * spread[:, None]
    lat = towns[actor_town, 0] + offset_km[:, 0] / 111.2
    lon = towns[actor_town, 1] + offset_km[:, 1] / (111.2 * np.cos(np.radians(towns[actor_town, 0])))
    # Flow i belongs to actor (i mod n_actors); its template is one of that archetype's.
    actor_of = np.arange(n) % n_actors
    arch_of = actor_arch[actor_of]
    per_arch = [np.flatnonzero(tmpl_arch == ai) for ai in range(len(ARCHETYPES))]
    pick = rng.random(n)
    tmpl_of = np.array([per_arch[a][int(p * len(per_arch[a]))] for a, p in zip(arch_of, pick, strict=True)])
    jitter = rng.lognormal(0.0, 0.6, size=n)
    summer = parse_months("4-9")
    months = np.where(rng.random(n) < 0.15, summer, ALL_MONTHS)
    rows = {
        "id": np.char.add("s-", np.arange(n).astype(str)),
        "actor": np.char.add("Actor ", actor_of.astype(str)),
        "actor_type": np.where(np.isin(arch_of, [15]), "municipality", "company"),
        "nace": np.array([ARCHETYPES[a][0] for a in arch_of]),
        "lat": lat[actor_of] + rng.normal(0, 0.002, n),
        "lon": lon[actor_of] + rng.normal(0, 0.002, n),
    }
    t_dir = np.array([t[1][0] for t in templates])
    t_res = np.array([t[1][1] for t in templates])
    t_cat = np.array([t[1][2] for t in templates])
    t_unit = np.array([t[1][3] for t in templates])
    t_med = np.array([t[1][4] for t in templates])
    t_temp = np.array([np.nan if t[1][5] is None else t[1][5] for t in templates])
    quantity = np.round(t_med[tmpl_of] * jitter, 0)
    factor = {u: to_canonical(1.0, u).canonical_value for u in set(t_unit.tolist())}
    canon = {u: to_canonical(1.0, u).canonical_unit for u in set(t_unit.tolist())}
    frame = pd.DataFrame(
        {
            **rows,
            "site": rows["actor"],
            "direction": t_dir[tmpl_of],
            "resource": t_res[tmpl_of],
            "category": t_cat[tmpl_of],
            "ewc": None,
            "quantity": quantity,
            "unit": t_unit[tmpl_of],
            "temperature_c": t_temp[tmpl_of],
            "months": np.where(months == summer, "4-9", "1-12"),
            "visibility": "network",
            "notes": "",
            "hazardous": None,
            "months_mask": months.astype(np.int64),
            "annual_quantity": quantity * np.array([factor[u] for u in t_unit[tmpl_of]]),
            "annual_unit": np.array([canon[u] for u in t_unit[tmpl_of]]),
            "row": np.arange(n) + 2,
        }
    )
    return frame[COLUMNS + DERIVED]
