"""The directory of gen-directory, and the LDAP entries back_clusterdb serves
for it.  to_ldif() is the reference mapping the differential test holds the
module to, so it follows the module's rules (DESIGN.md section 3): keep the
two in step.
"""
import base64
import re


class User:
    def __init__(self, uid, name, cn, sn, given, mail, keys, status, password=None, hashval=None):
        self.uid, self.name, self.cn, self.sn, self.given = uid, name, cn, sn, given
        self.mail, self.keys, self.status = mail, keys, status
        self.password, self.hash = password, hashval


class Group:
    def __init__(self, gid, cn, admin):
        self.gid, self.cn, self.admin = gid, cn, admin
        self.members = []   # indexes into the user list


PRIMARY_GID = 2000
_SAFE_INIT = re.compile(r"^[\x01-\x09\x0b-\x0c\x0e-\x1f\x21-\x39\x3b\x3d-\x7f]")
_SAFE = re.compile(r"^[\x01-\x09\x0b-\x0c\x0e-\x7f]*$")


def ldif_line(attr, value):
    """attr: value, base64 ("::") when RFC 2849 requires it."""
    if value == "" or (_SAFE_INIT.match(value) and _SAFE.match(value) and not value.endswith(" ")):
        return "%s: %s\n" % (attr, value)
    return "%s:: %s\n" % (attr, base64.b64encode(value.encode("utf-8")).decode())


def gecos_of(user):
    """gecos is an IA5String: the module serves cn when it is ASCII and
    printable, and leaves gecos out otherwise."""
    cn = user.cn
    if cn and all(32 <= ord(c) < 127 for c in cn):
        return cn
    return None


def suffix_entry(suffix):
    rdn_attr, rdn_value = suffix.split(",")[0].split("=", 1)
    lines = ["dn: %s\n" % suffix, "objectClass: top\n"]
    if rdn_attr.lower() == "dc":
        lines += ["objectClass: dcObject\n", "objectClass: organization\n",
                  ldif_line("dc", rdn_value), ldif_line("o", rdn_value)]
    elif rdn_attr.lower() == "o":
        lines += ["objectClass: organization\n", ldif_line("o", rdn_value)]
    else:
        lines += ["objectClass: organizationalUnit\n", ldif_line("ou", rdn_value)]
    return "".join(lines)


def user_entry(suffix, u):
    out = ["dn: uid=%s,ou=people,%s\n" % (u.name, suffix)]
    for oc in ("top", "inetOrgPerson", "posixAccount", "shadowAccount", "ldapPublicKey",
               "clusterdbAccount"):
        out.append("objectClass: %s\n" % oc)
    out.append(ldif_line("uid", u.name))
    out.append(ldif_line("cn", u.cn))
    out.append(ldif_line("sn", u.sn))
    if u.given:
        out.append(ldif_line("givenName", u.given))
    if u.mail:
        out.append(ldif_line("mail", u.mail))
    out.append("uidNumber: %d\n" % u.uid)
    out.append("gidNumber: %d\n" % PRIMARY_GID)
    out.append(ldif_line("homeDirectory", "/home/" + u.name))
    out.append("loginShell: /bin/bash\n")
    gecos = gecos_of(u)
    if gecos:
        out.append(ldif_line("gecos", gecos))
    for key in u.keys:
        out.append(ldif_line("sshPublicKey", key))
    if u.hash:
        out.append(ldif_line("userPassword", "{ARGON2}" + u.hash))
    out.append("clusterdbStatus: %s\n" % u.status)
    if u.status != "active":
        out.append("shadowExpire: 1\n")
    return "".join(out)


def group_entry(suffix, g, users):
    out = ["dn: cn=%s,ou=groups,%s\n" % (g.cn, suffix), "objectClass: top\n",
           "objectClass: posixGroup\n", ldif_line("cn", g.cn), "gidNumber: %d\n" % g.gid]
    for name in sorted(users[i].name for i in g.members):
        out.append(ldif_line("memberUid", name))
    return "".join(out)


def to_ldif(suffix, users, groups):
    parts = [suffix_entry(suffix),
             "dn: ou=people,%s\nobjectClass: top\nobjectClass: organizationalUnit\nou: people\n" % suffix,
             "dn: ou=groups,%s\nobjectClass: top\nobjectClass: organizationalUnit\nou: groups\n" % suffix]
    parts += [user_entry(suffix, u) for u in users]
    parts += [group_entry(suffix, g, users) for g in groups]
    return "\n".join(parts)
