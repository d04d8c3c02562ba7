# The framebuffer console's font, converted at build time from a Debian
# console font (package console-setup-linux; the VGA font there is under an
# MIT-style licence, see /usr/share/doc/console-setup-linux/copyright.fonts.gz,
# entry u_vga16.bdf). The C file is generated, never committed.
FONT_PSF ?= /usr/share/consolefonts/Uni2-VGA16.psf.gz
# Defines `fbcon_font_default` (lib/console/fbcon.h); compile it into any program
# that calls fbcon_init with that font.
FONT_SRC := $(B)/gen/font.c

$(FONT_SRC): $(FONT_PSF) tools/psf2c.py
	@mkdir -p $(@D)
	$(PYTHON) tools/psf2c.py $(FONT_PSF) fbcon_font_default > $@.tmp
	@mv $@.tmp $@

# Overrides the generic host-test rule: this test also needs the font. The
# prerequisites name every lib/ source (not HOST_LIB_SRCS) so they do not depend
# on the order in which the .mk files are included.
$(B)/host/test_fbcon: tests/host/test_fbcon.c $(FONT_SRC) $(wildcard lib/*.c lib/*.h lib/*/*.c lib/*/*.h) \
		tests/host/check.h
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) -o $@ $< $(FONT_SRC) $(HOST_LIB_SRCS)

# Names the package rather than failing with "No rule to make target".
$(FONT_PSF):
	@echo "fbcon: $@ is missing; it comes with the Debian package" \
		"console-setup-linux (make deps installs it)" >&2
	@exit 1
