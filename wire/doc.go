// Package wire defines every message that crosses a process boundary in
// QuickHelp: the service's REST bodies and session WebSocket envelope, the
// data-channel messages between helper and sharer, the UI-bridge frame
// header, and the sharer daemon's local API. Every reason on those
// boundaries is a Reason (reason.go). It uses the standard library only, so
// every program and the fuzz targets can share it.
package wire
