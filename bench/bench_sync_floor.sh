#!/bin/sh
# bench_sync_floor.sh - what SQLite alone takes to write the rows of a first
# full sync of bench_sync.sh's directory (100,000 people and accounts, their
# owners, 100,000 memberships, 200,000 directory rows, 310,000 events), with
# no LDAP, no parsing and no checks: the floor under `credpolicy sync --full`
# into an empty ledger (docs/PERFORMANCE.md, "Directory sync").
#
#   bench/bench_sync_floor.sh [--lean]    (from the build directory)
#
# The schema is the ledger's own ("credpolicy ledger init"), the settings
# the ledger's (WAL, synchronous = FULL, foreign keys, a 64 MB page cache);
# one transaction, like the sync's, then the checkpoint a closing writer does.
# --lean: the floor of a leaner schema that the ledger does not have (yet):
# event hashes as 32-byte blobs, and each person's and account's directory
# key (a 16-byte UUID) and DN in its own row instead of directory_entries.
# Needs the sqlite3 shell (Debian package sqlite3).
set -eu
CP=${CREDPOLICY:-./tools/credpolicy}
[ -x "$CP" ] || { echo "bench_sync_floor: no $CP (run from a built tree)" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "bench_sync_floor: the sqlite3 shell is needed" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/credpolicy-floor.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
lean=false
[ "${1:-}" = --lean ] && lean=true
if $lean; then
	# The tables the rows go to, as schema_v1/v3 of ledger_schema.c has them
	# but for the columns named above.
	sqlite3 "$tmp/ledger.db" >/dev/null <<'SQL'
PRAGMA journal_mode = WAL;
CREATE TABLE people (id INTEGER PRIMARY KEY,
  employee_id TEXT NOT NULL UNIQUE CHECK (length(employee_id) BETWEEN 1 AND 256),
  display_name TEXT NOT NULL CHECK (length(display_name) <= 1024),
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'departed')),
  departed_at INTEGER, tokens TEXT NOT NULL DEFAULT '',
  dir_uuid BLOB UNIQUE CHECK (length(dir_uuid) = 16), dir_dn TEXT,
  CHECK ((status = 'departed') = (departed_at IS NOT NULL))) STRICT;
CREATE TABLE accounts (id INTEGER PRIMARY KEY,
  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 256),
  scope TEXT NOT NULL CHECK (length(scope) BETWEEN 1 AND 256),
  class TEXT NOT NULL CHECK (length(class) BETWEEN 1 AND 64),
  kind TEXT NOT NULL CHECK (kind IN ('personal', 'service', 'break-glass')),
  locked INTEGER NOT NULL DEFAULT 0 CHECK (locked IN (0, 1)), lock_reason TEXT,
  otp INTEGER NOT NULL DEFAULT 0 CHECK (otp IN (0, 1)),
  last_change INTEGER NOT NULL DEFAULT 0, must_change_reason TEXT,
  dir_uuid BLOB UNIQUE CHECK (length(dir_uuid) = 16), dir_dn TEXT,
  UNIQUE (name, scope)) STRICT;
CREATE TABLE owners (account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  person_id INTEGER NOT NULL REFERENCES people (id), since INTEGER NOT NULL,
  PRIMARY KEY (account_id, person_id)) STRICT, WITHOUT ROWID;
CREATE INDEX owners_person ON owners (person_id);
CREATE TABLE memberships (person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
  grp TEXT NOT NULL CHECK (length(grp) BETWEEN 1 AND 256),
  scope TEXT NOT NULL CHECK (length(scope) BETWEEN 1 AND 256),
  source TEXT NOT NULL DEFAULT 'local' CHECK (source IN ('local', 'directory')),
  PRIMARY KEY (person_id, grp, scope)) STRICT, WITHOUT ROWID;
CREATE INDEX memberships_grp ON memberships (grp);
CREATE TABLE directory_entries (uuid TEXT PRIMARY KEY CHECK (length(uuid) BETWEEN 1 AND 64),
  kind TEXT NOT NULL CHECK (kind = 'group'), dn TEXT NOT NULL CHECK (length(dn) <= 4096),
  grp TEXT NOT NULL CHECK (length(grp) BETWEEN 1 AND 256)) STRICT, WITHOUT ROWID;
