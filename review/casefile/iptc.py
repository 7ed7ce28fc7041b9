"""What an IPTC-IIM record says of a photo's maker and place (IIM 4.2, older tools' "IPTC").

A TIFF carries the record in tag 33723; news and photo-agency tools fill it
in (By-line, City, Country). It is a run of datasets, each the tag marker
0x1C, a record number, a dataset number, a 2-byte big-endian length and the
value; record 2, the application record, holds the fields read here. A
length with its top bit set is the extended form, for values over 32 KiB,
which none of these fields needs: the reading stops there and says so.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

# A photo's record has a few dozen datasets (keywords are one each).
MAX_DATASETS = 256
_MARKER = 0x1C
_APPLICATION = 2
# Record 2's datasets shown, with attachment_metadata.py's labels: the by-line
# and the writer or editor; the content location (code and name), city,
# sub-location, province, country code and country; the copyright notice.
DATASETS = {80: "Author", 122: "Author", 26: "Place", 27: "Place", 90: "Place", 92: "Place",
            95: "Place", 100: "Place", 101: "Place", 116: "Copyright"}


@dataclass
class IptcReading:
    """The labelled values of a record, in its order, and whether all of it was read."""

    fields: list[tuple[str, str]] = field(default_factory=list)
    complete: bool = True


def read_iptc(record: bytes) -> IptcReading:
    """The By-line, places and copyright of `record`, up to MAX_DATASETS datasets."""
    reading = IptcReading()
    position = 0
    for _ in range(MAX_DATASETS):
        header = record[position : position + 5]
        if len(header) < 5 or header[0] != _MARKER:
            # A TIFF holds the record in 4-byte units: up to 3 bytes of zero pad it.
            if record[position:].strip(b"\x00"):
                reading.complete = False
            return reading
        _, number, dataset, length = struct.unpack(">BBBH", header)
        if length & 0x8000:
            reading.complete = False
            return reading
        value = record[position + 5 : position + 5 + length]
        if len(value) < length:
            reading.complete = False  # cut short: what there is still says something
        if number == _APPLICATION and dataset in DATASETS:
            reading.fields.append((DATASETS[dataset], _text(value)))
        position += 5 + length
    if record[position:].strip(b"\x00"):
        reading.complete = False
    return reading


def _text(value: bytes) -> str:
    """UTF-8, as current writers declare it (dataset 1:90); else Latin-1, the older default."""
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")
