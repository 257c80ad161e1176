"""The practitioner commands of ``layerwise``: ``train``, ``predict``, ``info``.

Each module offers ``add_parser(subparsers)`` and ``run(args) -> int``;
:mod:`layerwise.cli` registers them.
"""
