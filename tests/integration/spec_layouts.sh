#!/bin/sh
# spec_layouts.sh - every byte layout stated in specs/ matches what the code
# writes: the layouts are parsed from the spec text and decode the encoder's
# vectors field for field; stated sizes equal their layouts' sums and the C
# constants that size them (tests/integration/spec_layouts.py says how).
set -eu
exec python3 "$(dirname "$0")/spec_layouts.py"
