"""Build app/shop/shipping/data/old_areas.json: each commune after the July 2025 reform → the pre-reform
province, district and ward carriers' APIs may still ask for.

Source: vietnam-provinces itself. Its 2025 data (installed) gives the 3,321 new communes; its last pre-reform
release, 0.6.0 (January 2025), gives the 10,051 old wards with their districts and provinces. The General
Statistics Office kept, for each new commune, the code of one of the wards merged into it (the seat), so the old
ward with the same code names the old district and province. Communes whose code is new have no old ward and are
listed under "unmapped" (see docs/shipping.md).

    pip download vietnam-provinces==0.6.0 --no-deps -d /tmp/vp && unzip -o /tmp/vp/*.whl -d /tmp/vp/old
    python tools/build_carrier_areas.py /tmp/vp/old/vietnam_provinces/data/nested-divisions.json
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from vietnam_provinces import NESTED_DIVISIONS_JSON_PATH

OUT = Path(__file__).resolve().parent.parent / "app" / "shop" / "shipping" / "data" / "old_areas.json"


def main(old_path: str) -> None:
    old = json.loads(Path(old_path).read_text(encoding="utf-8"))
    wards = {}
    for province in old:
        for district in province["districts"]:
            for ward in district["wards"]:
                wards[ward["code"]] = [province["code"], province["name"], district["code"], district["name"],
                                       ward["code"], ward["name"]]
    new = json.loads(NESTED_DIVISIONS_JSON_PATH.read_text(encoding="utf-8"))
    mapped, unmapped = {}, []
    for province in new:
        for ward in province["wards"]:
            if ward["code"] in wards:
                mapped[str(ward["code"])] = wards[ward["code"]]
            else:
                unmapped.append([ward["code"], ward["name"], province["name"]])
    OUT.write_text(json.dumps({"source": "vietnam-provinces 0.6.0 (old wards) and 2025.10.1 (communes)",
                               "fields": ["province_code", "province", "district_code", "district", "ward_code",
                                          "ward"], "communes": mapped, "unmapped": unmapped},
                              ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(f"{len(mapped)} communes mapped, {len(unmapped)} without an old ward: {OUT}")


if __name__ == "__main__":
    main(sys.argv[1])
