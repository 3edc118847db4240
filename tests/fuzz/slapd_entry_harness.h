/*
 * What fuzz_entry needs from slapd, given with slapd's meaning: the schema
 * the module resolves (cdbm_ad), a database below dc=cluster,dc=internal,
 * an Operation, and the value rules its matching rules apply.
 */
#ifndef CLUSTERDB_SLAPD_ENTRY_HARNESS_H
#define CLUSTERDB_SLAPD_ENTRY_HARNESS_H

#include <stdio.h>
#include <stdlib.h>

#include "back-clusterdb.h"

#undef free /* proto-slap.h maps it to ch_free, which the harness defines */

#define CHECK(cond, ...)                                                           \
    do {                                                                           \
        if (!(cond)) {                                                             \
            fprintf(stderr, "fuzz_entry: %s:%d: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                          \
            fputc('\n', stderr);                                                   \
            abort();                                                               \
        }                                                                          \
    } while (0)

void harness_init(void);
Operation *harness_op(void);
cdbm_info *harness_info(void);

/* Whether len bytes at s are UTF-8 (what directoryString values must be). */
int harness_value_is_utf8(const char *s, size_t len);
/* A caseIgnoreMatch value normalized as slapd does (see the harness);
 * malloc'ed; "" for a value slapd refuses. */
char *harness_fold(const char *s);
/* The normalized DN type=value,parent as slapd would make it, written by
 * libldap from the value itself (not from the module's escaping): 0 with
 * ndn set (ber_memfree it), or -1 when slapd would refuse such a DN. */
int harness_expected_ndn(const char *type, const char *value, const struct berval *parent,
                         struct berval *ndn);

#endif
