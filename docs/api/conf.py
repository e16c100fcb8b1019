"""Sphinx configuration of kernelkit's API reference, built from the docstrings.

Build it with ``sphinx-build -W --keep-going -b html docs/api docs/api/_build`` (what
tests/test_docs_build.py runs, warnings as errors). Nothing here fetches from the network:
no intersphinx, no remote images, no themes that download fonts.

Why Sphinx and not MkDocs with mkdocstrings (issue 14 let us choose): the point of building the
reference in CI is to catch docstrings that are malformed, and Sphinx's reST parser is strict
where Markdown is forgiving. Under ``-W --keep-going`` every docutils complaint (a broken
indentation, an unterminated literal, a list glued to its paragraph) fails the build and names
the docstring and its line; with Markdown the same mistakes render silently wrong. napoleon
reads Keras's ``Arguments:``/``Returns:``/``Raises:`` sections and takes the extra ones
(``Input shape:``, ``Output shape:``) from configuration, autodoc picks the members from each
module's ``__all__``, and the whole tool is one pip package (``sphinx``, in the ``test`` extra)
with no theme or plugin to install. The price: Keras's Markdown habits need two adjustments,
made here rather than in the docstrings: single backquotes are Python references rendered as
code (``default_role``), and ```python fences become code blocks (``_fences_to_code_blocks``).
"""
import os
import sys

# Document the working tree's kernelkit even when another copy is installed.
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))

project = "kernelkit"
author = "the kernelkit authors"
copyright = "the kernelkit authors"

extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon"]

# The pages list each module once with `automodule ... :members:`; autodoc follows `__all__`.
autodoc_default_options = {
    "members": True,
    "show-inheritance": True,
}
autodoc_member_order = "bysource"
# Signatures carry the types; repeating them in the text would clutter Keras-style docstrings.
autodoc_typehints = "signature"
# A class's page shows the class docstring followed by its __init__'s (what `Dense?` shows).
autoclass_content = "both"
# Nothing is mocked (no autodoc_mock_imports): importing kernelkit needs none of the optional
# libraries, which the modules import lazily inside the functions that use them.

# Keras 2's section names. napoleon already knows Arguments/Args, Returns, Raises, Yields,
# Example(s), References, Attributes; the shape sections and "Call arguments" are added here,
# rendered as plain titled sections. "Input:"/"Output:" as Keras's merge layers use them too.
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_custom_sections = [
    "Input shape", "Output shape", ("Call arguments", "params_style"), "Input", "Output",
    "Weights", "Use",
]
napoleon_use_rtype = False
napoleon_use_ivar = True

# Keras's docstrings write code in single backquotes (`units`, `Conv2D`). As a Python object
# role, a name that is documented here becomes a link and anything else renders as code
# (unresolved references are not errors while nitpicky is off).
default_role = "py:obj"

# No network at build time: intersphinx is not loaded and no page refers to remote images.
html_theme = "alabaster"
html_static_path = []
html_show_sourcelink = False
exclude_patterns = ["_build"]
# Cross-references to names outside the reference (numpy, Python types in signatures) are not
# errors; a broken reference *inside* a docstring is not checked (nitpicky off).
nitpicky = False


def _fences_to_code_blocks(app, what, name, obj, options, lines):
    """Turn Markdown code fences in a docstring into reST code blocks, in place.

    Keras 2's docstrings show examples in Markdown fences (```python ... ```), which read well
    where users read docstrings most (`help()`, `obj?` in Jupyter); we keep that manner and
    translate here, so the docstrings stay as Keras users know them. A fence left open is a
    docstring error: it is reported as a warning (an error under -W).
    """
    out, fence_indent, language = [], None, "python"
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("```"):
            indent = line[:len(line) - len(line.lstrip())]
            if fence_indent is None:
                fence_indent = indent
                language = stripped[3:].strip() or "python"
                if out and out[-1].strip():
                    out.append("")
                out.extend([f"{indent}.. code-block:: {language}", ""])
            else:
                fence_indent = None
                out.append("")
            continue
        # Four more spaces than the line had put the code inside the directive.
        out.append(f"    {line}" if fence_indent is not None and line.strip() else line)
    if fence_indent is not None:
        from sphinx.util import logging
        logging.getLogger(__name__).warning(
            "%s: a ``` code fence is opened and never closed", name, type="kernelkit")
    lines[:] = out


def setup(app):
    """Run the fence translation before napoleon reads the sections (priority < 500)."""
    app.connect("autodoc-process-docstring", _fences_to_code_blocks, priority=400)
