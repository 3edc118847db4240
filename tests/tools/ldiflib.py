"""Read the LDIF that ldapsearch prints and bring it into a form that compares.

Used by ldif-normalize (shell tests) and differential-driver (Python).
Standard library only: the tests run on a plain Debian python3.
"""
import base64

# Values that legitimately differ from run to run or server to server.
VOLATILE = {"createtimestamp", "modifytimestamp", "entryuuid", "entrycsn",
            "creatorsname", "modifiersname", "structuralobjectclass",
            "hassubordinates", "subschemasubentry", "entrydn"}


def parse(text):
    """Yield (dn, [(attr, value_bytes), ...]) for each entry of an LDIF text.

    Folded lines are unwrapped, "::" values base64-decoded, comments and
    "search:"/"result:" lines (ldapsearch without -LLL) skipped.
    """
    if "\n " in text:
        text = text.replace("\n ", "")
    dn = None
    attrs = []
    for line in text.split("\n") + [""]:
        if line == "":
            if dn is not None:
                yield dn, attrs
            dn, attrs = None, []
            continue
        if line[0] == "#":
            continue
        colon = line.find(":")
        if colon <= 0:
            raise ValueError("unparsable LDIF line: %r" % line)
        name = line[:colon]
        rest = line[colon + 1:]
        if rest.startswith(":"):
            data = base64.b64decode(rest[1:].strip())
        else:
            data = rest[1:].encode("utf-8") if rest.startswith(" ") else rest.encode("utf-8")
        if dn is None:
            if name.lower() == "dn":
                dn = data.decode("utf-8", "replace")
        else:
            attrs.append((name, data))


def show(data):
    """A value as one printable line (non-UTF-8 or control bytes escaped)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "b64:" + base64.b64encode(data).decode()
    if text.isprintable() and text[:1] != " " and text[-1:] != " ":
        return text
    return repr(text)


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
