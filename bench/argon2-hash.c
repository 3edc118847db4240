/*
 * argon2-hash: the argon2id hashes of the benchmark directory, and the CPU
 * cost of checking one, so the report can separate a bind's hash cost from
 * the backend's own work.
 *
 *   argon2-hash hash M_KIB T P PASSWORD     prints $argon2id$v=19$m=..,t=..,p=..$salt$hash
 *   argon2-hash cost N PHC PASSWORD         verifies N times; prints CPU seconds per verify
 *                                           (user+system of all threads: p>1 uses threads)
 */
#include <argon2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int hash(unsigned m_kib, unsigned t, unsigned p, const char *password)
{
    unsigned char salt[16];
    char encoded[256];
    if (getrandom(salt, sizeof salt, 0) != (ssize_t)sizeof salt)
        return 1;
    int rc = argon2id_hash_encoded(t, m_kib, p, password, strlen(password), salt, sizeof salt, 32,
                                   encoded, sizeof encoded);
    if (rc != ARGON2_OK) {
        fprintf(stderr, "argon2-hash: %s\n", argon2_error_message(rc));
        return 1;
    }
    puts(encoded);
    return 0;
}

static int cost(long rounds, const char *phc, const char *password)
{
    double before = cpu_seconds();
    for (long i = 0; i < rounds; i++) {
        int rc = argon2id_verify(phc, password, strlen(password));
        if (rc != ARGON2_OK) {
            fprintf(stderr, "argon2-hash: verify: %s\n", argon2_error_message(rc));
            return 1;
        }
    }
    printf("%.9f\n", (cpu_seconds() - before) / (double)rounds);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 6 && !strcmp(argv[1], "hash"))
        return hash((unsigned)atoi(argv[2]), (unsigned)atoi(argv[3]), (unsigned)atoi(argv[4]), argv[5]);
    if (argc == 5 && !strcmp(argv[1], "cost") && atol(argv[2]) > 0)
        return cost(atol(argv[2]), argv[3], argv[4]);
    fprintf(stderr, "usage: argon2-hash hash M_KIB T P PASSWORD | argon2-hash cost N PHC PASSWORD\n");
    return 2;
}
