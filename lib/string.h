/* Memory and string functions for the freestanding kernel. GCC emits calls to
 * memcpy/memset/memmove/memcmp on its own, so these keep the standard names.
 * A host build uses libc's; test_string builds this file under a prefix. */
#ifndef LIB_STRING_H
#define LIB_STRING_H

#include <stddef.h>

#if defined(HOST_BUILD) && !defined(LIB_STRING_PREFIX)
#include <string.h>
#else
#ifdef LIB_STRING_PREFIX
#define LIB_STRING_CAT2(a, b) a##b
#define LIB_STRING_CAT(a, b) LIB_STRING_CAT2(a, b)
#define memcpy  LIB_STRING_CAT(LIB_STRING_PREFIX, memcpy)
#define memmove LIB_STRING_CAT(LIB_STRING_PREFIX, memmove)
#define memset  LIB_STRING_CAT(LIB_STRING_PREFIX, memset)
#define memcmp  LIB_STRING_CAT(LIB_STRING_PREFIX, memcmp)
#define memchr  LIB_STRING_CAT(LIB_STRING_PREFIX, memchr)
#define strlen  LIB_STRING_CAT(LIB_STRING_PREFIX, strlen)
#define strnlen LIB_STRING_CAT(LIB_STRING_PREFIX, strnlen)
#define strcmp  LIB_STRING_CAT(LIB_STRING_PREFIX, strcmp)
#define strncmp LIB_STRING_CAT(LIB_STRING_PREFIX, strncmp)
#define strchr  LIB_STRING_CAT(LIB_STRING_PREFIX, strchr)
#endif

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
#endif

#endif
