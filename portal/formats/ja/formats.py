"""Japanese: Django's formats, with the zone after every time ("2026年12月7日 4:52 JST": Japanese pages show
Japan time, `portal.timezones`).

A space parts the date from the time (Django's "Y年n月j日G:i" runs them together: "2026年12月7日4:52").
Dates without a time (DATE_FORMAT, SHORT_DATE_FORMAT...) are Django's: a day needs no zone.
"""

DATETIME_FORMAT = "Y年n月j日 G:i T"  # Django: "Y年n月j日G:i"
SHORT_DATETIME_FORMAT = "Y/m/d G:i T"  # Django: "Y/m/d G:i"
