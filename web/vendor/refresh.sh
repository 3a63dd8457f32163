#!/bin/sh
# Fetches the vendored xterm.js (and its fit and Unicode 11 addons) from the npm registry at the pinned
# versions, checks each tarball against its pinned sha512 integrity, and copies the
# files camp embeds into web/vendor/xterm/. Run from anywhere; needs npm and sha512sum.
# To move to a new version: change VERSION and INTEGRITY below (from `npm view
# PACKAGE@VERSION dist.integrity`), run this script, and read the upstream changelog.
set -eu

XTERM_VERSION=6.0.0
XTERM_INTEGRITY='sha512-TQwDdQGtwwDt+2cgKDLn0IRaSxYu1tSUjgKarSDkUM0ZNiSRXFpjxEsvc/Zgc5kq5omJ+V0a8/kIM2WD3sMOYg=='
FIT_VERSION=0.11.0
FIT_INTEGRITY='sha512-jYcgT6xtVYhnhgxh3QgYDnnNMYTcf8ElbxxFzX0IZo+vabQqSPAjC3c1wJrKB5E19VwQei89QCiZZP86DCPF7g=='
UNICODE11_VERSION=0.9.0
UNICODE11_INTEGRITY='sha512-FxDnYcyuXhNl+XSqGZL/t0U9eiNb/q3EWT5rYkQT/zuig8Gz/VagnQANKHdDWFM2lTMk9ly0EFQxxxtZUoRetw=='

here=$(cd "$(dirname "$0")" && pwd)
out="$here/xterm"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch() { # package version integrity -> unpacked dir
    name=$1 version=$2 integrity=$3
    (cd "$work" && npm pack --silent "$name@$version" >/dev/null)
    tarball=$(ls "$work"/*.tgz)
    got="sha512-$(sha512sum "$tarball" | cut -d' ' -f1 | xxd -r -p | base64 -w0)"
    if [ "$got" != "$integrity" ]; then
        echo "refresh.sh: $name@$version does not match its pinned hash" >&2
        echo "  want $integrity" >&2
        echo "  got  $got" >&2
        exit 1
    fi
    rm -rf "$work/package"
    tar -xzf "$tarball" -C "$work"
    rm -f "$tarball"
}

mkdir -p "$out"
fetch @xterm/xterm "$XTERM_VERSION" "$XTERM_INTEGRITY"
cp "$work/package/lib/xterm.js" "$out/xterm.js"
cp "$work/package/css/xterm.css" "$out/xterm.css"
cp "$work/package/LICENSE" "$out/LICENSE"
fetch @xterm/addon-fit "$FIT_VERSION" "$FIT_INTEGRITY"
cp "$work/package/lib/addon-fit.js" "$out/addon-fit.js"
cp "$work/package/LICENSE" "$out/LICENSE.addon-fit"
fetch @xterm/addon-unicode11 "$UNICODE11_VERSION" "$UNICODE11_INTEGRITY"
cp "$work/package/lib/addon-unicode11.js" "$out/addon-unicode11.js"
cp "$work/package/LICENSE" "$out/LICENSE.addon-unicode11"
cat > "$out/VERSION" <<V
@xterm/xterm $XTERM_VERSION $XTERM_INTEGRITY
@xterm/addon-fit $FIT_VERSION $FIT_INTEGRITY
@xterm/addon-unicode11 $UNICODE11_VERSION $UNICODE11_INTEGRITY
V
echo "vendored @xterm/xterm $XTERM_VERSION, @xterm/addon-fit $FIT_VERSION and @xterm/addon-unicode11 $UNICODE11_VERSION into $out"
