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


class Site:
    def __init__(self, sid, name, domain):
        self.id, self.name, self.domain = sid, name, domain


class Node:
    def __init__(self, nid, name, site):
        self.id, self.name, self.site = nid, name, site   # site: a Site


class Container:
    def __init__(self, cid, hostname, owner, node):
        self.id, self.hostname, self.owner, self.node = cid, hostname, owner, node


class Grant:
    """To a user (index) or a group (Group), for a container or a site."""
    def __init__(self, user=None, group=None, container=None, site=None):
        self.user, self.group, self.container, self.site = user, group, container, site


class Access:
    """Sites, nodes, containers and grants: who may enter which container
    (the rule of core/include/clusterdb/access.h, restated as the reference
    the module is held to)."""
    def __init__(self, sites=(), nodes=(), containers=(), grants=(), owners_sudo=True):
        self.sites, self.nodes = list(sites), list(nodes)
        self.containers, self.grants = list(containers), list(grants)
        self.owners_sudo = owners_sudo

    def hosts(self, users, groups, index):
        """host values: short name and FQDN of every container the user may
        enter, by hostname."""
        u = users[index]
        if u.status != "active":
            return []
        mine = [g for g in groups if index in g.members]
        admin = any(g.admin for g in mine)
        out = []
        for c in sorted(self.containers, key=lambda c: c.hostname):
            if admin or c.owner == u.name or any(
                    (gr.user == index or (gr.group is not None and gr.group in mine)) and
                    (gr.container is c or gr.site is c.node.site) for gr in self.grants):
                out += [c.hostname, "%s.%s" % (c.hostname, c.node.site.domain)]
        return out

    def group_hosts(self, group):
        """A group's host values: the containers its grants name, alone or
        with their site (administrator groups list no more than that)."""
        out = []
        for c in sorted(self.containers, key=lambda c: c.hostname):
            if any(gr.group is group and (gr.container is c or gr.site is c.node.site)
                   for gr in self.grants):
                out += [c.hostname, "%s.%s" % (c.hostname, c.node.site.domain)]
        return out


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


def user_entry(suffix, u, hosts=()):
    out = ["dn: uid=%s,ou=people,%s\n" % (u.name, suffix)]
    for oc in ("top", "inetOrgPerson", "posixAccount", "shadowAccount", "ldapPublicKey",
               "clusterdbAccount", "hostObject"):
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
    for h in hosts:
        out.append(ldif_line("host", h))
    return "".join(out)


def group_entry(suffix, g, users, hosts=()):
    out = ["dn: cn=%s,ou=groups,%s\n" % (g.cn, suffix), "objectClass: top\n",
           "objectClass: posixGroup\n", "objectClass: hostObject\n", ldif_line("cn", g.cn),
           "gidNumber: %d\n" % g.gid]
    for name in sorted(users[i].name for i in g.members):
        out.append(ldif_line("memberUid", name))
    for h in hosts:
        out.append(ldif_line("host", h))
    return "".join(out)


_SUDO_ALL = "sudoRunAsUser: ALL\nsudoRunAsGroup: ALL\nsudoCommand: ALL\n"


def sudo_entries(suffix, users, groups, access):
    """ou=SUDOers: the administrators' rule (when an administrator group
    exists) and one rule per container whose owner is active, while owners
    get sudo."""
    base = "ou=SUDOers,%s" % suffix
    out = ["dn: %s\nobjectClass: top\nobjectClass: organizationalUnit\nou: SUDOers\n" % base]
    admins = sorted(g.cn for g in groups if g.admin)
    if admins:
        out.append("dn: cn=administrators,%s\nobjectClass: top\nobjectClass: sudoRole\n"
                   "cn: administrators\n%ssudoHost: ALL\n%s" % (
                       base, "".join(ldif_line("sudoUser", "%" + cn) for cn in admins), _SUDO_ALL))
    active = {u.name for u in users if u.status == "active"}
    if access.owners_sudo:
        for c in sorted(access.containers, key=lambda c: c.id):
            if c.owner in active:
                out.append("dn: cn=%s,%s\nobjectClass: top\nobjectClass: sudoRole\ncn: %s\n"
                           "%ssudoHost: %s\nsudoHost: %s.%s\n%s" % (
                               c.hostname, base, c.hostname, ldif_line("sudoUser", c.owner),
                               c.hostname, c.hostname, c.node.site.domain, _SUDO_ALL))
    return out


def to_ldif(suffix, users, groups, access=None):
    access = access or Access()
    parts = [suffix_entry(suffix),
             "dn: ou=people,%s\nobjectClass: top\nobjectClass: organizationalUnit\nou: people\n" % suffix,
             "dn: ou=groups,%s\nobjectClass: top\nobjectClass: organizationalUnit\nou: groups\n" % suffix]
    parts += [user_entry(suffix, u, access.hosts(users, groups, i)) for i, u in enumerate(users)]
    parts += [group_entry(suffix, g, users, access.group_hosts(g)) for g in groups]
    parts += sudo_entries(suffix, users, groups, access)
    return "\n".join(parts)
