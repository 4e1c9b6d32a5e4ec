"""The site's date formats (FORMAT_MODULE_PATH): Django's for each language, with times that name their zone.

Only what differs from Django's locale module is here; every other format falls through to Django's.
"""
