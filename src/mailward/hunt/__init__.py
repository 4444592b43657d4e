"""Retro-hunt: scan mailboxes and archives into the store and find campaigns.

``runner.hunt`` reads sources (``sources``: IMAP read-only, Maildir, mbox, files)
incrementally, analyses messages in parallel (``work``: a process pool or Dask) and
writes through one writer; ``campaigns.cluster`` groups the suspicious ones by shared
infrastructure and content. ``cli`` holds ``hunt``, ``campaigns`` and ``targets``.
"""
