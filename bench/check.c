/* PASS:/FAIL: lines of the in-kernel checks (bench/check.h). */
#include "bench/check.h"
#include <stdarg.h>
#include "kernel/console.h"
#include "lib/fmt.h"

int check_line(bool ok, const char *fmt, ...)
{
	char what[192];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	kprintf("%s: %s\n", ok ? "PASS" : "FAIL", what);
	return !ok;
}
