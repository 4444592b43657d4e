"""Facts: what the analyses found, turned into the typed values the rules read.

``build.build_facts`` assembles them (with ``identity``, ``links``, ``lures``,
``recon``, ``recon_extra`` and ``message_cues``); ``mailward.rules`` only
evaluates rules over them and owns their schema (``rules/schema.py``)."""
