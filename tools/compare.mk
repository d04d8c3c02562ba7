# Two runs side by side: `make compare A=old.log B=new.log` matches their
# rows by what they measured and says, per row, whether B is faster, slower
# or within the spread of the rounds (tools/compare.py; see its --help).
#   OUT=path.html   where the page goes (default: compare.html beside B)
# B on the command line is the second log here: it overrides the build
# folder's variable, which this target does not use (it builds nothing).

compare:
	@if [ -z "$(A)" ] || [ "$(origin B)" != "command line" ]; then \
		echo "usage: make compare A=first.log B=second.log [OUT=page.html]" >&2; exit 2; fi
	@$(PYTHON) tools/compare.py $(if $(OUT),--html "$(OUT)") "$(A)" "$(B)"

.PHONY: compare
