"""Small readers shared by the annotation loaders."""
import os.path as osp
from typing import List, Tuple

from vadkit.utils.errors import DataError


def read_text_lines(path: str, what: str) -> List[Tuple[int, str]]:
    """Read a text annotation file as ``(line_number, stripped_line)`` pairs.

    Blank lines are dropped; a missing final newline, trailing spaces and Windows line ends
    are tolerated.

    Args:
        path: The file.
        what: What the file is, for the error message (e.g. ``'video list'``).

    Returns:
        The non-blank lines, numbered from 1 as in an editor.
    """
    if not osp.isfile(path):
        raise DataError(f'{what} not found: {path}')
    try:
        with open(path, encoding='utf-8') as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f'{what} {path} cannot be read: {exc}') from None
    return [(i, line.strip()) for i, line in enumerate(text.splitlines(), start=1)
            if line.strip()]


def parse_int(value: str, where: str, field: str) -> int:
    """Parse one integer field of an annotation line.

    Args:
        value: The field as written.
        where: ``'<file> line <n> (<video>)'``, the start of the error message.
        field: The field's name (e.g. ``'s1'``).

    Returns:
        The integer.
    """
    try:
        return int(value)
    except ValueError:
        raise DataError(f'{where}: field {field} is {value!r}, expected an integer') from None
