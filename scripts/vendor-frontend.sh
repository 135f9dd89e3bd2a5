#!/usr/bin/env bash
# Vendors the design system at a pinned version and compiles Kaitiaki's theme over it.
#   govuk-frontend (MIT)  -> src/Kaitiaki/wwwroot/vendor/govuk-frontend/ (its JavaScript and licence)
#   Web/Theme/*.scss      -> src/Kaitiaki/wwwroot/css/kaitiaki.css
#   axe-core (MPL-2.0)    -> tests/Kaitiaki.Tests/Browser/vendor/ (for the accessibility tests)
# The outputs are committed, so running the portal needs no Node.js; run this script again only
# to change a version or the theme. Nobody edits the outputs by hand.
set -euo pipefail
cd "$(dirname "$0")/.."

GOVUK_FRONTEND=6.6.0
SASS=1.108.2

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm init -y >/dev/null && npm install --no-audit --no-fund --ignore-scripts \
  "govuk-frontend@$GOVUK_FRONTEND" "sass@$SASS" >/dev/null)

vendor=src/Kaitiaki/wwwroot/vendor/govuk-frontend
rm -rf "$vendor"
mkdir -p "$vendor"
cp "$work/node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js" "$vendor/"
# The package carries its licence in its README; keep that section with the copy.
{
  echo "govuk-frontend $GOVUK_FRONTEND, from the npm registry, licensed under the MIT License."
  echo
  sed -n '/^## Licence/,/^## /p' "$work/node_modules/govuk-frontend/README.md" | sed '$d'
  cat <<'MIT'
MIT License

Copyright (c) 2018 Crown Copyright (Government Digital Service)

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction,
including without limitation the rights to use, copy, modify, merge, publish, distribute,
sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT
NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT
OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
MIT
} > "$vendor/LICENCE.txt"

"$work/node_modules/.bin/sass" --no-source-map --style=compressed --quiet-deps \
  --load-path="$work/node_modules" src/Kaitiaki/Web/Theme/kaitiaki.scss src/Kaitiaki/wwwroot/css/kaitiaki.css

# The theme must not reach for GOV.UK's restricted typeface or images.
if grep -qE 'GDS Transport|govuk-crest|/assets/' src/Kaitiaki/wwwroot/css/kaitiaki.css; then
  echo "kaitiaki.css refers to GOV.UK's own typeface or images; check Web/Theme/kaitiaki.scss" >&2
  exit 1
fi
echo "govuk-frontend $GOVUK_FRONTEND vendored; theme compiled to src/Kaitiaki/wwwroot/css/kaitiaki.css"
