/* Walking a UEFI device path (UEFI spec 10.3.1): a run of nodes, each
 * starting with a 4-byte header (type, sub-type, 16-bit length that counts
 * the header too), ended by an End Entire node. A node shorter than its
 * header or reaching past the bytes the caller vouches for ends the walk
 * with an error instead of looping on it or reading beyond. Pure logic,
 * shared by the loader and the host tests. */
#ifndef LIB_DEVPATH_H
#define LIB_DEVPATH_H

#include <stddef.h>
#include <stdint.h>

#define DEVPATH_HEADER_SIZE 4          /* UEFI spec 10.3.1: length >= 4 */
#define DEVPATH_TYPE_END 0x7f          /* UEFI spec 10.3.1, table 10.1 */
#define DEVPATH_SUBTYPE_END_ENTIRE 0xff
#define DEVPATH_TYPE_MEDIA 0x04        /* UEFI spec 10.3.5 */
#define DEVPATH_SUBTYPE_FILE_PATH 0x04 /* UEFI spec 10.3.5.4: a CHAR16 path */

enum devpath_status {
	DEVPATH_NODE,       /* *node is the next node */
	DEVPATH_END,        /* the End Entire node: the walk is over */
	DEVPATH_SHORT_NODE, /* a node's length is below DEVPATH_HEADER_SIZE */
	DEVPATH_OVERRUN,    /* a node (or its header) reaches past the bytes given */
};

struct devpath_walk {
	const uint8_t *next;
	size_t offset; /* of next, from the start of the path */
	size_t left;   /* bytes from next on that may be read */
};

struct devpath_node {
	uint8_t type;
	uint8_t subtype;
	const uint8_t *data; /* the bytes after the header */
	size_t data_len;
	size_t offset;       /* of the node, from the start of the path */
};

/* Walks the path at path, reading at most max_len bytes of it. */
void devpath_walk_start(struct devpath_walk *w, const void *path, size_t max_len);
/* The next node; after anything but DEVPATH_NODE the walk stays there.
 * For the errors, node->offset is where the bad node starts. */
enum devpath_status devpath_walk_next(struct devpath_walk *w, struct devpath_node *node);
const char *devpath_status_text(enum devpath_status st);

#endif
