/* services.c: not written yet (placeholder so the build stays whole). */
