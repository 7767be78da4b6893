"""Online sources: PubMed E-utilities, Crossref and ClinicalTrials.gov API v2.

Only the online commands import this package, and only inside their function bodies, so that
no other command pays for importing httpx. `http` is the shared layer (timeouts, retries,
rate limits, the response cache, checks on what came back); `pubmed`, `crossref` and
`clinicaltrials` are one small client each; `draft` builds corpus records from their answers
and appends them to a corpus file; `verify` compares records with the services.
"""
