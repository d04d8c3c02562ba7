/* Device-path walk with every length checked before it is trusted: a
 * length of 0 would otherwise never move on, and one below the header
 * size would make the node's payload length negative. */
#include "lib/devpath.h"

void devpath_walk_start(struct devpath_walk *w, const void *path, size_t max_len)
{
	w->next = path;
	w->offset = 0;
	w->left = path ? max_len : 0;
}

enum devpath_status devpath_walk_next(struct devpath_walk *w, struct devpath_node *node)
{
	node->offset = w->offset;
	node->data = NULL;
	node->data_len = 0;
	if (w->left < DEVPATH_HEADER_SIZE)
		return DEVPATH_OVERRUN;
	const uint8_t *p = w->next;
	size_t len = (size_t)p[2] | (size_t)p[3] << 8;
	node->type = p[0];
	node->subtype = p[1];
	if (len < DEVPATH_HEADER_SIZE)
		return DEVPATH_SHORT_NODE;
	if (len > w->left)
		return DEVPATH_OVERRUN;
	if (node->type == DEVPATH_TYPE_END && node->subtype == DEVPATH_SUBTYPE_END_ENTIRE)
		return DEVPATH_END;
	node->data = p + DEVPATH_HEADER_SIZE;
	node->data_len = len - DEVPATH_HEADER_SIZE;
	w->next += len;
	w->offset += len;
	w->left -= len;
	return DEVPATH_NODE;
}

const char *devpath_status_text(enum devpath_status st)
{
	switch (st) {
	case DEVPATH_NODE:
		return "a node";
	case DEVPATH_END:
		return "the end";
	case DEVPATH_SHORT_NODE:
		return "a node shorter than its 4-byte header";
	case DEVPATH_OVERRUN:
		return "a node running past the end of the path";
	}
	return "an unknown state";
}
