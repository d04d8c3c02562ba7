/* The kernel command line, assembled by the loader from the config file
 * and the image's load options. Pure C (no firmware calls), so the host
 * tests build it too. */
#ifndef BOOT_CMDLINE_H
#define BOOT_CMDLINE_H

#include <stddef.h>
#include <stdint.h>

/* The word put in place of what did not fit: the kernel's option parser
 * rejects it by name (the run stops with EXIT_BAD_OPTION), and the name
 * says why. Its number is BOOT_CMDLINE_MAX - 1. */
#define CMDLINE_TOO_LONG_WORD "loader-command-line-over-1023-characters"

enum cmdline_status { CMDLINE_OK = 0, CMDLINE_TOO_LONG = 1 };

/* Builds the kernel command line in out (out_size bytes, NUL included):
 * the config file's words, then the load options' words (UCS-2, used only
 * when they are printable text; the first is skipped when it is the
 * program's own .efi path), so options typed in a shell override the file.
 * Words are never cut: when the words do not all fit, out gets the whole
 * words that fit with room for CMDLINE_TOO_LONG_WORD, then that word, and
 * CMDLINE_TOO_LONG is returned. *needed (if given) gets the length the
 * whole line would have had. */
enum cmdline_status cmdline_build(char *out, size_t out_size, const char *config,
				  size_t config_size, const void *load_options,
				  uint32_t load_options_size, size_t *needed);

#endif
