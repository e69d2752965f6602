"""The cited knowledge store of the hospitals' cancer services.

Curated YAML (`content/` for hospital facts, each citing a sentence of a seed page in `sources/`;
`vocabulary/` for general medical words) is validated by `catalog`, written to the database by
`loader` (`python -m knowledge build`), and read through `queries`. `matcher` finds conditions,
services, places and age cues in free text. See README.md.
"""
