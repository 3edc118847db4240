"""Read the LDIF that ldapsearch prints and bring it into a form that compares.

Used by ldif-normalize (shell tests) and differential-driver (Python).
Standard library only: the tests run on a plain Debian python3.
"""
import base64
import re

# Values that legitimately differ from run to run or server to server.
VOLATILE = {"createtimestamp", "modifytimestamp", "entryuuid", "entrycsn",
            "creatorsname", "modifiersname", "structuralobjectclass",
            "hassubordinates", "subschemasubentry", "entrydn"}


def parse(text):
    """Yield (dn, [(attr, value_bytes), ...]) for each entry of an LDIF text.

    Folded lines are unwrapped, "::" values base64-decoded, comments and
    "search:"/"result:" lines (ldapsearch without -LLL) skipped.
    """
    lines = []
    for raw in text.split("\n"):
        if raw.startswith(" ") and lines:
            lines[-1] += raw[1:]
        else:
            lines.append(raw)
    dn = None
    attrs = []
    for line in lines + [""]:
        if line == "":
            if dn is not None:
                yield dn, attrs
            dn, attrs = None, []
            continue
        if line.startswith("#"):
            continue
        m = re.match(r"^([A-Za-z0-9;.\-]+)(::?|:<)\s?(.*)$", line)
        if not m:
            raise ValueError("unparsable LDIF line: %r" % line)
        name, sep, value = m.groups()
        if sep == "::":
            data = base64.b64decode(value)
        else:
            data = value.encode("utf-8")
        if name.lower() == "dn":
            dn = data.decode("utf-8", "replace")
        elif dn is not None:
            attrs.append((name, data))


def show(data):
    """A value as one printable line (non-UTF-8 or control bytes escaped)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "b64:" + base64.b64encode(data).decode()
    if any(ord(c) < 32 or ord(c) == 127 for c in text) or text.startswith(" ") \
            or text.endswith(" "):
        return repr(text)
    return text


def normalize(text, mask=(), drop=(), keep_volatile=False):
    """Canonical text of an LDIF result set: entries sorted by DN, attribute
    names lower-cased, attribute lines sorted, masked values replaced."""
    mask = {a.lower() for a in mask}
    drop = {a.lower() for a in drop}
    if not keep_volatile:
        mask |= VOLATILE
    entries = []
    for dn, attrs in parse(text):
        out = []
        for name, data in attrs:
            key = name.lower()
            if key in drop:
                continue
            out.append("%s: %s" % (key, "<masked>" if key in mask else show(data)))
        out.sort()
        entries.append((dn.lower(), "dn: %s\n" % dn + "".join(l + "\n" for l in out)))
    entries.sort()
    return "\n".join(e for _, e in entries)
