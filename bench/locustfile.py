"""Locust users for bench/load.py: people browsing and searching the directory.

Reads the organisation and partnership ids to visit from the JSON file named by
BENCH_IDS, and the think time from BENCH_WAIT ("min,max" seconds; "0,0" for none).
Run through bench/load.py, which starts the server on 127.0.0.1 and bounds the run.
"""

from __future__ import annotations

import json
import os
import random
import urllib.parse

from locust import HttpUser, between, task

IDS = json.loads(open(os.environ["BENCH_IDS"], encoding="utf-8").read())  # noqa: SIM115
WAIT = [float(x) for x in os.environ.get("BENCH_WAIT", "0.5,1.5").split(",")]
SEARCHES = [
    {"q": "metaal"},
    {"q": "zorg", "province": "PV30"},
    {"q": "installatietechniek", "region": "AM22"},
    {"q": "bouw", "kind": "company", "municipality": "GM0363"},
    {"q": "software", "province": "PV27"},
    {"q": "logistiek", "theme": "logistiek"},
    {"q": "techniek", "what": "partnerships"},
    {"q": "learning community", "what": "partnerships", "province": "PV30"},
    {"q": "eindhoven", "kind": "company"},
    {"q": "energietransitie", "region": "AM28"},
    {"theme": "ict", "province": "PV26"},
    {"what": "partnerships", "kind": "technohub"},
]


class Visitor(HttpUser):
    wait_time = between(*WAIT)

    @task(4)
    def search(self) -> None:
        params = random.choice(SEARCHES)
        self.client.get("/?" + urllib.parse.urlencode(params), name="/?[search]")

    @task(1)
    def browse_directory(self) -> None:
        self.client.get(f"/?page={random.randint(1, 50)}", name="/?page=[n]")

    @task(3)
    def organisation(self) -> None:
        pk = random.choice(IDS["organisations"])
        self.client.get(f"/organisaties/{pk}/", name="/organisaties/[id]/")

    @task(2)
    def partnership(self) -> None:
        pk = random.choice(IDS["partnerships"])
        self.client.get(f"/partnerschappen/{pk}/", name="/partnerschappen/[id]/")
