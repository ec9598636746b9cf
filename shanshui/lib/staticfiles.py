"""Static files with hashed names. 静态文件

``collectstatic`` copies every file under a name that carries a hash of its content
(``tabler.min.3f2a….css``), rewrites the references between them (``url()`` in CSS) and
compresses them; WhiteNoise serves the hashed names with a far-future ``immutable`` expiry. A
release changes the names of what changed, so no browser keeps last week's scripts.

The vendored libraries ship without their source maps, and say so only in a trailing
``sourceMappingURL`` comment; those comments are left as they are instead of failing the build
on a map that is not there.
"""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


def _without_source_maps(patterns):
    def keep(pattern) -> bool:
        regex = pattern if isinstance(pattern, str) else pattern[0]
        return "sourceMappingURL" not in regex

    return tuple((glob, tuple(p for p in found if keep(p))) for glob, found in patterns)


class HashedStaticFilesStorage(CompressedManifestStaticFilesStorage):
    patterns = _without_source_maps(CompressedManifestStaticFilesStorage.patterns)
