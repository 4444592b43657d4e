"""Threat-intel sharing: campaigns out as STIX 2.1 and MISP, indicators in, matched at scan time.

- ``stix``: a campaign as a STIX 2.1 bundle (stix2 library).
- ``misp``: a campaign as a MISP event (PyMISP), written as JSON or pushed to a server.
- ``intel``: STIX bundles, MISP events and plain lists into the store's indicators.
- ``matcher``: every unexpired indicator compiled once; ``IntelMatcher.match(message)``.

Exporters are a separate kind of plug-in from analysers: they read the store, never
messages, and never fetch anything a message points to.
"""
