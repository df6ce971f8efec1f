#!/usr/bin/env bash
# Keep the language catalogs in step with the code (Babel): extract every marked string into
# tui/locale/portcheck.pot, merge it into each language's .po, compile the .mo files that ship
# in the wheel. Translate what `update` adds (tests/test_i18n.py fails until every string is).
set -euo pipefail
cd "$(dirname "$0")/.."
BABEL=${BABEL:-.venv/bin/pybabel}
"$BABEL" extract -F babel.cfg -k N_ -k _ -k ngettext:1,2 --no-location --sort-output \
    --project Portcheck --copyright-holder "Portcheck" -o tui/locale/portcheck.pot tui
"$BABEL" update -i tui/locale/portcheck.pot -d tui/locale -D portcheck --no-fuzzy-matching \
    --ignore-obsolete
"$BABEL" compile -d tui/locale -D portcheck --statistics
