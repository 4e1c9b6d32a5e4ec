"""English: Django's formats, with the zone after every time ("Dec. 6, 2026, 7:52 p.m. UTC").

Dates without a time (DATE_FORMAT, SHORT_DATE_FORMAT...) are Django's: a day needs no zone.
"""

DATETIME_FORMAT = "N j, Y, P T"  # Django: "N j, Y, P"
SHORT_DATETIME_FORMAT = "m/d/Y P T"  # Django: "m/d/Y P"
