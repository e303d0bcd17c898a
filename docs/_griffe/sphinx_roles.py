"""A Griffe extension for the documentation site: the docstrings' Sphinx roles as links.

tianwen's docstrings cross-reference with Sphinx roles (``:func:`tianwen.arrival.b_plane```, ``:class:`Epoch```,
``:mod:`~tianwen.core.dop853```), which Markdown would print as they stand. Each role becomes an *optional*
mkdocs-autorefs reference: a link when the target is rendered somewhere on the site, plain code otherwise (no
warning either way, so ``mkdocs build --strict`` does not depend on which private helpers a docstring names).
A relative target is looked up beside the object first (its module, then the package).
"""

from __future__ import annotations

import re

from griffe import Extension

ROLE = re.compile(r":(?:py:)?(?:func|class|meth|mod|attr|data|exc|obj|const):`(~?)\.?([\w.]+)(?:\(\))?`")


def _link(match: re.Match, base: str) -> str:
    tilde, target = match.group(1), match.group(2)
    title = target.rsplit(".", 1)[-1] if tilde else target
    identifier = target if target.startswith("tianwen") else f"{base}.{target}"
    return f'<autoref identifier="{identifier}" optional><code>{title}</code></autoref>'


class SphinxRoles(Extension):
    """Rewrite Sphinx roles in every docstring once the object tree is built."""

    def on_object(self, *, obj, **kwargs) -> None:
        doc = getattr(obj, "docstring", None)
        if doc is None or ":" not in doc.value:
            return
        base = obj.path if obj.is_module else obj.module.path
        doc.value = ROLE.sub(lambda m: _link(m, base), doc.value)
