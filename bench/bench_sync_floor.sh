#!/bin/sh
# bench_sync_floor.sh - what SQLite alone takes to write the rows of a first
# full sync of bench_sync.sh's directory (100,000 people and accounts, their
# owners, 100,000 memberships, 200,000 directory rows, 310,000 events), with
# no LDAP, no parsing and no checks: the floor under `credpolicy sync --full`
# into an empty ledger (docs/PERFORMANCE.md, "Directory sync").
#
#   bench/bench_sync_floor.sh        (from the build directory)
#
# The schema is the ledger's own ("credpolicy ledger init"), the settings
# the ledger's (WAL, synchronous = FULL, foreign keys, a 64 MB page cache);
# one transaction, like the sync's, then the checkpoint a closing writer does.
# Needs the sqlite3 shell (Debian package sqlite3).
set -eu
CP=${CREDPOLICY:-./tools/credpolicy}
[ -x "$CP" ] || { echo "bench_sync_floor: no $CP (run from a built tree)" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "bench_sync_floor: the sqlite3 shell is needed" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/credpolicy-floor.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
printf '[ledger]\npath = %s/ledger.db\n' "$tmp" >"$tmp/credpolicy.conf"
"$CP" ledger init --config "$tmp/credpolicy.conf" >/dev/null
# Tokens, DNs and details as long as the sync's; the hashes random hex.
cat >"$tmp/rows.sql" <<'SQL'
PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA cache_size = -65536;
.timer on
BEGIN IMMEDIATE;
WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < 99999)
INSERT INTO people (employee_id, display_name, tokens) SELECT printf('B%07d', i), 'name',
  '13900007919 1900007919 900007919 00007919 0007919 007919 07919 7919 19900315 900315 '
  || '0315 1503 ^hj ^jh huang huangj huangjuan juan juanh juanhuang hjuan b' || i FROM c;
WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < 99999)
INSERT INTO accounts (name, scope, class, kind, otp, last_change)
  SELECT printf('bu%07d', i), '*', 'default', 'personal', 0, 1700000000 FROM c;
WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < 99999)
INSERT INTO owners (account_id, person_id, since) SELECT i + 1, i + 1, 1700000000 FROM c;
WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < 99999)
INSERT INTO memberships (person_id, grp, scope, source)
  SELECT i + 1, printf('g%d', i / 100), '*', 'directory' FROM c;
WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < 199999)
INSERT INTO directory_entries (uuid, kind, dn, person_id, account_id)
  SELECT lower(hex(randomblob(4))) || '-aaaa-bbbb-cccc-' || printf('%012d', i)
         || CASE WHEN i % 2 THEN '#account' ELSE '' END,
         CASE WHEN i % 2 THEN 'account' ELSE 'person' END,
         printf('uid=bu%07d,ou=accounts,dc=example,dc=gov,dc=cn', i),
         CASE WHEN i % 2 THEN NULL ELSE i / 2 + 1 END,
         CASE WHEN i % 2 THEN i / 2 + 1 ELSE NULL END FROM c;
WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < 309999)
INSERT INTO events (time, kind, account, person, actor, ticket, detail, prev_hash, hash)
  SELECT 1700000000, 'account_add', printf('bu%07d', i), printf('B%07d', i), 'sync', '',
         'class=default kind=personal otp=no owner=B0000001 last_change=1790843400',
         lower(hex(randomblob(32))), lower(hex(randomblob(32))) FROM c;
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
echo "# seconds: begin, people, accounts, owners, memberships, directory rows, events, commit, checkpoint"
t0=$(date +%s.%N)
sqlite3 "$tmp/ledger.db" <"$tmp/rows.sql" | sed -n 's/^Run Time: real \([0-9.]*\).*/\1/p' | tr '\n' ' '
echo
echo "total_s: $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f\n", b - a }')"
echo "ledger_bytes: $(wc -c <"$tmp/ledger.db")"
