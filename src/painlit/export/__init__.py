"""Exports of corpus records to other tools' formats (citations: BibTeX, RIS, CSL-JSON).

`CiteFormat` lives here, apart from the writers, so the command line can offer it without
importing them.
"""

from enum import StrEnum


class CiteFormat(StrEnum):
    BIBTEX = "bibtex"
    RIS = "ris"
    CSL_JSON = "csl-json"
