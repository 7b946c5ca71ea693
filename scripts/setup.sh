#!/usr/bin/env bash
# Installs what SecureX needs on Debian/Ubuntu: the system packages (Tesseract, the libraries
# OpenCV's window uses, and with --test the virtual screen the tests drive, a PostgreSQL
# server and the Mosquitto MQTT broker), then a virtual environment in .venv with the Python packages of requirements.txt
# and the rapidocr wheel that holds the line recogniser's model (with --no-deps).
# Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=()
command -v tesseract >/dev/null 2>&1 || packages+=(tesseract-ocr)
python3 -c "import ensurepip, venv" >/dev/null 2>&1 || packages+=(python3-venv python3-pip)
# aplay plays the alarm of a flagged plate (paplay or pw-play, when the desktop has them, do too)
command -v aplay >/dev/null 2>&1 || command -v paplay >/dev/null 2>&1 || command -v pw-play >/dev/null 2>&1 \
    || packages+=(alsa-utils)
for lib in libGL.so.1:libgl1 libglib-2.0.so.0:libglib2.0-0 libxkbcommon-x11.so.0:libxkbcommon-x11-0 \
           libxcb-icccm.so.4:libxcb-icccm4 libxcb-image.so.0:libxcb-image0 libxcb-keysyms.so.1:libxcb-keysyms1 \
           libxcb-render-util.so.0:libxcb-render-util0 libxcb-xinerama.so.0:libxcb-xinerama0 \
           libxcb-shape.so.0:libxcb-shape0 libxcb-xkb.so.1:libxcb-xkb1 libfontconfig.so.1:libfontconfig1; do
    ldconfig -p | grep -q "${lib%%:*}" || packages+=("${lib##*:}")
done
if [ "${1:-}" = "--test" ]; then
    command -v Xvfb >/dev/null 2>&1 || packages+=(xvfb)
    command -v xdotool >/dev/null 2>&1 || packages+=(xdotool)
    command -v import >/dev/null 2>&1 || packages+=(imagemagick)
    ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || packages+=(postgresql)
    # the MQTT tests start their own broker (never the system service)
    command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || packages+=(mosquitto)
fi
if [ ${#packages[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "Installing system packages: ${packages[*]}"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${packages[@]}"
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
requirements=requirements.txt
[ "${1:-}" = "--test" ] && requirements=requirements-dev.txt
.venv/bin/python -m pip install -q --disable-pip-version-check -r "$requirements"
# The PP-OCRv6 line recogniser's model (Apache-2.0) is inside the rapidocr wheel. --no-deps: that package's own
# requirements would install a second OpenCV (opencv-python-headless) over ours; SecureX loads only its model file.
.venv/bin/python -m pip install -q --disable-pip-version-check --no-deps rapidocr==3.10.0
if [ "${1:-}" = "--test" ]; then
    # The optional plate detector (DETECTOR = "platedet"; its model is AGPL-3.0, never the default) is tested too.
    # --no-deps: the package pins other versions of OpenCV and ONNX Runtime; SecureX loads only its model file.
    .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps platedet==0.0.2
fi
