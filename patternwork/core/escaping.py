"""HTML escaping for markup written in Python: the template tags and widgets that write
rows and fields without a template, then mark the joined string safe once.

Each function gives the same text as Django's, without the wrapper Django's `escape`
puts around every call for lazy arguments: a page escapes hundreds of values this way.
"""

import html

from django.utils.functional import Promise


def conditional_escape(value) -> str:
    """What `django.utils.html.conditional_escape` gives: safe text as it is, anything else
    (a lazy string once made text) escaped."""
    if type(value) is str:
        return html.escape(value)
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def escape_plain(value) -> str:
    """`conditional_escape` of a value that is never markup (a str, a number or a lazy
    string): escaped as text."""
    return html.escape(str(value))
