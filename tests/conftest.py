"""Shared fixtures: tiny hand-built flow tables and the packaged knowledge base."""

from __future__ import annotations

from pathlib import Path

import pytest

from sidestream.knowledge.base import KnowledgeBase, default_knowledge_base

pytest_plugins = ["tests.dbfixtures"]

HEADER = "id,actor,actor_type,nace,site,lat,lon,direction,resource,category,ewc,quantity,unit,temperature_c,months,visibility,notes"


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return default_knowledge_base()


def write_csv(path: Path, rows: list[str], header: str = HEADER) -> Path:
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def small_region(tmp_path: Path) -> Path:
    """Mo i Rana in miniature: surplus heat, district heating, slag, a fish farm."""
    rows = [
        "s1,Elkem Rana,company,24.10,Mo Industripark,66.3167,14.1300,supply,overskuddsvarme 90 °C,heat,,150,GWh/yr,90,1-12,public,",
        "s2,Celsa Armeringsstål,company,24.10,Mo Industripark,66.3190,14.1250,supply,stålslagg,by-product,10 02 02,60000,t/yr,,1-12,network,",
        "s3,Mo Fiskeoppdrett,company,03.22,Mo,66.3100,14.1500,supply,død fisk,waste,02 01 02,200,t/yr,,1-12,facilitator,",
        "s4,Rana Gruber,company,07.10,Storforshei,66.4000,14.5200,supply,EAF dust,waste,10 02 07*,2000,t/yr,,1-12,private,",
        "d1,Mo Fjernvarme,utility,35.30,Mo i Rana,66.3130,14.1420,demand,fjernvarme 80 °C,heat,,120,GWh/yr,80,1-12,public,",
        "d2,Rana kommune,municipality,84.11,Mo i Rana,66.3120,14.1600,demand,pukk og grus til veibygging,material,,40000,t/yr,,4-10,public,",
        "d3,Helgeland Smolt,company,03.22,Dalsgrenda,66.2800,13.9500,demand,varme 30 °C til settefisk,heat,,5,GWh/yr,30,1-12,network,",
        "d4,Feed mill,company,10.91,Mo i Rana,66.3000,14.1000,demand,fiskefôr råvarer,material,,5000,t/yr,,1-12,network,",
        "d5,Biogass Helgeland,company,35.21,Mo i Rana,66.3300,14.2000,demand,råstoff til biogass,gas,,10000,t/yr,,1-12,network,",
    ]
    return write_csv(tmp_path / "region.csv", rows)
