"""The gateway: a Postfix milter that defuses beacons and quarantines, losing nothing.

``protocol`` speaks the milter wire protocol; ``server`` runs the service;
``scanning`` runs scans in worker processes with a time budget; ``actions`` turns a
decision into milter replies; ``defuse`` (with ``mimesplice`` and ``banner``)
rewrites a message so that opening it leaks nothing; ``quarantine`` keeps original bytes content-addressed and verified;
``release`` sends held messages to the configured next hop; ``audit`` is the
append-only log.
"""
