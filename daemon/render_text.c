/* The check every value passes before it is written into a configuration. */
#include "render.h"

/* Everything written into a configuration comes from validated columns;
 * this second check keeps a value that would change the file's syntax
 * (spaces, ';', '{', newlines, quotes) out of it whatever happens upstream. */
int render_safe(const char *value)
{
    if (value == NULL || value[0] == '\0')
        return 0;
    for (const char *p = value; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_' || c == ':'))
            return 0;
    }
    return 1;
}
