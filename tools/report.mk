# The HTML report of a run: `make report` turns the serial log of the last
# `make run` into $(B)/serial.html (self-contained: inline CSS and SVG).
#   make report LOG=path/to/serial.log   another log; the page goes beside it
#   make report RUN=2                    the log's second run, not the last
#                                        complete one
# The tool (tools/report.py) prints the page's path; see its --help.

LOG ?= $(B)/serial.log
RUN ?=

report:
	@$(PYTHON) tools/report.py $(if $(RUN),--run $(RUN)) "$(LOG)"

.PHONY: report
