"""A Griffe extension for the documentation site: the docstrings' Sphinx roles as links.

tianwen's docstrings cross-reference with Sphinx roles (``:func:`tianwen.arrival.b_plane```, ``:class:`Epoch```,
``:mod:`~tianwen.core.dop853```), which Markdown would print as they stand. Each role becomes an *optional*
mkdocs-autorefs reference: a link when the target is rendered somewhere on the site, plain code otherwise (no
warning either way, so ``mkdocs build --strict`` does not depend on which private helpers a docstring names).
A relative target is looked up in the object's module. reST's "text::" (a literal block follows) is shown as
"text:", as Markdown renders the indented block as code anyway; paragraphs that reST indents to continue a
definition are dedented (Markdown would show them as code); doctest runs are fenced as ``pycon`` code.
"""

from __future__ import annotations

import re

from griffe import Extension

LITERAL = re.compile(r"(?<=\S)::$", re.M)  # reST "text::" before an indented block: Markdown shows "text:"
PARAM = re.compile(r"^\*{0,2}\w[\w, *]*\s:\s")
ROLE = re.compile(r":(?:py:)?(?:func|class|meth|mod|attr|data|exc|obj|const):`(~?)\.?([\w.]+)(?:\(\))?`")


def _paragraphs(text: str) -> str:
    """reST indents a paragraph by 4 to continue a definition or a list item; Markdown would show it as code.
    Dedent every such paragraph by 4 unless a literal block is due (the paragraph before ended with "::"), so
    real literal blocks, indented 8 or introduced by "::", stay code. Docstrings with numpy-style sections (a
    dashed underline) are left alone: their parser needs the indentation."""
    if re.search(r"^\s*-{3,}\s*$", text, re.M):
        return text
    blocks, out, literal_due = re.split(r"(\n[ \t]*\n)", text), [], False
    for block in blocks:
        if not block.strip() or block.startswith("\n"):
            out.append(block)
            continue
        lines = block.split("\n")
        indented = all(line.startswith("    ") or not line.strip() for line in lines)
        if indented and not literal_due:
            lines = [line[4:] if line.startswith("    ") else line for line in lines]
        out.append("\n".join(lines))
        literal_due = block.rstrip().endswith("::")
    return "".join(out)


def _doctests(text: str) -> str:
    """Fence each doctest run (``>>>`` lines at the margin, their ``...`` continuations and output, up to a blank
    line) as ``pycon``; Markdown would otherwise read ``>>>`` as nested block quotes."""
    out, inside = [], False
    for line in text.split("\n"):
        if not inside and line.startswith(">>>"):
            out.append("```pycon")
            inside = True
        elif inside and not line.strip():
            out.append("```")
            inside = False
        out.append(line)
    if inside:
        out.append("```")
    return "\n".join(out)


def _link(match: re.Match, base: str) -> str:
    tilde, target = match.group(1), match.group(2)
    title = target.rsplit(".", 1)[-1] if tilde else target
    identifier = target if target.startswith("tianwen") else f"{base}.{target}"
    return f'<autoref identifier="{identifier}" optional><code>{title}</code></autoref>'


class SphinxRoles(Extension):
    """Rewrite the Sphinx roles, literal-block markers and doctests of every docstring once the tree is built."""

    def on_object(self, *, obj, **kwargs) -> None:
        doc = getattr(obj, "docstring", None)
        if doc is None:
            return
        base = obj.path if obj.is_module else obj.module.path
        lines, numpy = [], bool(re.search(r"^\s*-{3,}\s*$", doc.value, re.M))
        for line in _paragraphs(doc.value).split("\n"):
            # a numpy-style "name : type" line or return type is shown as code: the role becomes its plain name
            if PARAM.match(line) or (numpy and ROLE.match(line)):
                lines.append(ROLE.sub(lambda m: m.group(2).rsplit(".", 1)[-1] if m.group(1) else m.group(2), line))
            else:
                lines.append(ROLE.sub(lambda m: _link(m, base), line))
        doc.value = _doctests(LITERAL.sub(":", "\n".join(lines)))
