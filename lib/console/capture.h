/* Keeping a long log within a fixed buffer without losing its end: the
 * head (what the machine is) and the tail (the results and the verdict)
 * are kept, the middle is replaced by one line saying how much is missing.
 * Used for the console capture behind the saved report and again when the
 * report must fit the hand-over's variables. */
#ifndef LIB_CONSOLE_CAPTURE_H
#define LIB_CONSOLE_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

/* How the line marking a cut starts: "[... N bytes of the log left out ...]". */
#define CAPTURE_CUT_PREFIX "[... "
/* Room the cut line needs, its '\n' included. */
#define CAPTURE_CUT_MAX    64
/* The smallest buffer worth cutting: a head, a cut line and a tail. */
#define CAPTURE_MIN_SIZE   (4 * CAPTURE_CUT_MAX)

/* buf = [head | room for the cut line | tail, a ring once it is full]. */
struct capture {
	char *buf;
	size_t head_cap;   /* bytes of the head */
	size_t tail_at;    /* where the tail's ring starts in buf */
	size_t tail_cap;   /* bytes of the ring */
	uint64_t total;    /* bytes written so far */
};

/* size >= CAPTURE_MIN_SIZE; a quarter of it keeps the head. */
void capture_init(struct capture *c, char *buf, size_t size);
void capture_write(struct capture *c, const char *s, size_t n);
/* Rearranges buf in place into head, cut line (when something was left
 * out) and tail, cut at line ends, and returns its length. The capture
 * is over then. */
size_t capture_finish(struct capture *c);

/* Shortens text[0..len) in place to at most max bytes (max >=
 * CAPTURE_MIN_SIZE) the same way: its first quarter, a cut line, its end.
 * Returns the new length (len when it fits). */
size_t capture_fit(char *text, size_t len, size_t max);

#endif
