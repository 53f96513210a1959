package store

import (
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// dialect is what differs between the two back ends. Queries are written
// once, with ? placeholders and SQL both databases understand (TRUE/FALSE,
// ON CONFLICT, RETURNING); the dialect rewrites placeholders and expands the
// type tokens of the schema.
type dialect int

const (
	sqlite dialect = iota
	postgres
)

func (d dialect) String() string {
	if d == postgres {
		return "postgres"
	}
	return "sqlite"
}

// rebind turns ? placeholders into PostgreSQL's $1, $2, ... A ? inside a
// quoted literal or identifier is left alone.
func (d dialect) rebind(query string) string {
	if d != postgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	var quote byte
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Schema type tokens. A migration writes {{bool}}, {{int}}, {{blob}} and
// {{email}} where the two databases spell a type differently:
//
//	token      SQLite                 PostgreSQL
//	{{bool}}   INTEGER (0/1)          BOOLEAN
//	{{int}}    INTEGER (64-bit)       BIGINT
//	{{blob}}   BLOB                   BYTEA
//	{{email}}  TEXT COLLATE NOCASE    CITEXT (case-insensitive compare and unique)
//
// Boolean defaults and comparisons are written TRUE/FALSE, which SQLite
// reads as 1/0.
var typeTokens = map[dialect]*strings.Replacer{
	sqlite: strings.NewReplacer("{{bool}}", "INTEGER", "{{int}}", "INTEGER", "{{blob}}", "BLOB",
		"{{email}}", "TEXT COLLATE NOCASE"),
	postgres: strings.NewReplacer("{{bool}}", "BOOLEAN", "{{int}}", "BIGINT", "{{blob}}", "BYTEA",
		"{{email}}", "CITEXT"),
}

func (d dialect) expand(schema string) string { return typeTokens[d].Replace(schema) }

// isUnique reports whether err is a unique-constraint violation on either
// back end.
func isUnique(err error) bool {
	if err == nil {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505" // unique_violation
	}
	return strings.Contains(err.Error(), "UNIQUE constraint failed")
}
