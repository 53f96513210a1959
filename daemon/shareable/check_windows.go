package shareable

import "github.com/quickhelp/quickhelp/wire"

// Check: a Windows desktop can always be shared (GDI capture, SendInput).
func Check(func(string) string, string) wire.Reason { return "" }
