package store

import (
	"context"
	"database/sql"
	"fmt"
)

// db is the store's handle on *sql.DB: the same methods, with queries
// written with ? placeholders rewritten for the back end, so every store
// method is written once for SQLite and PostgreSQL.
type db struct {
	*sql.DB
	d dialect
}

func (x db) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return x.DB.ExecContext(ctx, x.d.rebind(query), args...)
}

func (x db) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return x.DB.QueryContext(ctx, x.d.rebind(query), args...)
}

func (x db) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return x.DB.QueryRowContext(ctx, x.d.rebind(query), args...)
}

func (x db) Exec(query string, args ...any) (sql.Result, error) {
	return x.ExecContext(context.Background(), query, args...)
}

func (x db) Query(query string, args ...any) (*sql.Rows, error) {
	return x.QueryContext(context.Background(), query, args...)
}

func (x db) QueryRow(query string, args ...any) *sql.Row {
	return x.QueryRowContext(context.Background(), query, args...)
}

// BeginTx starts a transaction whose queries are rewritten the same way.
func (x db) BeginTx(ctx context.Context, opts *sql.TxOptions) (*tx, error) {
	t, err := x.DB.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &tx{Tx: t, d: x.d}, nil
}

// Begin is BeginTx with a background context and default options.
func (x db) Begin() (*tx, error) { return x.BeginTx(context.Background(), nil) }

// tx is a *sql.Tx with the store's placeholder rewriting.
type tx struct {
	*sql.Tx
	d dialect
}

func (t *tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.Tx.ExecContext(ctx, t.d.rebind(query), args...)
}

func (t *tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.Tx.QueryContext(ctx, t.d.rebind(query), args...)
}

func (t *tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return t.Tx.QueryRowContext(ctx, t.d.rebind(query), args...)
}

func (t *tx) Exec(query string, args ...any) (sql.Result, error) {
	return t.ExecContext(context.Background(), query, args...)
}

func (t *tx) Query(query string, args ...any) (*sql.Rows, error) {
	return t.QueryContext(context.Background(), query, args...)
}

func (t *tx) QueryRow(query string, args ...any) *sql.Row {
	return t.QueryRowContext(context.Background(), query, args...)
}

// scanner is a row to scan: *sql.Row or *sql.Rows.
type scanner interface{ Scan(...any) error }

// queryAll runs a query and scans every row with scan. what names the
// query in errors. The result is empty, not nil, when no row matches (it
// is sent as a JSON list).
func queryAll[T any](ctx context.Context, x db, what string, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := x.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("store: %s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	return out, nil
}
