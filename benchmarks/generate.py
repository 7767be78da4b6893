"""Generate a large synthetic corpus, deterministically, from the shipped one.

Every generated study is a copy of a real study record (cycled in order) with a new id
(`bench-000001`), a title marked "Synthetic benchmark record", a DOI under Crossref's test
prefix 10.5555 and a PMID-shaped number from 90,000,000 up, so nobody mistakes it for data.
Claims grow in proportion: for every block of studies the size of the shipped corpus, each
shipped claim is copied once with its evidence pointed at that block's copies. The taxonomy
(conditions, mechanisms, substances, sources, outcomes) is the shipped one, so
`condition fibromyalgia` works on every generated corpus.

    python benchmarks/generate.py 10000 -o /tmp/corpus-10k.yaml
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "data" / "studies.yaml"

try:
    from yaml import CSafeDumper as _Dumper
except ImportError:  # pragma: no cover
    from yaml import SafeDumper as _Dumper  # type: ignore[assignment]


class Dumper(_Dumper):
    """Writes every record out in full, as a curator would (no anchors for shared values)."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def generate(studies: int, source: Path = SHIPPED) -> dict[str, Any]:
    """A corpus of `studies` synthetic studies and proportionally many claims."""
    shipped = yaml.load(source.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    templates: list[dict[str, Any]] = shipped["studies"]
    claim_templates: list[dict[str, Any]] = shipped["claims"]
    block = len(templates)
    new_studies = []
    for number in range(studies):
        template = templates[number % block]
        record = dict(template)
        record["id"] = f"bench-{number + 1:06d}"
        record["title"] = f"Synthetic benchmark record {number + 1}: {template['title']}"
        record["doi"] = f"10.5555/painlit-bench.{number + 1}"
        record["pmid"] = str(90_000_000 + number + 1)
        record["url"] = f"https://example.org/painlit-bench/{number + 1}"
        if "registration" in record:  # a registration record: its own synthetic NCT id
            record["registry"] = f"NCT{90_000_000 + number + 1:08d}"
            record.pop("doi", None)
            record.pop("pmid", None)
        else:
            record.pop("registry", None)  # copies of one trial's papers must not merge
            record.pop("trial", None)
        new_studies.append(record)
    id_in_block = {template["id"]: index for index, template in enumerate(templates)}
    new_claims = []
    blocks = max(1, studies // block)
    for block_number in range(blocks):
        for template in claim_templates:
            claim = dict(template)
            claim["id"] = f"{template['id']}-bench-{block_number + 1}"
            evidence = []
            for item in template.get("evidence") or []:
                target = block_number * block + id_in_block[item["study"]]
                if target < studies:
                    evidence.append({**item, "study": f"bench-{target + 1:06d}"})
            claim["evidence"] = evidence
            new_claims.append(claim)
    corpus = {key: shipped[key] for key in
              ("corpus", "conditions", "mechanisms", "substances", "sources", "outcomes")
              if key in shipped}
    corpus["corpus"] = {**shipped["corpus"], "title": f"Synthetic benchmark corpus, {studies}"
                        " studies generated from the shipped corpus"}
    corpus["studies"] = new_studies
    corpus["claims"] = new_claims
    return corpus


def write(studies: int, target: Path) -> None:
    document = generate(studies)
    with target.open("w", encoding="utf-8") as stream:
        stream.write("# Synthetic benchmark corpus made by benchmarks/generate.py: "
                     "not real data.\n")
        yaml.dump(document, stream, Dumper=Dumper, allow_unicode=True, sort_keys=False,
                  width=100)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("studies", type=int)
    parser.add_argument("-o", "--output", type=Path, required=True)
    arguments = parser.parse_args()
    write(arguments.studies, arguments.output)
    print(f"wrote {arguments.output} ({arguments.output.stat().st_size / 1e6:.1f} MB)",
          file=sys.stderr)


if __name__ == "__main__":
    main()
