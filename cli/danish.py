"""`lat --help` and argparse's own messages in Danish, the language the tool speaks.

argparse looks its words up through gettext at the moment it prints them (`argparse._`); this
module points that lookup at the text catalogue (texts, keys `cli.argparse.*`), so usage,
headings, '-h' and error messages read 'brug:', 'tilvalg', 'fejl:'. One call, `use_danish()`,
before the parser is built; the command help texts are catalogue keys too (`cli.help.*`).
"""

from __future__ import annotations

import argparse

from texts import text

LANGUAGE = "da"

# argparse's English message -> its catalogue key (Python 3.11's argparse.py)
ARGPARSE = {
    "usage: ": "usage",
    "positional arguments": "positional",
    "options": "options",
    "show this help message and exit": "help",
    "%(prog)s: error: %(message)s\n": "error",
    "argument %(argument_name)s: %(message)s": "argument",
    "the following arguments are required: %s": "required",
    "one of the arguments %s is required": "one_required",
    "not allowed with argument %s": "not_allowed",
    "unrecognized arguments: %s": "unrecognized",
    "invalid choice: %(value)r (choose from %(choices)s)": "invalid_choice",
    "invalid %(type)s value: %(value)r": "invalid_value",
    "expected one argument": "expected_one",
    "expected at most one argument": "expected_at_most_one",
    "expected at least one argument": "expected_at_least_one",
    "ambiguous option: %(option)s could match %(matches)s": "ambiguous",
}


def translate(message: str) -> str:
    """argparse's message in Danish; one the catalogue does not hold stays English."""
    key = ARGPARSE.get(message)
    return text(f"cli.argparse.{key}", LANGUAGE) if key else message


def use_danish() -> None:
    argparse._ = translate  # argparse's module-level gettext alias, looked up at print time


def help_text(command: str) -> str:
    """A command's or option's help in Danish (`cli.help.<command>`)."""
    return text(f"cli.help.{command}", LANGUAGE)
