#!/bin/sh
# Every built-in data file and schema is listed in data/local.mk (so it is
# installed and distributed), and every schema carries its canonical $id.
. "$top_srcdir/tests/lib.sh"
cd "$top_srcdir"

for f in $(find data schemas -name '*.json' | sort); do
	grep -qF "	$f" data/local.mk
	ok $? "$f is listed in data/local.mk"
done
for f in $(sed -n 's/^[[:space:]]*\([a-z].*\.json\).*/\1/p' data/local.mk); do
	test -f "$f"
	ok $? "listed $f exists"
done
for f in $(find schemas -name '*.json' | sort); do
	id=${f#schemas/}
	id=${id%.json}
	grep -qF "\"\$id\": \"https://schemas.devflow.local/$id\"" "$f"
	ok $? "$f has \$id https://schemas.devflow.local/$id"
	grep -qF '"$schema": "https://json-schema.org/draft/2020-12/schema"' "$f"
	ok $? "$f is a draft 2020-12 schema"
done
done_testing
