#!/usr/bin/env python3
"""Build passnum/geography/data/cog-2026.json.gz from the npm package @etalab/decoupage-administratif.

    python scripts/build_geography.py                  # npm pack the pinned version into a temp dir
    python scripts/build_geography.py --from /tmp/dec  # an unpacked package (folder with data/)

Keeps only what passnum uses: régions and départements of metropolitan France and the five DROM
(the COM — Saint-Pierre-et-Miquelon, Saint-Barthélemy, Saint-Martin, TAAF, Wallis-et-Futuna,
Polynésie française, Nouvelle-Calédonie, Clipperton — are left out), EPCI, current communes and the
45 arrondissements municipaux of Paris, Lyon and Marseille. The output is deterministic: the same
package gives the same bytes.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

PACKAGE = "@etalab/decoupage-administratif"
VERSION = "6.0.0"
COG_YEAR = 2026
KEPT_ZONES = {"metro", "drom"}
KEPT_COMMUNE_TYPES = {"commune-actuelle", "arrondissement-municipal"}
FORMAT = 1

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "passnum" / "geography" / "data" / f"cog-{COG_YEAR}.json.gz"


def fetch_package(workdir: Path) -> Path:
    """`npm pack` the pinned version into workdir and unpack it; returns the package folder."""
    subprocess.run(  # noqa: S603 - fixed arguments, no shell
        ["npm", "pack", "--silent", f"{PACKAGE}@{VERSION}", "--pack-destination", str(workdir)],  # noqa: S607
        check=True,
        stdout=subprocess.DEVNULL,
    )
    (tarball,) = workdir.glob("*.tgz")
    with tarfile.open(tarball) as archive:
        archive.extractall(workdir, filter="data")
    return workdir / "package"


def read_json(folder: Path, name: str) -> Any:
    return json.loads((folder / "data" / name).read_text(encoding="utf-8"))


def check_version(folder: Path) -> None:
    manifest = folder / "package.json"
    if manifest.exists():
        version = json.loads(manifest.read_text(encoding="utf-8"))["version"]
        if version != VERSION:
            sys.exit(f"{PACKAGE} is {version}, expected {VERSION}: update VERSION and COG_YEAR")


def build(folder: Path) -> dict[str, Any]:
    regions = [r for r in read_json(folder, "regions.json") if r["zone"] in KEPT_ZONES]
    departements = [d for d in read_json(folder, "departements.json") if d["zone"] in KEPT_ZONES]
    communes = [
        c
        for c in read_json(folder, "communes.json")
        if c["type"] in KEPT_COMMUNE_TYPES and c["zone"] in KEPT_ZONES
    ]
    kept_codes = {c["code"] for c in communes}

    epci_of: dict[str, str] = {}
    epcis = []
    for epci in read_json(folder, "epci.json"):
        members = [m["code"] for m in epci["membres"] if m["code"] in kept_codes]
        if not members:
            continue
        epcis.append([epci["code"], epci["nom"], epci["type"]])
        for code in members:
            if code in epci_of:
                sys.exit(f"commune {code} belongs to two EPCI: {epci_of[code]} and {epci['code']}")
            epci_of[code] = epci["code"]

    rows = []
    for c in communes:
        parent = c.get("commune")  # arrondissements municipaux: the commune they belong to
        epci = epci_of.get(parent or c["code"])
        rows.append(
            [
                c["code"],
                c["nom"],
                c["departement"],
                c["region"],
                epci,
                sorted(set(c.get("codesPostaux", []))),
                c.get("population"),
                parent,
            ]
        )
    return {
        "format": FORMAT,
        "source": {"package": PACKAGE, "version": VERSION, "cog": COG_YEAR},
        "regions": {
            "fields": ["code", "name"],
            "rows": sorted([r["code"], r["nom"]] for r in regions),
        },
        "departements": {
            "fields": ["code", "name", "region"],
            "rows": sorted([d["code"], d["nom"], d["region"]] for d in departements),
        },
        "epci": {"fields": ["siren", "name", "kind"], "rows": sorted(epcis)},
        "communes": {
            "fields": [
                "code",
                "name",
                "departement",
                "region",
                "epci",
                "postcodes",
                "population",
                "parent",
            ],
            "rows": sorted(rows, key=lambda row: row[0]),
        },
    }


def write(data: dict[str, Any], output: Path) -> None:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    output.parent.mkdir(parents=True, exist_ok=True)
    with (
        output.open("wb") as raw,
        gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as gz,
    ):
        gz.write(text.encode("utf-8"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="source", type=Path, help="unpacked package folder")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.source or fetch_package(Path(tmp))
        check_version(folder)
        data = build(folder)
    write(data, args.output)
    counts = ", ".join(
        f"{len(data[key]['rows'])} {key}" for key in ("regions", "departements", "epci", "communes")
    )
    print(f"{args.output}: {args.output.stat().st_size} bytes ({counts})")


if __name__ == "__main__":
    main()
