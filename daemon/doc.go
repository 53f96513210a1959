// Package daemon holds no code: the sharer's daemon is the packages below
// it (see docs/architecture.md). Its tests check rules that span those
// packages, such as that only daemon/x11 opens X connections and only
// daemon/win32 loads Win32 DLLs.
package daemon
