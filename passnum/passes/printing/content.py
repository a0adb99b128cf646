"""What the printed booklets of one order say, the same on every booklet."""

from dataclasses import dataclass


@dataclass(frozen=True)
class PrintContent:
    sponsor_name: str
    sponsor_text: str
    logo: bytes | None  # image bytes (PNG, JPEG…), drawn once on the cover
    face_value: str  # "10,00 €"
    valid_until_text: str  # "31/12/2027"
    rules: str  # the usage rules in one sentence (rules_in_words)
    site_url: str  # without a trailing slash
    booklet_size: int
    title: str = ""  # the PDF's title (metadata)
    proof: bool = False  # print proof (BAT): sample codes, every page marked