CREATE TABLE events (id INTEGER PRIMARY KEY, time INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 32), account TEXT NOT NULL,
  person TEXT NOT NULL, actor TEXT NOT NULL, ticket TEXT NOT NULL, detail TEXT NOT NULL,
  prev_hash BLOB NOT NULL CHECK (length(prev_hash) = 32),
  hash BLOB NOT NULL CHECK (length(hash) = 32)) STRICT;
CREATE INDEX events_time ON events (time);
SQL
	DIR_COLS=', dir_uuid, dir_dn' HASH='randomblob(32)'
	P_DIR=", randomblob(16), printf('employeeNumber=B%07d,ou=people,dc=example,dc=gov,dc=cn', i)"
	A_DIR=", randomblob(16), printf('uid=bu%07d,ou=accounts,dc=example,dc=gov,dc=cn', i)"
	# Only the groups keep rows in directory_entries.
	DIR_ROWS="WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < 999)
INSERT INTO directory_entries (uuid, kind, dn, grp)
  SELECT lower(hex(randomblob(4))) || '-aaaa-bbbb-cccc-' || printf('%012d', i) || '#group',
         'group', printf('cn=g%d,ou=groups,dc=example,dc=gov,dc=cn', i), printf('g%d', i) FROM c;"
else
	printf '[ledger]\npath = %s/ledger.db\n' "$tmp" >"$tmp/credpolicy.conf"
	"$CP" ledger init --config "$tmp/credpolicy.conf" >/dev/null
	DIR_COLS='' HASH='lower(hex(randomblob(32)))' P_DIR='' A_DIR=''
	DIR_ROWS="WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < 199999)
INSERT INTO directory_entries (uuid, kind, dn, person_id, account_id)
  SELECT lower(hex(randomblob(4))) || '-aaaa-bbbb-cccc-' || printf('%012d', i)
         || CASE WHEN i % 2 THEN '#account' ELSE '' END,
         CASE WHEN i % 2 THEN 'account' ELSE 'person' END,
         printf('uid=bu%07d,ou=accounts,dc=example,dc=gov,dc=cn', i),
         CASE WHEN i % 2 THEN NULL ELSE i / 2 + 1 END,
         CASE WHEN i % 2 THEN i / 2 + 1 ELSE NULL END FROM c;"
fi
# Tokens, DNs and details as long as the sync's; the hashes random.
cat >"$tmp/rows.sql" <<SQL
PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA cache_size = -65536;
.timer on
BEGIN IMMEDIATE;
WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < 99999)
INSERT INTO people (employee_id, display_name, tokens$DIR_COLS) SELECT printf('B%07d', i), 'name',
  '13900007919 1900007919 900007919 00007919 0007919 007919 07919 7919 19900315 900315 '
  || '0315 1503 ^hj ^jh huang huangj huangjuan juan juanh juanhuang hjuan b' || i$P_DIR FROM c;
WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < 99999)
INSERT INTO accounts (name, scope, class, kind, otp, last_change$DIR_COLS)
  SELECT printf('bu%07d', i), '*', 'default', 'personal', 0, 1700000000$A_DIR FROM c;
WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < 99999)
INSERT INTO owners (account_id, person_id, since) SELECT i + 1, i + 1, 1700000000 FROM c;
WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < 99999)
INSERT INTO memberships (person_id, grp, scope, source)
  SELECT i + 1, printf('g%d', i / 100), '*', 'directory' FROM c;
$DIR_ROWS
WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < 309999)
INSERT INTO events (time, kind, account, person, actor, ticket, detail, prev_hash, hash)
  SELECT 1700000000, 'account_add', printf('bu%07d', i), printf('B%07d', i), 'sync', '',
         'class=default kind=personal otp=no owner=B0000001 last_change=1790843400',
         $HASH, $HASH FROM c;
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
echo "# seconds: begin, people, accounts, owners, memberships, directory rows, events, commit, checkpoint"
$lean && echo "# (--lean: the directory rows are the 1,000 groups'; people's and accounts' keys are in their rows)"
t0=$(date +%s.%N)
sqlite3 "$tmp/ledger.db" <"$tmp/rows.sql" | sed -n 's/^Run Time: real \([0-9.]*\).*/\1/p' | tr '\n' ' '
echo
echo "total_s: $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f\n", b - a }')"
echo "ledger_bytes: $(wc -c <"$tmp/ledger.db")"
