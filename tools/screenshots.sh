#!/bin/sh
# Takes the README's screenshots under Xvfb, against the bundled simulator:
#   doc/img/nvim-qr.png           Neovim (in xterm): beeper.ui.neovim's QR float
#   doc/img/awesome-widget.png    awesome: the beeper widget in a wibar
#   doc/img/awesome-no-token.png  awesome without a token: widget and notification
# Needs: make, Xvfb, xterm, xfonts-base, imagemagick (import, convert), awesome, neovim,
# zbar-tools (the QR in the screenshot is decoded as a check). As root it
# installs what is missing.
set -eu
cd "$(dirname "$0")/.."
root=$PWD
for pair in xvfb:Xvfb xterm:xterm imagemagick:import awesome:awesome neovim:nvim zbar-tools:zbarimg; do
    command -v "${pair#*:}" >/dev/null || missing="${missing:-} ${pair%%:*}"
done
# The bitmap fonts: their block elements fill whole cells (no gaps in the QR).
[ -d /usr/share/fonts/X11/misc ] || missing="${missing:-} xfonts-base"
if [ -n "${missing:-}" ]; then
    [ "$(id -u)" = 0 ] || { echo "missing:$missing" >&2; exit 1; }
    apt-get install -y $missing
fi
# /usr/bin first: a convert elsewhere on PATH may not be ImageMagick's.
convert=/usr/bin/convert
make --no-print-directory >/dev/null

tmp=$(mktemp -d)
cleanup() {
    for p in $(cat "$tmp"/*.pid 2>/dev/null); do kill "$p" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

export LUA_PATH="$root/lua/?.lua;$root/lua/?/init.lua;;" LUA_CPATH="$root/build/5.4/?.so;;"
port=$(lua5.4 -e 'local s = require("socket").bind("127.0.0.1", 0); local _, p = s:getsockname(); print(p); s:close()')
# The QR stays up while the screenshot is taken (the login never completes).
lua5.4 bin/beeper-sim --port "$port" --token shot-token --qr-polls 100000 >"$tmp/sim.log" 2>&1 &
echo $! > "$tmp/sim.pid"
unset LUA_PATH LUA_CPATH
for i in $(seq 50); do grep -q LISTENING "$tmp/sim.log" && break; sleep 0.1; done

# A display of its own.
n=$((150 + $$ % 50))
while [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ]; do n=$((n + 1)); done
Xvfb ":$n" -screen 0 1000x720x24 -nolisten tcp >/dev/null 2>&1 &
echo $! > "$tmp/xvfb.pid"
for i in $(seq 50); do [ -S "/tmp/.X11-unix/X$n" ] && break; sleep 0.1; done
export DISPLAY=":$n" BEEPER_BASE_URL="http://127.0.0.1:$port"

# 1. Neovim: connect WhatsApp with the Neovim ui; the QR float opens.
# A bitmap font: its block elements fill whole cells (DejaVu's leave gaps
# between rows that keep the QR code from scanning).
BEEPER_ACCESS_TOKEN=shot-token xterm -geometry 100x46+0+0 -fn '-misc-fixed-medium-r-normal--18-120-100-100-c-90-iso10646-1' \
    -bg '#1d2021' -fg '#ebdbb2' \
    -e nvim -u NONE -i NONE -n --cmd "set rtp^=$root" \
    -c 'lua require("beeper.ui.neovim").connect(require("beeper").new {}, "local-whatsapp", { interval = 1 })' &
echo $! > "$tmp/xterm.pid"
sleep 4
import -window root "$tmp/nvim.png"
kill "$(cat "$tmp/xterm.pid")" 2>/dev/null || true
# The xterm's area only: the root window around it is black.
$convert "$tmp/nvim.png" -bordercolor black -border 1 -trim +repage doc/img/nvim-qr.png
zbarimg -q --raw doc/img/nvim-qr.png >"$tmp/qr.txt" 2>/dev/null || { echo "the QR in the screenshot does not scan" >&2; exit 1; }
echo "doc/img/nvim-qr.png: the QR scans as $(head -c 40 "$tmp/qr.txt")..."

# 2. awesome: the widget with a token, then without one.
shot_awesome() { # name, token
    rm -f "$tmp/ready"
    BEEPER_ROOT="$root" BEEPER_SHOT_READY="$tmp/ready" BEEPER_ACCESS_TOKEN="$2" \
        awesome -c tools/screenshots_awesome_rc.lua >"$tmp/awesome.log" 2>&1 &
    echo $! > "$tmp/awesome.pid"
    for i in $(seq 100); do [ -f "$tmp/ready" ] && break; sleep 0.1; done
    sleep 1
    import -window root "$tmp/$1.png"
    kill "$(cat "$tmp/awesome.pid")" 2>/dev/null || true
    wait "$(cat "$tmp/awesome.pid")" 2>/dev/null || true
    echo "doc/img/$1.png: widget $(cat "$tmp/ready" 2>/dev/null || echo 'never ready')"
}
shot_awesome awesome-widget shot-token
# The bar's right end (the widget, the clock), enlarged for the README.
$convert "$tmp/awesome-widget.png" -crop 400x24+600+0 +repage -scale 200% doc/img/awesome-widget.png
shot_awesome awesome-no-token ""
$convert "$tmp/awesome-no-token.png" -crop 1000x160+0+0 +repage doc/img/awesome-no-token.png
