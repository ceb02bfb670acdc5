# make pictures: regenerates the example timeline shown in the README
# (docs/example-timeline.svg, and .png when Chromium is installed).
# Included from the top Makefile; uses its $(BIN).
.PHONY: pictures
PICTURE_ARGS := reproduce --strategy zero --seed 37
CHROMIUM     ?= $(shell command -v chromium || command -v chromium-browser)

pictures: $(BIN)
	rm -f docs/example-timeline.svg docs/example-timeline.png
	$(BIN) $(PICTURE_ARGS) --svg docs/example-timeline.svg >/dev/null; test $$? -eq 2
	chmod 644 docs/example-timeline.svg
	@if [ -n "$(CHROMIUM)" ]; then \
		prof=$$(mktemp -d); \
		"$(CHROMIUM)" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
			--disable-background-networking --disable-component-update --disable-sync \
			--hide-scrollbars --user-data-dir="$$prof" --window-size=1400,510 \
			--screenshot="$$PWD/docs/example-timeline.png" \
			"file://$$PWD/docs/example-timeline.svg" >/dev/null 2>&1; \
		rm -rf "$$prof"; \
		test -s docs/example-timeline.png && echo "  PNG     docs/example-timeline.png"; \
	else \
		echo "pictures: chromium not installed; docs/example-timeline.png not made" >&2; \
	fi
