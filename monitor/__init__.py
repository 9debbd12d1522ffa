"""brandpulse's own layers around the stages (see docs/architecture.md).

``core`` (config, archive, time) is used by everything; ``enrich``, ``detect`` and ``privacy``
are stages over the archive; ``pipeline`` defines each stage step once; ``daemon``,
``analyst``, ``demo`` and ``cli`` are the application on top.
"""
