#!/usr/bin/env bash
# The layer rule at link level: no layer's archive refers to a symbol that only a layer it does
# not use defines (cmake/soma_layers.cmake), e.g. a forward declaration that sidesteps the
# include check. Run by ctest (layers.links_follow_rule) with one argument per layer:
#   check_layer_links.sh LAYER=ARCHIVE=USED_LAYERS...   (USED_LAYERS space-separated, closure)
# bash and binutils' nm only. Prints each offending symbol and exits 1.
set -euo pipefail
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
declare -A uses
layers=()
for arg in "$@"; do
  IFS='=' read -r layer file used <<< "$arg"
  layers+=("$layer")
  uses[$layer]=" $used "
  nm -g --defined-only "$file" | awk 'NF >= 3 { print $3 }' | sort -u > "$tmp/$layer.defined"
  nm -g --undefined-only "$file" | awk 'NF >= 2 { print $2 }' | sort -u > "$tmp/$layer.undefined"
done
for layer in "${layers[@]}"; do
  # What the layer needs that neither it nor a layer it uses defines (libc, BLAS, ... or a breach).
  allowed=("$tmp/$layer.defined")
  for used in ${uses[$layer]}; do allowed+=("$tmp/$used.defined"); done
  sort -u "${allowed[@]}" | comm -23 "$tmp/$layer.undefined" - > "$tmp/outside"
  for other in "${layers[@]}"; do
    [[ $other == "$layer" || ${uses[$layer]} == *" $other "* ]] && continue
    comm -12 "$tmp/outside" "$tmp/$other.defined" | while read -r symbol; do
      echo "$layer refers to $(c++filt "$symbol"), defined in $other, which $layer does not use"
    done >> "$tmp/breaches"
  done
done
if [[ -s $tmp/breaches ]]; then
  cat "$tmp/breaches"
  echo "$(wc -l < "$tmp/breaches") symbol(s) cross the layers upwards; the rule is in cmake/soma_layers.cmake"
  exit 1
fi
echo "the ${#layers[@]} layers' archives refer only to layers they use"
