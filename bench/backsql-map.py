#!/usr/bin/env python3
"""backsql-map: add OpenLDAP back-sql's mapping tables to a copy of a
clusterdb database, so Debian's back_sql (over unixODBC and libsqliteodbc)
serves the same users and groups as back_clusterdb.

  backsql-map DBFILE SUFFIX

The clusterdb tables are left as they are; the script adds
  ldap_oc_mappings, ldap_attr_mappings   the map (users: inetOrgPerson with
                                         posixAccount, shadowAccount and
                                         ldapPublicKey as extra classes;
                                         groups: posixGroup)
  ldap_entries                           a real, indexed table (a view over
                                         Users/Groups makes every DN lookup a
                                         scan), filled from Users and Groups
  ldap_entry_objclasses                  the extra object classes
  bsql_tree, bsql_sshkeys                the suffix and the two ou entries;
                                         one row per SSH key (clusterdb keeps
                                         them newline-separated in one column)
Numeric attributes get sel_expr_u = the bare column: back-sql otherwise
compares upper(column), which no index serves.  The mapping has add/delete
procedures for mail only, so "replace mail" is the one write it supports.
Standard library only.
"""
import sqlite3
import sys

USER_OC, GROUP_OC, ORG_OC, OU_OC = 1, 2, 3, 4


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: backsql-map DBFILE SUFFIX")
    path, suffix = sys.argv[1], sys.argv[2]
    rdn_attr, rdn_value = suffix.split(",")[0].split("=", 1)
    if rdn_attr.lower() != "dc":
        sys.exit("backsql-map: the suffix must start with dc=")
    db = sqlite3.connect(path)
    with db:
        db.executescript("""
        CREATE TABLE ldap_oc_mappings (
            id INTEGER PRIMARY KEY, name TEXT NOT NULL, keytbl TEXT NOT NULL, keycol TEXT NOT NULL,
            create_proc TEXT, delete_proc TEXT, expect_return INTEGER NOT NULL);
        CREATE TABLE ldap_attr_mappings (
            id INTEGER PRIMARY KEY, oc_map_id INTEGER NOT NULL REFERENCES ldap_oc_mappings (id),
            name TEXT NOT NULL, sel_expr TEXT NOT NULL, sel_expr_u TEXT, from_tbls TEXT NOT NULL,
            join_where TEXT, add_proc TEXT, delete_proc TEXT, param_order INTEGER NOT NULL,
            expect_return INTEGER NOT NULL);
        CREATE TABLE ldap_entries (
            id INTEGER PRIMARY KEY, dn TEXT NOT NULL, oc_map_id INTEGER NOT NULL,
            parent INTEGER NOT NULL, keyval INTEGER NOT NULL);
        CREATE UNIQUE INDEX ldap_entries_dn_upper ON ldap_entries (upper(dn));
        CREATE UNIQUE INDEX ldap_entries_oc_key ON ldap_entries (oc_map_id, keyval);
        CREATE INDEX ldap_entries_parent ON ldap_entries (parent);
        CREATE TABLE ldap_entry_objclasses (entry_id INTEGER NOT NULL, oc_name TEXT NOT NULL);
        CREATE INDEX ldap_entry_objclasses_entry ON ldap_entry_objclasses (entry_id);
        CREATE INDEX ldap_entry_objclasses_name ON ldap_entry_objclasses (oc_name, entry_id);
        CREATE TABLE bsql_tree (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
        CREATE TABLE bsql_sshkeys (uidNumber INTEGER NOT NULL, key TEXT NOT NULL);
        CREATE INDEX bsql_sshkeys_uid ON bsql_sshkeys (uidNumber);
        CREATE INDEX Users_username_upper ON Users (upper(username));
        CREATE INDEX Groups_cn_upper ON Groups (upper(cn));
        """)
        db.executemany("INSERT INTO ldap_oc_mappings VALUES (?,?,?,?,NULL,NULL,0)", [
            (USER_OC, "inetOrgPerson", "Users", "uidNumber"),
            (GROUP_OC, "posixGroup", "Groups", "gidNumber"),
            (ORG_OC, "organization", "bsql_tree", "id"),
            (OU_OC, "organizationalUnit", "bsql_tree", "id")])
        # (oc, name, sel_expr, sel_expr_u, from_tbls, join_where, add_proc, delete_proc)
        u, g = "Users", "Groups"
        attrs = [
            (USER_OC, "uid", "Users.username", None, u, None, None, None),
            (USER_OC, "cn", "coalesce(Users.cn,Users.username)", None, u, None, None, None),
            (USER_OC, "sn", "coalesce(Users.sn,Users.username)", None, u, None, None, None),
            (USER_OC, "givenName", "Users.givenName", None, u, "Users.givenName IS NOT NULL", None, None),
            (USER_OC, "mail", "Users.mail", None, u, "Users.mail IS NOT NULL",
             "UPDATE Users SET mail=? WHERE uidNumber=?",
             "UPDATE Users SET mail=NULL WHERE mail=? AND uidNumber=?"),
            (USER_OC, "uidNumber", "Users.uidNumber", "Users.uidNumber", u, None, None, None),
            (USER_OC, "gidNumber", "2000", "2000", u, None, None, None),
            (USER_OC, "homeDirectory", "'/home/'||Users.username", None, u, None, None, None),
            (USER_OC, "loginShell", "'/bin/bash'", None, u, None, None, None),
            (USER_OC, "sshPublicKey", "bsql_sshkeys.key", None, "Users,bsql_sshkeys",
             "bsql_sshkeys.uidNumber=Users.uidNumber", None, None),
            (USER_OC, "userPassword", "'{ARGON2}'||Users.userPassword", None, u,
             "Users.userPassword IS NOT NULL", None, None),
            (USER_OC, "shadowExpire", "1", "1", u, "Users.status<>'active'", None, None),
            (GROUP_OC, "cn", "Groups.cn", None, g, None, None, None),
            (GROUP_OC, "gidNumber", "Groups.gidNumber", "Groups.gidNumber", g, None, None, None),
            (GROUP_OC, "memberUid", "Users.username", None, "Groups,UserGroups,Users",
             "UserGroups.gidNumber=Groups.gidNumber AND Users.uidNumber=UserGroups.uidNumber",
             None, None),
            (ORG_OC, "o", "bsql_tree.name", None, "bsql_tree", None, None, None),
            (ORG_OC, "dc", "bsql_tree.name", None, "bsql_tree", None, None, None),
            (OU_OC, "ou", "bsql_tree.name", None, "bsql_tree", None, None, None),
        ]
        db.executemany("INSERT INTO ldap_attr_mappings (oc_map_id, name, sel_expr, sel_expr_u, from_tbls,"
                       " join_where, add_proc, delete_proc, param_order, expect_return)"
                       " VALUES (?,?,?,?,?,?,?,?,3,0)", attrs)
        # The tree: suffix (id 1), ou=people (2), ou=groups (3); then users and groups.
        db.executemany("INSERT INTO bsql_tree VALUES (?,?)", [(1, rdn_value), (2, "people"), (3, "groups")])
        db.executemany("INSERT INTO ldap_entries VALUES (?,?,?,?,?)", [
            (1, suffix, ORG_OC, 0, 1),
            (2, "ou=people," + suffix, OU_OC, 1, 2),
            (3, "ou=groups," + suffix, OU_OC, 1, 3)])
        db.execute("INSERT INTO ldap_entry_objclasses VALUES (1, 'dcObject')")
        db.execute("INSERT INTO ldap_entries (dn, oc_map_id, parent, keyval)"
                   " SELECT 'uid='||username||',ou=people,'||?, ?, 2, uidNumber FROM Users"
                   " ORDER BY uidNumber", (suffix, USER_OC))
        db.execute("INSERT INTO ldap_entries (dn, oc_map_id, parent, keyval)"
                   " SELECT 'cn='||cn||',ou=groups,'||?, ?, 3, gidNumber FROM Groups"
                   " ORDER BY gidNumber", (suffix, GROUP_OC))
        for oc in ("posixAccount", "shadowAccount", "ldapPublicKey"):
            db.execute("INSERT INTO ldap_entry_objclasses SELECT id, ? FROM ldap_entries"
                       " WHERE oc_map_id=?", (oc, USER_OC))
        rows = []
        for uid, keys in db.execute("SELECT uidNumber, sshPublicKey FROM Users"
                                    " WHERE sshPublicKey IS NOT NULL"):
            rows += [(uid, k) for k in keys.split("\n") if k.strip()]
        db.executemany("INSERT INTO bsql_sshkeys VALUES (?,?)", rows)
    db.execute("ANALYZE")
    db.close()


if __name__ == "__main__":
    main()
